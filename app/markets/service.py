"""Gig markets (零工市场 / 零工驿站): the registry, and who may change which fields."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal, Role
from app.common.etag import check_if_match
from app.common.geo import district_for_point
from app.common.patch import apply_patch
from app.common.problems import Forbidden, NotFound, field_error
from app.events.service import record_event
from app.markets.models import Market
from app.markets.schemas import MarketCreate, MarketPatch

# What a market key may change on its own profile. Scale, district, operating mode, opening
# date and name decide which thresholds apply and how the market is rated: the bureau's call.
SELF_EDITABLE = frozenset({"address", "lat", "lng", "operator", "service_hotline", "opening_hours"})
REQUIRED = {"name", "scale", "district_code"}


def _event(session: AsyncSession, type_: str, market: Market) -> None:
    record_event(
        session, type_, resource_type="market", resource_id=market.id, market_id=market.id,
        public=True,
        data={"id": market.id, "name": market.name, "scale": market.scale,
              "district_code": market.district_code, "operating_mode": market.operating_mode},
    )


def _check_district(market: Market) -> None:
    """A market's stated district must agree with its coordinates, when it has them."""
    if market.lat is None or market.lng is None:
        return
    try:
        district_for_point(market.lat, market.lng, market.district_code)
    except ValueError as exc:
        raise field_error("/district_code", str(exc)) from exc


async def create_market(session: AsyncSession, principal: Principal, data: MarketCreate) -> Market:
    market = Market(**data.model_dump())
    _check_district(market)
    session.add(market)
    await session.flush()
    _event(session, "market.created", market)
    return market


async def get_market(session: AsyncSession, market_id: int) -> Market:
    market = await session.get(Market, market_id)
    if market is None:
        raise NotFound(f"no market with id {market_id}")
    return market


async def list_markets(
    session: AsyncSession, *, limit: int, after_id: int | None, district_code: str | None,
    scale: str | None = None, operating_mode: str | None = None,
) -> list[Market]:
    stmt = select(Market).order_by(Market.id.desc()).limit(limit + 1)
    if after_id is not None:
        stmt = stmt.where(Market.id < after_id)
    if district_code is not None:
        stmt = stmt.where(Market.district_code == district_code)
    if scale is not None:
        stmt = stmt.where(Market.scale == scale)
    if operating_mode is not None:
        stmt = stmt.where(Market.operating_mode == operating_mode)
    return list(await session.scalars(stmt))


async def patch_market(
    session: AsyncSession, principal: Principal, market_id: int, data: MarketPatch,
    if_match: str | None,
) -> Market:
    market = await get_market(session, market_id)
    if not principal.is_admin:
        if not principal.acts_for(Role.market, market.id):  # another tenant's profile
            raise NotFound(f"no market with id {market_id}")
        restricted = sorted(data.model_fields_set - SELF_EDITABLE)
        if restricted:
            raise Forbidden(
                f"only the bureau (admin) changes {', '.join(restricted)}",
                errors=[{"pointer": f"/{f}", "detail": "admin only"} for f in restricted],
            )
    check_if_match(if_match, market.id, market.version)
    if apply_patch(market, data, required=REQUIRED):
        _check_district(market)
        await session.flush()
        _event(session, "market.updated", market)
    return market
