"""The few expressions that differ between PostgreSQL and SQLite, and a median for both.

Medians: PostgreSQL's percentile_cont(0.5); SQLite has no ordered-set aggregates, so there the
median is the average of the middle one or two rows by row_number() over the group — the same
definition (the mean of the middle pair for an even count).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Float, Subquery, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

# Asia/Shanghai has kept UTC+8 without daylight saving since 1991, so SQLite may shift by a
# fixed 8 hours; PostgreSQL converts with the zone itself.
SHANGHAI = "Asia/Shanghai"


@dataclass(frozen=True)
class Sql:
    postgres: bool

    @classmethod
    def of(cls, session: AsyncSession) -> Sql:
        return cls(session.bind.dialect.name == "postgresql")

    def seconds(self, later: ColumnElement, earlier: ColumnElement) -> ColumnElement[float]:
        if self.postgres:
            return cast(func.extract("epoch", later - earlier), Float)
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0

    def bucket(self, moment: ColumnElement, interval: str) -> ColumnElement[str]:
        """The Shanghai day (or the Monday of its week) of a UTC timestamp, as YYYY-MM-DD."""
        if self.postgres:
            local = func.timezone(SHANGHAI, moment)
            return func.to_char(func.date_trunc(interval, local), "YYYY-MM-DD")
        if interval == "week":
            return func.date(moment, "+8 hours", "weekday 0", "-6 days")
        return func.date(moment, "+8 hours")

    async def medians(self, session: AsyncSession, source: Subquery) -> dict:
        """{k: median of v} over a subquery with columns k (group) and v (value, nulls skipped)."""
        k, v = source.c.k, source.c.v
        if self.postgres:
            stmt = (select(k, func.percentile_cont(0.5).within_group(cast(v, Float)))
                    .where(v.is_not(None)).group_by(k))
        else:
            ranked = select(
                k.label("k"), v.label("v"),
                func.row_number().over(partition_by=k, order_by=v).label("rn"),
                func.count().over(partition_by=k).label("n"),
            ).where(v.is_not(None)).subquery()
            stmt = (
                select(ranked.c.k, func.avg(ranked.c.v))
                .where(or_(ranked.c.rn == (ranked.c.n + 1) // 2,
                           ranked.c.rn == (ranked.c.n + 2) // 2))
                .group_by(ranked.c.k)
            )
        return {key: float(value) for key, value in await session.execute(stmt)}
