"""Migrations, the OpenAPI document, and a real `gigmarket serve` process."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from app import migrate
from app.cli import OPENAPI_PATH, openapi_document
from tests.conftest import fresh_database


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names - {"alembic_version"}


async def test_migrations_upgrade_downgrade_upgrade(backend_url, tmp_path):
    import asyncio

    url, drop = await asyncio.to_thread(fresh_database, backend_url, tmp_path, "migrations")
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        tables = await _tables(url)
        assert {"jobs", "workers", "employers", "api_keys", "events"} <= tables
        await asyncio.to_thread(migrate.downgrade, url, "base")
        assert await _tables(url) == set()
        await asyncio.to_thread(migrate.upgrade, url)
        assert await _tables(url) == tables
    finally:
        await asyncio.to_thread(drop)


def test_openapi_document_is_current():
    assert OPENAPI_PATH.read_text("utf-8") == openapi_document(), (
        "openapi/openapi.json is stale: run `gigmarket openapi` and commit it"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_real_serve_process_answers_over_a_socket(tmp_path):
    port = _free_port()
    env = {**os.environ, "GIGMARKET_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}",
           "GIGMARKET_SECRET_KEY_FILE": str(tmp_path / "secret")}
    env.pop("GIGMARKET_SECRET_KEY", None)
    script = Path(sys.executable).parent / "gigmarket"  # the installed console script
    proc = subprocess.Popen(
        [str(script), "serve", "--demo", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True,
    )
    try:
        key_line = proc.stdout.readline()
        assert "gm_live_" in key_line, key_line
        key = key_line.split()[-1]
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.2)
        assert r.json() == {"status": "ok"}
        jobs = httpx.get(f"http://127.0.0.1:{port}/v1/jobs?limit=5",
                         headers={"Authorization": f"Bearer {key}"}, timeout=5)
        assert jobs.status_code == 200 and len(jobs.json()["items"]) == 5
        assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
        assert "http_request" in httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _demo_key(script: Path, tmp_path: Path, env: dict[str, str]) -> str:
    """Starts `serve --demo`, reads the key line, stops the process."""
    proc = subprocess.Popen(
        [str(script), "serve", "--demo", "--port", str(_free_port())],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        line = proc.stdout.readline()
        assert "gm_live_" in line, line
        return line.split()[-1]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def test_demo_reuses_its_admin_key(backend_url, tmp_path):
    import asyncio

    from sqlalchemy import text

    url, drop = await asyncio.to_thread(fresh_database, backend_url, tmp_path, "demo")
    env = {**os.environ, "GIGMARKET_DATABASE_URL": url,
           "GIGMARKET_SECRET_KEY_FILE": str(tmp_path / "secret"),
           "GIGMARKET_DISPATCHER_IN_PROCESS": "false"}
    env.pop("GIGMARKET_SECRET_KEY", None)
    script = Path(sys.executable).parent / "gigmarket"
    try:
        first = await asyncio.to_thread(_demo_key, script, tmp_path, env)
        second = await asyncio.to_thread(_demo_key, script, tmp_path, env)
        assert first == second
        assert (tmp_path / ".gigmarket-demo-key").read_text().strip() == first
        assert (tmp_path / ".gigmarket-demo-key").stat().st_mode & 0o077 == 0
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            admins = await conn.scalar(text("SELECT count(*) FROM api_keys WHERE role = 'admin'"))
        await engine.dispose()
        assert admins == 1
    finally:
        await asyncio.to_thread(drop)


def test_a_malformed_allow_list_is_a_one_line_error(tmp_path):
    script = Path(sys.executable).parent / "gigmarket"
    env = {**os.environ, "GIGMARKET_WEBHOOK_ALLOW_LIST": "127.0.0.1,localhost",
           "GIGMARKET_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"}
    r = subprocess.run([str(script), "migrate"], cwd=tmp_path, env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert "GIGMARKET_WEBHOOK_ALLOW_LIST" in r.stderr and '["127.0.0.1"]' in r.stderr
    assert not (tmp_path / "x.db").exists()
