"""A database that refuses new connections (ALLOW_CONNECTIONS false, too many connections,
starting up) is unavailable: 503 problem with Retry-After on every path that needs it
(routes, the idempotency middleware, /readyz), never a 500; and it recovers by itself."""

from __future__ import annotations

import asyncio
import secrets
import socket
import struct
import threading

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from app.config import Settings
from app.main import create_app
from tests.conftest import SECRET, auth, job_body
from tests.faults.support import on_postgres

pytestmark = on_postgres


def _dsn(url: str, **changes) -> str:
    return make_url(url).set(drivername="postgresql", **changes).render_as_string(
        hide_password=False)


async def _admin(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(_dsn(url, database="postgres"))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def _app(url: str, tmp_path):
    return create_app(Settings(database_url=url, secret_key=SECRET, log_json=True,
                               secret_key_file=tmp_path / "unused"))


async def _assert_unavailable(app, key: str) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gigmarket.test") as c:
        answers = [
            await c.get("/v1/jobs", headers=auth(key)),
            await c.post("/v1/jobs", json=job_body(),
                         headers={**auth(key), "Idempotency-Key": secrets.token_hex(8)}),
            await c.get("/readyz"),
        ]
    for r in answers:
        assert r.status_code == 503, (r.request.url, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    for r in answers[:2]:
        assert r.headers["retry-after"] == "2"
        assert r.json()["type"] == "/problems/database-unavailable"


async def _terminate(url: str) -> None:
    name = make_url(url).database
    await _admin(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")


async def test_database_not_accepting_connections(setup, tmp_path):
    key = await setup.admin()
    name = make_url(setup.url).database
    app = _app(setup.url, tmp_path)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://gigmarket.test") as c:
            assert (await c.get("/v1/jobs", headers=auth(key))).status_code == 200
        await _admin(setup.url, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            await _terminate(setup.url)  # the pool's open connections go too
            await _assert_unavailable(app, key)
        finally:
            await _admin(setup.url, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://gigmarket.test") as c:
            assert (await c.get("/v1/jobs", headers=auth(key))).status_code == 200
    finally:
        await app.state.engine.dispose()


async def test_too_many_connections(setup, tmp_path):
    """A role whose connection limit is used up (superusers are exempt, so a role of its own)."""
    key = await setup.admin()
    role = f"ops_fault_{secrets.token_hex(4)}"
    await _admin(setup.url, f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 0")
    app = _app(make_url(setup.url).set(username=role).render_as_string(hide_password=False),
               tmp_path)
    try:
        await _assert_unavailable(app, key)
    finally:
        await app.state.engine.dispose()
        await _admin(setup.url, f"DROP ROLE {role}")


class _StartingUpServer:
    """A loopback server speaking just enough of the PostgreSQL protocol to answer every
    connection as a server still starting up does: FATAL 57P03."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.answered = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                try:
                    self._answer(conn)
                except OSError:
                    pass

    @staticmethod
    def _read_message(conn: socket.socket) -> bytes:
        (length,) = struct.unpack("!I", conn.recv(4, socket.MSG_WAITALL))
        return conn.recv(length - 4, socket.MSG_WAITALL)

    def _answer(self, conn: socket.socket) -> None:
        message = self._read_message(conn)
        if struct.unpack("!I", message[:4])[0] == 80877103:  # SSLRequest: no SSL here
            conn.sendall(b"N")
            self._read_message(conn)  # the StartupMessage
        fields = b"".join(code + text.encode() + b"\0" for code, text in [
            (b"S", "FATAL"), (b"V", "FATAL"), (b"C", "57P03"),
            (b"M", "the database system is starting up")])
        conn.sendall(b"E" + struct.pack("!I", len(fields) + 5) + fields + b"\0")
        self.answered += 1

    def close(self) -> None:
        self.sock.close()


async def test_database_starting_up(setup, tmp_path):
    key = await setup.admin()
    server = _StartingUpServer()
    url = make_url(setup.url).set(host="127.0.0.1", port=server.port)
    app = _app(url.render_as_string(hide_password=False), tmp_path)
    try:
        await _assert_unavailable(app, key)
        assert server.answered >= 3
    finally:
        await app.state.engine.dispose()
        await asyncio.to_thread(server.close)

