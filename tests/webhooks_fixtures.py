"""Fixtures for the webhook tests: a real HTTP receiver on loopback, an app whose settings
allow-list loopback, and fast dispatchers (retry delays injected)."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from sqlalchemy import delete

from app.main import create_app
from app.webhooks.dispatcher import Dispatcher
from app.webhooks.models import WebhookEndpoint
from tests.conftest import World, auth

FAST_SCHEDULE = [0, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    port: int = 0
    requests: list[Received] = field(default_factory=list)
    scripts: dict[str, list[tuple[int, dict[str, str], bytes]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    delay: float = 0.0  # seconds each answer takes (a slow receiver keeps deliveries in flight)

    def path(self) -> str:
        return f"/hook/{secrets.token_hex(6)}"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, path: str, *responses: int | tuple[int, dict[str, str], bytes]) -> None:
        """Answers for the next requests to `path`, in order; afterwards 200."""
        with self.lock:
            self.scripts[path] = [r if isinstance(r, tuple) else (r, {}, b"") for r in responses]

    def at(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("content-length") or 0)
        body = handler.rfile.read(length)
        with self.lock:
            self.requests.append(Received(
                handler.path, {k.lower(): v for k, v in handler.headers.items()}, body,
                time.monotonic(),
            ))
            queue = self.scripts.get(handler.path) or []
            status, headers, payload = queue.pop(0) if queue else (200, {}, b"ok")
        if self.delay:
            time.sleep(self.delay)
        handler.send_response(status)
        for k, v in headers.items():
            handler.send_header(k, v)
        handler.send_header("content-length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)


def serve_receiver(rec: Receiver, port: int = 0) -> ThreadingHTTPServer:
    """Serves `rec` on loopback in a thread (port 0: any free one, kept in rec.port). Stop
    with stop_receiver(); serving again on rec.port brings the same URL back."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            rec._handle(self)

        def log_message(self, *args) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 256  # the default backlog of 5 resets bursts of connections
        allow_reuse_address = True
        def process_request(self, request, client_address) -> None:
            self.live.add(request)
            super().process_request(request, client_address)

        def shutdown_request(self, request) -> None:
            self.live.discard(request)
            super().shutdown_request(request)

    server = Server(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.live = set()  # open (kept-alive) connections, cut on stop
    rec.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def stop_receiver(server: ThreadingHTTPServer) -> None:
    """Stops listening and cuts kept-alive connections too: the receiver is really gone."""
    server.shutdown()
    server.server_close()
    for sock in list(server.live):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture(scope="session")
def receiver():
    rec = Receiver()
    server = serve_receiver(rec)
    yield rec
    stop_receiver(server)


@pytest.fixture(scope="session")
async def wh_app(settings):
    """The real app with loopback allow-listed (as the issue allows for tests)."""
    application = create_app(settings.model_copy(update={"webhook_allow_list": ["127.0.0.1"]}))
    yield application
    await application.state.engine.dispose()


@pytest.fixture(scope="session")
async def wh_client(wh_app):
    transport = httpx.ASGITransport(app=wh_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gigmarket.test") as c:
        yield c


@pytest.fixture(scope="session")
def wh_world(wh_app, wh_client) -> World:
    return World(wh_app, wh_client)


@pytest.fixture
def make_dispatcher(wh_app):
    made: list[Dispatcher] = []

    def make(**kw) -> Dispatcher:
        kw.setdefault("schedule", FAST_SCHEDULE)
        kw.setdefault("jitter", 0)
        kw.setdefault("poll_seconds", 0.02)
        settings = kw.pop("settings", wh_app.state.settings)
        sessionmaker = kw.pop("sessionmaker", wh_app.state.sessionmaker)
        d = Dispatcher(sessionmaker, settings, wh_app.state.secret_key, **kw)
        made.append(d)
        return d

    return make


async def _drain(dispatcher: Dispatcher, until: Callable[[], bool], limit: float = 10) -> None:
    """Runs the dispatcher (as tests do: round after round) until `until()` holds."""
    deadline = time.monotonic() + limit
    async with dispatcher:
        while True:
            await dispatcher.run_until_idle()
            if until():
                return
            if time.monotonic() > deadline:
                raise AssertionError("condition not reached before the timeout")
            await asyncio.sleep(0.02)


@pytest.fixture(scope="session")
def drain():
    return _drain


@pytest.fixture
async def subscribe(wh_app, wh_client, receiver, make_dispatcher):
    """Creates endpoints on fresh receiver paths; deletes them after the test. Events already
    written are sequenced first, so an endpoint receives only what the test does next."""
    created: list[int] = []

    async def make(key: str, event_types: list[str] | None = None, path: str | None = None):
        await make_dispatcher().sequence()
        path = path or receiver.path()
        body = {"url": receiver.url(path), "description": "test receiver"}
        if event_types is not None:
            body["event_types"] = event_types
        r = await wh_client.post("/v1/webhook-endpoints", json=body, headers=auth(key))
        assert r.status_code == 201, r.text
        created.append(r.json()["id"])
        return r.json(), path

    yield make
    async with wh_app.state.sessionmaker() as session:
        await session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id.in_(created)))
        await session.commit()
