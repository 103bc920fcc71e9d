"""ASGI middleware: request ids and access logs, security headers, the body size limit."""

from __future__ import annotations

import json
import secrets
import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.common.i18n import LANGUAGE, preferred_language
from app.common.problems import DATABASE_UNAVAILABLE, PROBLEM_JSON, language_headers, problem_body
from app.db import database_unavailable

access_log = structlog.get_logger("gigmarket.access")


class RequestContextMiddleware:
    """Gives every request an id (X-Request-ID kept if sane) and logs one line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if 0 < len(incoming) <= 64 and incoming.isascii() else None
        request_id = request_id or secrets.token_hex(8)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        # Not reset afterwards: the outermost 500 handler runs after this returns. Each request
        # sets it anew.
        LANGUAGE.set(preferred_language(
            dict(scope["headers"]).get(b"accept-language", b"").decode("latin-1")))
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id")


class _TooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """Refuses bodies over the limit with 413, by Content-Length or while streaming.
    `larger` names the few paths (bulk endpoints) allowed a bigger body."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.larger.get(scope["path"], self.max_bytes)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return await self._refuse(send, limit)
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send, limit)

    async def _refuse(self, send: Send, limit: int) -> None:
        await send_problem(
            send, 413, "Content too large",
            f"request bodies are limited to {limit} bytes", "content-too-large",
        )


async def send_problem(
    send: Send, status: int, title: str, detail: str, slug: str,
    headers: dict[str, str] | None = None,
) -> None:
    """A problem+json response from raw ASGI middleware (outside FastAPI's handlers)."""
    body = json.dumps(problem_body(status, title, detail, slug), ensure_ascii=False).encode()
    raw_headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    headers = {**(headers or {}), **language_headers()}
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


async def send_unavailable(send: Send, exc: Exception, path: str) -> None:
    """Raw middleware met an exception: a database outage becomes the 503 problem (FastAPI's
    handlers cannot catch it out here); anything else is raised again."""
    if not database_unavailable(exc):
        raise exc
    access_log.warning("database_unavailable", error_type=type(exc).__name__, path=path)
    await send_problem(send, **DATABASE_UNAVAILABLE)


class SecurityHeadersMiddleware:
    """Headers every API response carries; HTML and the docs keep their own CSP needs."""

    JSON_CSP = b"default-src 'none'; frame-ancestors 'none'"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
                ]
                content_type = dict(headers).get(b"content-type", b"")
                if b"json" in content_type and b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", self.JSON_CSP))
                if scope["path"].startswith("/v1/") and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
