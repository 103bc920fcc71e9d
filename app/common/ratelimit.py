"""Who is calling, and how often: the API key verified once per request (cached a few seconds,
app/auth/keycache.py), then rate limits (the `limits` library) answered as 429 problems.

A request with a verified key counts against that key's budget. Every other request — no key,
or a token that is not a live key — counts against its address, and a token is looked up only
while the address still has budget, so made-up tokens can neither dodge the address limit nor
make the service look up more than that many of them.

The verified principal rides in the ASGI scope's state (`request.state.principal`) for the
route's dependencies and the idempotency middleware, so neither looks the key up again.

The default storage is in-process memory, which suits the embedded single-process setup; with
several API processes each one counts alone (a limit of N allows up to N × processes). Set
GIGMARKET_RATE_LIMIT_STORAGE=async+redis://host:6379 to share the counters between processes.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth.keycache import KeyCache
from app.common.middleware import send_problem, send_unavailable

# Probes and scrapes must never be throttled away from the load balancer and Prometheus.
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def bearer_token(scope: Scope) -> str | None:
    header = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


class AccessMiddleware:
    def __init__(
        self, app: ASGIApp, *, keys: KeyCache, per_key: str, per_address: str, storage_uri: str
    ) -> None:
        self.app = app
        self.keys = keys
        self.per_key = parse(per_key)
        self.per_address = parse(per_address)
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            return await self.app(scope, receive, send)
        client = scope.get("client") or ("unknown", 0)
        address = f"addr:{client[0]}"
        principal, digest = None, None
        token = bearer_token(scope)
        if token is not None:
            digest = self.keys.digest(token)
            principal = self.keys.cached(digest)
            if principal is None:
                if not await self.limiter.test(self.per_address, "gigmarket", address):
                    return await self._refuse(send, self.per_address, address)
                try:
                    principal = await self.keys.verify(
                        scope["app"].state.sessionmaker, token, digest
                    )
                except Exception as exc:
                    return await send_unavailable(send, exc, scope["path"])

        if principal is not None:
            # By key id: the limiter's storage never holds a usable key.
            item, identity = self.per_key, f"key:{principal.key_id}"
        else:
            item, identity = self.per_address, address
        if not await self.limiter.hit(item, "gigmarket", identity):
            return await self._refuse(send, item, identity)

        state = scope.setdefault("state", {})
        state["principal"] = principal
        state["key_digest"] = digest if principal is not None else None
        return await self.app(scope, receive, send)

    async def _refuse(self, send: Send, item: RateLimitItem, identity: str) -> None:
        stats = await self.limiter.get_window_stats(item, "gigmarket", identity)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        return await send_problem(
            send, 429, "Too many requests",
            f"rate limit of {item} exceeded; retry in {retry_after} s", "rate-limited",
            headers={"Retry-After": str(retry_after)},
        )
