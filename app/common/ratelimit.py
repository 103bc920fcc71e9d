"""Per-key and per-address rate limits (the `limits` library), answered as 429 problems.

A request counts against its key's bucket only once the key is verified (app.auth.verified:
remembered for a minute after one lookup); every other request, with no key or a made-up,
revoked or expired one, counts against its address, so fresh random tokens buy no extra budget.
An unverified token is looked up only while its address has budget left.

The default storage is in-process memory, which suits the embedded single-process setup; with
several API processes each one counts alone (a limit of N allows up to N × processes). Set
GIGMARKET_RATE_LIMIT_STORAGE=async+redis://host:6379 to share the counters between processes.
"""

from __future__ import annotations

import math
import time

from limits import parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth.service import hash_key
from app.auth.verified import bearer_token, key_is_valid
from app.common.middleware import send_problem
from app.common.problems import DATABASE_UNAVAILABLE
from app.db import database_unavailable

# Probes and scrapes must never be throttled away from the load balancer and Prometheus.
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, per_key: str, per_address: str, storage_uri: str) -> None:
        self.app = app
        self.per_key = parse(per_key)
        self.per_address = parse(per_address)
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            return await self.app(scope, receive, send)
        state = scope["app"].state
        token = bearer_token(dict(scope["headers"]))
        client = scope.get("client") or ("unknown", 0)
        address = f"addr:{client[0]}"
        identity, item = address, self.per_address
        # A key not seen lately is looked up only while its address still has budget, so
        # made-up tokens cost at most the address limit in lookups, then 429 with none.
        if token and (
            hash_key(state.secret_key, token) in state.verified_keys
            or await self.limiter.test(self.per_address, "gigmarket", address)
        ):
            try:
                valid = await key_is_valid(state, token)
            except Exception as exc:
                if not database_unavailable(exc):
                    raise
                return await send_problem(send, **DATABASE_UNAVAILABLE)
            if valid:
                # Keyed hash: the limiter's storage never holds a usable key.
                identity = "key:" + hash_key(state.secret_key, token)[:32]
                item = self.per_key
        if await self.limiter.hit(item, "gigmarket", identity):
            return await self.app(scope, receive, send)
        stats = await self.limiter.get_window_stats(item, "gigmarket", identity)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        return await send_problem(
            send, 429, "Too many requests",
            f"rate limit of {item} exceeded; retry in {retry_after} s", "rate-limited",
            headers={"Retry-After": str(retry_after)},
        )
