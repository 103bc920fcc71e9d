from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from app.auth import service
from app.auth.principal import Principal, Role
from app.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut
from app.common.deps import SecretKeyDep, SessionDep, require
from app.common.pagination import Page, PageParams, page_of, page_params
from app.common.schemas import IdPath

router = APIRouter(prefix="/v1/api-keys", tags=["api-keys"])


@router.post(
    "", status_code=201, response_model=ApiKeyCreated,
    operation_id="api_keys_create", summary="Issue an API key",
)
async def create_api_key(
    body: ApiKeyCreate, session: SessionDep, secret: SecretKeyDep, response: Response,
    principal: Principal = require("keys:admin", Role.admin),
) -> ApiKeyCreated:
    """Issues a key for a role and its subject; the secret is shown once, in this answer.

    Callers: admin. Refuses: every role but admin (403); a subject that does not exist or does
    not fit the role (422).
    """
    row, key = await service.create_key(
        session, secret, role=body.role, name=body.name,
        subject_id=body.subject_id, scopes=body.scopes, expires_at=body.expires_at,
        created_by=principal,
    )
    response.headers["Location"] = f"/v1/api-keys/{row.id}"
    response.headers["Cache-Control"] = "no-store"
    return ApiKeyCreated(**ApiKeyOut.model_validate(row, from_attributes=True).model_dump(), key=key)


@router.get(
    "", response_model=Page[ApiKeyOut],
    operation_id="api_keys_list", summary="List API keys",
)
async def list_api_keys(
    session: SessionDep, page: Annotated[PageParams, Depends(page_params)],
    _principal: Principal = require("keys:admin", Role.admin),
) -> Page[ApiKeyOut]:
    """API keys, newest first, without their secrets.

    Callers: admin. Refuses: every role but admin (403).
    """
    rows = await service.list_keys(session, limit=page.limit, after_id=page.after_id)
    rows, cursor = page_of(rows, page)
    return Page(
        items=[ApiKeyOut.model_validate(r, from_attributes=True) for r in rows], next_cursor=cursor
    )


@router.delete(
    "/{key_id}", response_model=ApiKeyOut,
    operation_id="api_keys_revoke", summary="Revoke an API key",
)
async def revoke_api_key(
    key_id: IdPath, session: SessionDep, request: Request,
    _principal: Principal = require("keys:admin", Role.admin),
) -> ApiKeyOut:
    """Revokes a key at once; later requests with it answer 401.

    Callers: admin. Refuses: every role but admin (403); an unknown key (404).
    """
    row = await service.revoke_key(session, key_id)
    # This process stops honouring it now; the others within GIGMARKET_KEY_CACHE_SECONDS.
    request.app.state.key_cache.forget(key_id)
    return ApiKeyOut.model_validate(row, from_attributes=True)
