"""Keys this process has seen authenticate recently, so raw middleware (rate limits,
idempotency) can tell a verified key from a made-up one without a lookup per request.

Entries live VERIFIED_TTL seconds: a key revoked meanwhile is still refused by
authenticate() on every request; it only keeps its per-key rate bucket that long.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from app.auth.service import authenticate, hash_key
from app.common.problems import Unauthorized

VERIFIED_TTL = 60.0
VERIFIED_MAX = 10_000


class VerifiedKeys:
    def __init__(self, ttl: float = VERIFIED_TTL, size: int = VERIFIED_MAX) -> None:
        self.ttl, self.size = ttl, size
        self._until: OrderedDict[str, float] = OrderedDict()

    def __contains__(self, key_hash: str) -> bool:
        until = self._until.get(key_hash)
        if until is None:
            return False
        if until < time.monotonic():
            del self._until[key_hash]
            return False
        return True

    def add(self, key_hash: str) -> None:
        self._until[key_hash] = time.monotonic() + self.ttl
        self._until.move_to_end(key_hash)
        while len(self._until) > self.size:
            self._until.popitem(last=False)


def bearer_token(headers: dict[bytes, bytes]) -> str | None:
    scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def key_is_valid(state, token: str) -> bool:
    """True for a live key (from the cache, else one read); a made-up token writes nothing."""
    key_hash = hash_key(state.secret_key, token)
    if key_hash in state.verified_keys:
        return True
    async with state.sessionmaker() as session:
        try:
            await authenticate(session, state.secret_key, token)
        except Unauthorized:
            return False
    state.verified_keys.add(key_hash)
    return True
