"""Verified API keys, remembered per process for a few seconds.

A key's role, scopes and subject never change once it is bound to its subject; only revocation
and expiry do (a worker key without a worker yet is never cached: its first profile binds it).
So a verified key is kept for `ttl` seconds (never past its own expiry): a revocation takes
effect in every process within that time. Unknown or refused tokens are never remembered, so a
stream of made-up tokens cannot fill the cache; those requests are rate-limited per address
before they are looked up (see app/common/ratelimit.py).
"""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.models import ApiKey
from app.auth.principal import SUBJECT_ROLES, Principal
from app.auth.service import KEY_PREFIX, hash_key, principal_of
from app.db import utcnow

MAX_ENTRIES = 10_000


def _plausible(token: str) -> bool:
    return token.startswith(KEY_PREFIX) and len(token) <= 128


class KeyCache:
    def __init__(self, secret: bytes, ttl: float) -> None:
        self.secret = secret
        self.ttl = ttl
        self._entries: dict[str, tuple[Principal, float]] = {}

    def digest(self, token: str) -> str:
        return hash_key(self.secret, token)

    def cached(self, digest: str) -> Principal | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        principal, until = entry
        if time.monotonic() >= until:
            del self._entries[digest]
            return None
        return principal

    async def verify(
        self, sessionmaker: async_sessionmaker[AsyncSession], token: str, digest: str
    ) -> Principal | None:
        """The key's principal if it is live, else None. Database errors propagate."""
        if not _plausible(token):
            return None
        async with sessionmaker() as session:
            row = await session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
        now = utcnow()
        if row is None or row.revoked_at is not None or (row.expires_at and row.expires_at <= now):
            return None
        principal = principal_of(row)
        self._remember(digest, principal, row.expires_at, now)
        return principal

    def forget(self, key_id: int) -> None:
        """Drops a key this process revoked, so the revoking process sees it at once."""
        for digest, (principal, _) in list(self._entries.items()):
            if principal.key_id == key_id:
                del self._entries[digest]

    def _remember(
        self, digest: str, principal: Principal, expires_at: datetime | None, now: datetime
    ) -> None:
        if self.ttl <= 0 or (principal.role in SUBJECT_ROLES and principal.subject_id is None):
            return  # an unbound worker key gains its subject on its first profile: not settled
        ttl = self.ttl
        if expires_at is not None:
            ttl = min(ttl, (expires_at - now).total_seconds())
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()  # rare; a burst of distinct live keys just re-verifies
        self._entries[digest] = (principal, time.monotonic() + ttl)
