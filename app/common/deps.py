"""FastAPI dependencies: the request's session (one commit), the caller, scope checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal, Role
from app.common.problems import Forbidden, Unauthorized
from app.common.strict_query import reject_unknown_query
from app.config import Settings
from app.db import read_scope, session_scope


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async for session in session_scope(request.app.state.sessionmaker):
        yield session


# scope="function": the commit finishes before the response is sent, so a client never sees
# 201 for a write that then failed to commit.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]


async def _read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async for session in read_scope(request.app.state.engine):
        yield session


# For GETs that only read (match pages): no BEGIN and COMMIT round trips on PostgreSQL.
ReadSessionDep = Annotated[AsyncSession, Depends(_read_session, scope="function")]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def _principal(request: Request) -> Principal:
    # AccessMiddleware verified the key (or found none) before the route ran.
    principal = getattr(request.state, "principal", None)
    if principal is not None:
        await reject_unknown_query(request)  # only now: a caller without a key learns nothing
        return principal
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "send an API key as 'Authorization: Bearer gm_live_…'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    raise Unauthorized(
        "the API key is not valid, revoked or expired", headers={"WWW-Authenticate": "Bearer"}
    )


PrincipalDep = Annotated[Principal, Depends(_principal)]
authenticated = _principal  # for router-level dependencies


def require(scope: str, *roles: Role):
    """A dependency that admits principals holding `scope` (and, if given, one of `roles`)."""

    async def check(principal: PrincipalDep) -> Principal:
        if roles and principal.role not in roles and not principal.is_admin:
            raise Forbidden(f"the {principal.role.value} role cannot do this")
        if not principal.can(scope):
            raise Forbidden(f"this API key lacks the '{scope}' scope")
        return principal

    check.required_scope = scope  # type: ignore[attr-defined]  # read by the OpenAPI document
    return Depends(check)


def _secret_key(request: Request) -> bytes:
    return request.app.state.secret_key


SecretKeyDep = Annotated[bytes, Depends(_secret_key)]
