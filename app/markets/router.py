from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response

from app.auth.principal import Principal, Role
from app.common.deps import PrincipalDep, SessionDep, require
from app.common.etag import etag_of
from app.common.pagination import Page, PageParams, page_of, page_params
from app.common.schemas import IdPath
from app.markets import assessments, service
from app.markets.compliance_router import router as compliance_router
from app.markets.models import Market
from app.markets.schemas import (
    CurrentRating,
    MarketCreate,
    MarketOut,
    MarketPatch,
    MarketScale,
    OperatingMode,
)

markets = APIRouter(prefix="/v1/markets", tags=["markets"])


def market_out(market: Market, rating: dict | None) -> MarketOut:
    out = MarketOut.model_validate(market, from_attributes=True)
    return out.model_copy(update={"current_rating": CurrentRating(**rating) if rating else None})


async def _single(session, response: Response, market: Market) -> MarketOut:
    response.headers["ETag"] = etag_of(market.id, market.version)
    ratings = await assessments.current_ratings(session, [market.id])
    return market_out(market, ratings.get(market.id))


@markets.post(
    "", status_code=201, response_model=MarketOut,
    operation_id="markets_create", summary="Create a market",
)
async def create_market(
    body: MarketCreate, session: SessionDep, response: Response,
    principal: Principal = require("markets:admin", Role.admin),
) -> MarketOut:
    """Registers a gig market service point.

    Callers: admin. Refuses: every role but admin (403); a duplicate code (409); an invalid
    district (422).
    """
    market = await service.create_market(session, principal, body)
    response.headers["Location"] = f"/v1/markets/{market.id}"
    return await _single(session, response, market)


@markets.get(
    "", response_model=Page[MarketOut],
    operation_id="markets_list", summary="List markets",
)
async def list_markets(
    session: SessionDep, _principal: PrincipalDep,
    page: Annotated[PageParams, Depends(page_params)],
    district_code: Annotated[str | None, Query(max_length=6)] = None,
    scale: Annotated[MarketScale | None, Query()] = None,
    operating_mode: Annotated[OperatingMode | None, Query()] = None,
) -> Page[MarketOut]:
    """Markets are public service points: every caller may find them and their ratings.

    Callers: any API key.
    """
    rows = await service.list_markets(
        session, limit=page.limit, after_id=page.after_id, district_code=district_code,
        scale=scale, operating_mode=operating_mode,
    )
    rows, cursor = page_of(rows, page)
    ratings = await assessments.current_ratings(session, [m.id for m in rows])
    return Page(items=[market_out(m, ratings.get(m.id)) for m in rows], next_cursor=cursor)


@markets.get(
    "/{market_id}", response_model=MarketOut,
    operation_id="markets_get", summary="Get a market",
)
async def get_market(
    market_id: IdPath, session: SessionDep, response: Response, _principal: PrincipalDep
) -> MarketOut:
    """One market; the answer carries an ETag for If-Match.

    Callers: any API key. Refuses: an unknown market (404).
    """
    return await _single(session, response, await service.get_market(session, market_id))


@markets.patch(
    "/{market_id}", response_model=MarketOut,
    operation_id="markets_update", summary="Update a market",
)
async def patch_market(
    market_id: IdPath, body: MarketPatch, session: SessionDep, response: Response,
    if_match: Annotated[str | None, Header()] = None,
    principal: Principal = require("markets:write", Role.market),
) -> MarketOut:
    """Merge-patches the market's details; send If-Match with the ETag you read.

    Callers: admin, the market concerned. Refuses: another market (404); other roles (403); a
    stale If-Match (412).
    """
    market = await service.patch_market(session, principal, market_id, body, if_match)
    return await _single(session, response, market)


router = APIRouter()
router.include_router(markets)
router.include_router(compliance_router)
