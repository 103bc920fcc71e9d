"""Gig markets (零工市场 / 零工驿站): the registry that keys and postings point at."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.common.problems import NotFound
from app.markets.models import Market
from app.markets.schemas import MarketCreate


async def create_market(session: AsyncSession, principal: Principal, data: MarketCreate) -> Market:
    market = Market(**data.model_dump())
    session.add(market)
    await session.flush()
    return market


async def get_market(session: AsyncSession, market_id: int) -> Market:
    market = await session.get(Market, market_id)
    if market is None:
        raise NotFound(f"no market with id {market_id}")
    return market


async def list_markets(
    session: AsyncSession, *, limit: int, after_id: int | None, district_code: str | None
) -> list[Market]:
    stmt = select(Market).order_by(Market.id.desc()).limit(limit + 1)
    if after_id is not None:
        stmt = stmt.where(Market.id < after_id)
    if district_code is not None:
        stmt = stmt.where(Market.district_code == district_code)
    return list(await session.scalars(stmt))
