"""Idempotency-Key on POST: the same key and body replay the stored response.

Same key with another body → 422; the first request still running → 409. Keys are scoped to
the API key that sent them and kept `idempotency_ttl_hours`. A claim left by a crashed
process is taken over after IN_FLIGHT_TIMEOUT. Responses of 5xx, 401 and 403 are not kept,
so the client may retry them with the same key; bodies marked Cache-Control: no-store (secrets
shown once) are never stored.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import structlog
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.common.middleware import send_problem, send_unavailable
from app.db import database_unavailable, utcnow
from app.idempotency.models import IdempotencyRecord

IN_FLIGHT_TIMEOUT = timedelta(seconds=120)
PURGE_BATCH = 5000
REPLAYED_HEADERS = ("content-type", "location", "etag")
SECRET_WITHHELD = "x-gigmarket-secret-withheld"
log = structlog.get_logger("gigmarket.idempotency")


class _Outcome(Exception):
    def __init__(self, status: int, title: str, detail: str, slug: str) -> None:
        self.status, self.title, self.detail, self.slug = status, title, detail, slug


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        key = headers.get("idempotency-key")
        owner = scope.get("state", {}).get("key_digest")
        if key is None or owner is None:
            # Without a verified key the route answers 401 and nothing may be written first.
            return await self.app(scope, receive, send)
        if not 1 <= len(key) <= 255 or not key.isprintable():
            return await send_problem(
                send, 400, "Bad request", "Idempotency-Key must be 1–255 printable characters",
                "bad-idempotency-key",
            )

        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body += message.get("body", b"")
            more = message.get("more_body", False)

        state = scope["app"].state
        fingerprint = hashlib.sha256(
            b"\0".join([scope["path"].encode(), scope.get("query_string", b""), body])
        ).hexdigest()

        try:
            stored = await _claim(state, owner, key, fingerprint)
        except _Outcome as outcome:
            return await send_problem(
                send, outcome.status, outcome.title, outcome.detail, outcome.slug
            )
        except Exception as exc:
            return await send_unavailable(send, exc, scope["path"])
        if stored is not None:
            return await _replay(send, stored)

        captured: dict = {"status": 500, "headers": [], "body": b""}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, _replaying(body, receive), capture)
        except BaseException:
            await _quietly(_release(state, owner, key))
            raise
        status = captured["status"]
        if status >= 500 or status in (401, 403):
            await _quietly(_release(state, owner, key))
        else:
            headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                       for k, v in captured["headers"]}
            kept = {k: v for k, v in headers.items() if k in REPLAYED_HEADERS}
            body = captured["body"]
            if "no-store" in headers.get("cache-control", ""):
                # A secret shown once (an API key, a webhook secret) is not kept here either:
                # a replay says what happened instead of handing the secret out again.
                kept, body = {SECRET_WITHHELD: "1"}, None
            await _quietly(_finish(state, owner, key, status, kept, body))
        return None


def _replaying(body: bytes, receive: Receive) -> Receive:
    """The body this middleware already read, handed on once; then the real channel."""
    pending: list[bytes] = [body]

    async def replay() -> Message:
        if not pending:
            return await receive()
        return {"type": "http.request", "body": pending.pop(), "more_body": False}

    return replay


async def _quietly(bookkeeping) -> None:
    """The response has gone out; if the database went away meanwhile, the claim stays
    in flight until IN_FLIGHT_TIMEOUT and a retry with the same key answers 409 until then."""
    try:
        await bookkeeping
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        log.warning("idempotency_bookkeeping_lost", error_type=type(exc).__name__)


async def _claim(state, owner: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """Claims the key for this request, or returns the stored response to replay."""
    now = utcnow()
    ttl = timedelta(hours=state.settings.idempotency_ttl_hours)
    for _ in range(3):
        async with state.sessionmaker() as session:
            try:
                session.add(
                    IdempotencyRecord(
                        owner_hash=owner, key=key, fingerprint=fingerprint, state="in_flight",
                        created_at=now, expires_at=now + ttl,
                    )
                )
                await session.commit()
                return None
            except IntegrityError:
                await session.rollback()
            row = await session.scalar(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.owner_hash == owner, IdempotencyRecord.key == key
                )
            )
            if row is None:
                continue  # released meanwhile; claim again
            stale = row.state == "in_flight" and row.created_at + IN_FLIGHT_TIMEOUT < now
            if row.expires_at <= now or stale:
                await session.execute(
                    delete(IdempotencyRecord).where(IdempotencyRecord.id == row.id)
                )
                await session.commit()
                continue
            if row.fingerprint != fingerprint:
                raise _Outcome(
                    422, "Idempotency key reused",
                    "this Idempotency-Key was used with a different request body or path",
                    "idempotency-key-reused",
                )
            if row.state == "in_flight":
                raise _Outcome(
                    409, "Request in progress",
                    "a request with this Idempotency-Key is still being processed; retry later",
                    "idempotency-in-flight",
                )
            return row
    raise _Outcome(
        409, "Request in progress", "could not claim the Idempotency-Key; retry",
        "idempotency-in-flight",
    )


async def _finish(state, owner: str, key: str, status: int, headers: dict, body: bytes) -> None:
    async with state.sessionmaker() as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.owner_hash == owner, IdempotencyRecord.key == key)
            .values(state="done", status_code=status, headers=headers, body=body)
        )
        await session.commit()


async def _release(state, owner: str, key: str) -> None:
    async with state.sessionmaker() as session:
        await session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.owner_hash == owner, IdempotencyRecord.key == key
            )
        )
        await session.commit()


async def purge_expired(sessionmaker, batch: int = PURGE_BATCH) -> int:
    """Deletes expired keys in short transactions, so a large backlog never holds locks
    (or, on SQLite, the writer lock) for long."""
    total = 0
    while True:
        async with sessionmaker() as session:
            now = utcnow()
            expired = (
                select(IdempotencyRecord.id).where(IdempotencyRecord.expires_at <= now)
                .limit(batch).scalar_subquery()
            )
            result = await session.execute(
                delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(expired))
            )
            await session.commit()
        deleted = result.rowcount or 0
        total += deleted
        if deleted < batch:
            return total


async def _replay(send: Send, row: IdempotencyRecord) -> None:
    if (row.headers or {}).get(SECRET_WITHHELD):
        return await send_problem(
            send, 409, "Response not replayable",
            "the first request with this Idempotency-Key succeeded and its response held a "
            "secret that is shown only once; list the resource to find it, or revoke it and "
            "create another", "idempotent-secret-withheld",
            headers={"Idempotent-Replayed": "true"},
        )
    headers = [(k.encode(), v.encode()) for k, v in (row.headers or {}).items()]
    headers.append((b"idempotent-replayed", b"true"))
    body = row.body or b""
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": row.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})
