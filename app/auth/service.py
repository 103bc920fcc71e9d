"""API keys: issue (shown once), authenticate by keyed hash, revoke."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import ApiKey
from app.auth.principal import ROLE_SCOPES, SUBJECT_ROLES, Principal, Role
from app.common.problems import NotFound, Unauthorized, field_error
from app.db import utcnow

KEY_PREFIX = "gm_live_"


def hash_key(secret: bytes, key: str) -> str:
    return hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()


def principal_of(row: ApiKey) -> Principal:
    return Principal(
        key_id=row.id,
        role=Role(row.role),
        scopes=frozenset(row.scopes),
        subject_id=row.subject_id,
        name=row.name,
    )


async def _subject_exists(session: AsyncSession, role: Role, subject_id: int) -> bool:
    # Imported here: auth sits below the domains that own the subject tables.
    from app.employers.models import Employer
    from app.markets.models import Market
    from app.workers.models import Worker

    model = {Role.employer: Employer, Role.market: Market, Role.worker: Worker}[role]
    return await session.get(model, subject_id) is not None


async def create_key(
    session: AsyncSession,
    secret: bytes,
    *,
    role: Role,
    name: str,
    subject_id: int | None = None,
    scopes: list[str] | None = None,
    expires_at: datetime | None = None,
    created_by: Principal | None = None,
) -> tuple[ApiKey, str]:
    """Returns the stored row and the plaintext key, which exists nowhere else afterwards."""
    allowed = ROLE_SCOPES[role]
    if scopes is None:
        granted = sorted(allowed)
    else:
        extra = sorted(set(scopes) - allowed)
        if extra and "*" not in allowed:
            raise field_error("/scopes", f"not allowed for role {role.value}: {', '.join(extra)}")
        granted = sorted(set(scopes))
    if role in SUBJECT_ROLES and role is not Role.worker and subject_id is None:
        raise field_error("/subject_id", f"a {role.value} key must name the {role.value} it acts for")
    if role not in SUBJECT_ROLES and subject_id is not None:
        raise field_error("/subject_id", f"a {role.value} key acts for no subject")
    if subject_id is not None and not await _subject_exists(session, role, subject_id):
        raise field_error("/subject_id", f"no {SUBJECT_ROLES[role]} with id {subject_id}")
    if expires_at is not None and expires_at <= utcnow():
        raise field_error("/expires_at", "must be in the future")

    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        name=name,
        role=role.value,
        scopes=granted,
        prefix=plaintext[:14],
        key_hash=hash_key(secret, plaintext),
        subject_id=subject_id,
        created_by_key_id=created_by.key_id if created_by else None,
        expires_at=expires_at,
    )
    session.add(row)
    await session.flush()
    return row, plaintext


# Valid keys seen lately, per process: key hash → (principal, expires_at, when read). A key is
# read again after KEY_CACHE_TTL_S, so a revocation made through another process takes effect
# there within that time (at once in the process that revoked it). Expiry is checked on every use.
KEY_CACHE_TTL_S = 3.0
_KEY_CACHE_MAX = 10_000
_key_cache: dict[str, tuple[Principal, datetime | None, float]] = {}


def forget_key(key_id: int) -> None:
    for digest, (principal, _exp, _at) in list(_key_cache.items()):
        if principal.key_id == key_id:
            _key_cache.pop(digest, None)


def _invalid() -> Unauthorized:
    return Unauthorized(
        "the API key is not valid, revoked or expired", headers={"WWW-Authenticate": "Bearer"}
    )


async def authenticate(session: AsyncSession, secret: bytes, key: str) -> Principal:
    if not key.startswith(KEY_PREFIX) or len(key) > 128:
        raise Unauthorized("the API key is not valid", headers={"WWW-Authenticate": "Bearer"})
    digest = hash_key(secret, key)
    now = utcnow()
    hit = _key_cache.get(digest)
    if hit is not None and time.monotonic() - hit[2] < KEY_CACHE_TTL_S:
        if hit[1] is not None and hit[1] <= now:
            raise _invalid()
        return hit[0]
    row = await session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
    if row is None or row.revoked_at is not None or (row.expires_at and row.expires_at <= now):
        _key_cache.pop(digest, None)
        raise _invalid()
    principal = principal_of(row)
    if len(_key_cache) >= _KEY_CACHE_MAX:
        _key_cache.clear()
    _key_cache[digest] = (principal, row.expires_at, time.monotonic())
    return principal


async def list_keys(session: AsyncSession, *, limit: int, after_id: int | None) -> list[ApiKey]:
    stmt = select(ApiKey).order_by(ApiKey.id.desc()).limit(limit + 1)
    if after_id is not None:
        stmt = stmt.where(ApiKey.id < after_id)
    return list(await session.scalars(stmt))


async def revoke_key(session: AsyncSession, key_id: int) -> ApiKey:
    row = await session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"no API key with id {key_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    forget_key(key_id)
    return row


async def bind_worker_key(session: AsyncSession, principal: Principal, worker_id: int) -> None:
    row = await session.get(ApiKey, principal.key_id)
    if row is not None:
        row.subject_id = worker_id
        forget_key(row.id)
