from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from app.auth.principal import Principal, Role
from app.common.deps import PrincipalDep, SessionDep, require
from app.common.pagination import Page, PageParams, page_of, page_params
from app.common.schemas import IdPath
from app.markets import service
from app.markets.schemas import MarketCreate, MarketOut

router = APIRouter(prefix="/v1/markets", tags=["markets"])


@router.post("", status_code=201, response_model=MarketOut)
async def create_market(
    body: MarketCreate, session: SessionDep, response: Response,
    principal: Principal = require("markets:admin", Role.admin),
) -> MarketOut:
    market = await service.create_market(session, principal, body)
    response.headers["Location"] = f"/v1/markets/{market.id}"
    return MarketOut.model_validate(market, from_attributes=True)


@router.get("", response_model=Page[MarketOut])
async def list_markets(
    session: SessionDep, _principal: PrincipalDep,
    page: Annotated[PageParams, Depends(page_params)],
    district_code: Annotated[str | None, Query(max_length=6)] = None,
) -> Page[MarketOut]:
    """Markets are public service points: every caller may find them."""
    rows = await service.list_markets(
        session, limit=page.limit, after_id=page.after_id, district_code=district_code
    )
    rows, cursor = page_of(rows, page)
    return Page(
        items=[MarketOut.model_validate(m, from_attributes=True) for m in rows], next_cursor=cursor
    )


@router.get("/{market_id}", response_model=MarketOut)
async def get_market(market_id: IdPath, session: SessionDep, _principal: PrincipalDep) -> MarketOut:
    return MarketOut.model_validate(
        await service.get_market(session, market_id), from_attributes=True
    )
