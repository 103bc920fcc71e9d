"""The few expressions that differ between PostgreSQL and SQLite, and a median for both.

Medians: PostgreSQL's percentile_cont(0.5); SQLite has no ordered-set aggregates, so there the
median is the average of the middle one or two rows by row_number() over the group — the same
definition (the mean of the middle pair for an even count).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import ColumnElement, Float, Subquery, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

# Asia/Shanghai has kept UTC+8 without daylight saving since 1991, so SQLite may shift by a
# fixed 8 hours; PostgreSQL converts with the zone itself.
SHANGHAI = "Asia/Shanghai"


def median_of(values, postgres: bool = True) -> float | None:
    """The database's own median, bit for bit, found by a linear-time partition: the middle
    value, or for an even count PostgreSQL's percentile_cont(0.5) interpolation
    lo + 0.5 * (hi - lo), or SQLite's avg of the middle pair (lo + hi) / 2."""
    a = np.asarray(values, dtype=np.float64)
    n = a.size
    if n == 0:
        return None
    if n % 2:
        return float(np.partition(a, n // 2)[n // 2])
    part = np.partition(a, (n // 2 - 1, n // 2))
    lo, hi = part[n // 2 - 1], part[n // 2]
    return float(lo + 0.5 * (hi - lo)) if postgres else float((lo + hi) / 2)


@dataclass(frozen=True)
class Sql:
    postgres: bool
    # PostgreSQL only: the roll-up path takes medians from array_agg'ed values partitioned in
    # NumPy (linear time) instead of percentile_cont (a sort per group). Same figures.
    arrays: bool = False

    @classmethod
    def of(cls, session: AsyncSession, arrays: bool = False) -> Sql:
        postgres = session.bind.dialect.name == "postgresql"
        return cls(postgres, arrays and postgres)

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

    def least(self, a: ColumnElement, b: ColumnElement) -> ColumnElement:
        """The earlier of two nullable values (NULL only when both are)."""
        if self.postgres:
            return func.least(a, b)
        # SQLite's min(a, b) is NULL when either is: compare each with the other's stand-in.
        return func.min(func.coalesce(a, b), func.coalesce(b, a))

    async def summary(
        self, session: AsyncSession, source: Subquery, *, sums: dict[str, ColumnElement],
        medians: dict[str, ColumnElement],
    ) -> dict:
        """{k: {name: value}}: aggregates and medians over `source`, grouped by its column k.
        PostgreSQL answers in one statement; SQLite takes one more per median."""
        k = source.c.k
        columns = [expr.label(name) for name, expr in sums.items()]
        if self.postgres:
            columns += [func.percentile_cont(0.5).within_group(cast(expr, Float)).label(name)
                        for name, expr in medians.items()]
        out = {row.k: dict(row._mapping) for row in await session.execute(
            select(k, *columns).group_by(k))}
        for values in out.values():
            values.pop("k")
        if not self.postgres:
            for name, expr in medians.items():
                values = select(k.label("k"), expr.label("v")).subquery()
                found = await self.medians(session, values)
                for key, row in out.items():
                    row[name] = found.get(key)
        return out

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
