"""Shared by the fault tests: real `gigmarket` processes, fresh databases, waiting.

The loopback webhook receiver is tests/webhooks_fixtures.Receiver (serve_receiver /
stop_receiver bring it up and down on one port); the private PostgreSQL server that a test may
stop is tests/faults/pg_server.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import SECRET
from tests.faults.pg_server import available

GIGMARKET = str(Path(sys.executable).parent / "gigmarket")

on_postgres = pytest.mark.skipif(
    not (os.environ.get("GIGMARKET_TEST_DATABASE_URL") or "").startswith("postgresql"),
    reason="fault tests run in the PostgreSQL pass (set GIGMARKET_TEST_DATABASE_URL)",
)
with_private_postgres = pytest.mark.skipif(
    not available(), reason="needs the PostgreSQL server binaries (initdb, pg_ctl) to stop one"
)

# Webhook settings for processes under test: loopback receivers, short timeouts, leases and
# retry delays, so a fault and its recovery fit in seconds.
FAST_WEBHOOKS = {
    "WEBHOOK_ALLOW_LIST": json.dumps(["127.0.0.1"]),
    "WEBHOOK_TIMEOUT_SECONDS": "2",
    "WEBHOOK_LEASE_MARGIN_SECONDS": "1",
    "WEBHOOK_RETRY_SCHEDULE_SECONDS": json.dumps([0, 0.5, 0.5, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
    "WEBHOOK_RETRY_JITTER": "0",
    "DISPATCHER_POLL_SECONDS": "0.05",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def service_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment of a `gigmarket` process: GIGMARKET_<NAME> for each setting given."""
    env = {**os.environ, "GIGMARKET_DATABASE_URL": database_url,
           "GIGMARKET_SECRET_KEY": SECRET, "GIGMARKET_LOG_LEVEL": "WARNING"}
    env.update({f"GIGMARKET_{k.upper()}": v for k, v in settings.items()})
    return env


@dataclass
class Processes:
    """`gigmarket` subprocesses of one test, logs in its tmp dir; all stopped at the end."""

    tmp: Path
    started: list[subprocess.Popen] = field(default_factory=list)

    def spawn(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        with open(self.tmp / f"{name}.log", "a") as log:
            proc = subprocess.Popen([GIGMARKET, *args], env=env, cwd=self.tmp, stdout=log,
                                    stderr=log, start_new_session=True)
        self.started.append(proc)
        return proc

    def serve(self, env: dict[str, str], *extra: str) -> str:
        """`gigmarket serve` on a free port; returns its base URL (ready or not yet)."""
        port = free_port()
        self.spawn("serve", ["serve", "--port", str(port), *extra], env)
        return f"http://127.0.0.1:{port}"

    def dispatcher(self, env: dict[str, str], name: str = "dispatch") -> subprocess.Popen:
        return self.spawn(name, ["dispatch"], env)

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text() if path.exists() else ""

    def stop_all(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.started:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                kill(proc)


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL: no handler runs, nothing is drained or recorded."""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


@pytest.fixture
def processes(tmp_path):
    procs = Processes(tmp_path)
    yield procs
    procs.stop_all()


async def eventually(check: Callable[[], Awaitable[bool]], limit: float, what: str,
                     every: float = 0.1) -> float:
    """Polls until check() holds; returns the seconds it took."""
    started = time.monotonic()
    while not await check():
        if time.monotonic() - started > limit:
            raise AssertionError(f"not within {limit:g} s: {what}")
        await asyncio.sleep(every)
    return time.monotonic() - started


async def wait_ready(base: str, limit: float = 30) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=5) as client:

        async def ready() -> bool:
            with contextlib.suppress(httpx.TransportError):
                return (await client.get("/readyz")).status_code == 200
            return False

        await eventually(ready, limit, f"{base}/readyz answers 200")


@dataclass
class Setup:
    """A fresh, migrated database for one test, and the real app on it in this process (to
    arrange data through the API while the processes under test share the database)."""

    url: str
    app: object
    client: httpx.AsyncClient

    async def admin(self) -> str:
        from app.auth.principal import Role
        from tests.conftest import World

        return await World(self.app, self.client).key(Role.admin)


@pytest.fixture
async def setup(backend_url, tmp_path):
    from app.config import Settings
    from app.main import create_app
    from app.migrate import upgrade
    from tests.conftest import fresh_database

    url, drop = await asyncio.to_thread(fresh_database, backend_url, tmp_path, "fault")
    await asyncio.to_thread(upgrade, url)
    app = create_app(Settings(database_url=url, secret_key=SECRET, log_json=True,
                              secret_key_file=tmp_path / "unused",
                              webhook_allow_list=["127.0.0.1"]))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gigmarket.test") as c:
        yield Setup(url, app, c)
    await app.state.engine.dispose()
    await asyncio.to_thread(drop)
