"""Daily roll-up of the per-posting facts: one `stats_days` row per Shanghai day × district ×
employment type, so a year's report reads ~40k rows instead of a million facts.

Sums (postings, positions, positions filled) add up across rows. Medians do not, so each row
keeps the values themselves, packed as float64 (times to fill and to first contact, wages with
a byte naming their unit): a report concatenates the packed arrays of the rows it reads and
partitions them, which is exact and costs one pass over bytes, not over rows.

The rows are rebuilt from the facts by the sweep (app/stats/rollup.py), in its transaction, for
every day whose facts it rewrote, so rows and facts always agree. A report corrects them for the
postings changed since the watermark exactly as the facts path does: it takes those postings'
facts (as swept) off and their live figures on, values included (a multiset difference).

Filters on a market or a skill are not dimensions here: such reports read the facts, which the
market's share of postings (or a skill's) keeps small.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from sqlalchemy import LargeBinary, delete, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.engagements.pay import start_of_day
from app.jobs.schemas import WageUnit
from app.stats.models import StatsDay, StatsJobFact
from app.stats.schemas import Filters
from app.stats.sql import Sql, median_of

WAGE_UNITS: tuple[str, ...] = WageUnit.__args__
_UNIT_INDEX = {u: i for i, u in enumerate(WAGE_UNITS)}
FLOAT = np.dtype("<f8")
ALL = "all"  # the one group of a report without an interval


def applies(f: Filters) -> bool:
    """Whether a report's filters are all dimensions of the days (district and type are)."""
    return f.market_id is None and f.skill is None


# -- folding (pure) -------------------------------------------------------------------------

@dataclass
class Pile:
    """Figures of a set of postings with their values kept, to add to or take from. Values
    are kept by series: "fill", "match" and one per wage unit."""

    postings: int = 0
    positions: int = 0
    filled: int = 0
    packed: dict[str, list[np.ndarray]] = field(default_factory=lambda: defaultdict(list))
    loose: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    raw: dict[str, list[bytes]] = field(default_factory=lambda: defaultdict(list))

    def add_row(self, headcount: int, filled: int, fill_s, match_s, wage_amount: int,
                wage_unit: str) -> None:
        self.postings += 1
        self.positions += headcount
        self.filled += filled
        if fill_s is not None:
            self.loose["fill"].append(fill_s)
        if match_s is not None:
            self.loose["match"].append(match_s)
        self.loose[wage_unit].append(wage_amount)

    def add_packed(self, postings, positions, filled, fill, match, wages, units) -> None:
        """A `stats_days` row's figures; its bytes are decoded once per pile (`values`)."""
        self.postings += postings
        self.positions += positions
        self.filled += filled
        self.raw["fill"].append(fill)
        self.raw["match"].append(match)
        self.raw["wages"].append(wages)
        self.raw["units"].append(units)

    def _decode(self) -> None:
        if not self.raw:
            return
        raw, self.raw = self.raw, defaultdict(list)
        self.packed["fill"].append(np.frombuffer(b"".join(raw["fill"]), FLOAT))
        self.packed["match"].append(np.frombuffer(b"".join(raw["match"]), FLOAT))
        amounts = np.frombuffer(b"".join(raw["wages"]), FLOAT)
        codes = np.frombuffer(b"".join(raw["units"]), np.uint8)
        for code in np.unique(codes):
            self.packed[WAGE_UNITS[code]].append(amounts[codes == code])

    def values(self, series: str) -> np.ndarray:
        self._decode()
        parts = list(self.packed.get(series, ()))
        if self.loose.get(series):
            parts.append(np.array(self.loose[series], FLOAT))
        return np.concatenate(parts) if parts else np.empty(0, FLOAT)

    def units(self) -> list[str]:
        self._decode()
        return [u for u in WAGE_UNITS if u in self.packed or u in self.loose]


def pack(pile: Pile) -> dict:
    """A pile as a `stats_days` row's figures."""
    units = pile.units()
    amounts = [pile.values(u) for u in units]
    codes = [np.full(len(a), _UNIT_INDEX[u], np.uint8)
             for u, a in zip(units, amounts, strict=True)]
    return {
        "postings": pile.postings, "positions": pile.positions, "filled": pile.filled,
        "fill_values": pile.values("fill").tobytes(),
        "match_values": pile.values("match").tobytes(),
        "wage_values": (np.concatenate(amounts) if amounts else np.empty(0, FLOAT)).tobytes(),
        "wage_units": (np.concatenate(codes) if codes else np.empty(0, np.uint8)).tobytes(),
    }


def without(values: np.ndarray, removed: np.ndarray) -> np.ndarray:
    """`values` less the multiset `removed` (each removed value is one of `values`)."""
    if removed.size == 0:
        return values
    values = np.sort(values)
    gone, counts = np.unique(removed, return_counts=True)
    first = np.searchsorted(values, gone, side="left")
    # The i-th copy of a removed value sits at first + i (the array is sorted).
    starts = np.repeat(first, counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    keep = np.ones(values.size, bool)
    keep[starts + offsets] = False
    return values[keep]


def figures(plus: Pile, minus: Pile, postgres: bool) -> dict | None:
    """The report's figures of one group: `plus` less `minus`; None when no posting is left."""
    postings = plus.postings - minus.postings
    if postings <= 0:
        return None

    def median(series: str, digits: int) -> float | None:
        m = median_of(without(plus.values(series), minus.values(series)), postgres=postgres)
        return round(m, digits) if m is not None else None

    wages = {u: m for u in plus.units() if (m := median(u, 1)) is not None}
    return {
        "postings": postings, "positions": plus.positions - minus.positions,
        "filled_positions": plus.filled - minus.filled,
        "median_time_to_fill_seconds": median("fill", 3),
        "median_time_to_first_match_seconds": median("match", 3),
        "median_wage_by_unit": wages,
    }


def group_key(day: date, interval: str | None) -> str:
    """The report group of a day: the whole range, the day, or the Monday of its week."""
    if interval is None:
        return ALL
    if interval == "week":
        day -= timedelta(days=day.weekday())
    return day.isoformat()


# -- the sweep's part -----------------------------------------------------------------------

FACT_ROW = (StatsJobFact.district_code, StatsJobFact.employment_type, StatsJobFact.headcount,
            StatsJobFact.filled, StatsJobFact.fill_s, StatsJobFact.match_s,
            StatsJobFact.wage_amount, StatsJobFact.wage_unit)


async def fact_days(session: AsyncSession, job_ids: Iterable[int]) -> set[date]:
    """The Shanghai days these postings' facts fall on (what a rewrite of them touches)."""
    day = Sql.of(session).bucket(StatsJobFact.published_at, "day")
    rows = await session.scalars(select(day).distinct()
                                 .where(StatsJobFact.job_id.in_(list(job_ids))))
    return {date.fromisoformat(d) for d in rows}


async def rebuild(session: AsyncSession, days: set[date] | None) -> int:
    """Re-folds the facts of these days (of every day when None) into `stats_days`; the caller
    commits. Returns the rows written."""
    day = Sql.of(session).bucket(StatsJobFact.published_at, "day").label("day")
    stmt = select(day, *FACT_ROW)
    if days is None:
        await session.execute(delete(StatsDay))
        chunks = [stmt]
    else:
        if not days:
            return 0
        await session.execute(delete(StatsDay).where(StatsDay.day_date.in_(sorted(days))))
        chunks = [stmt.where(StatsJobFact.published_at >= start_of_day(d),
                             StatsJobFact.published_at < start_of_day(d, 1)) for d in sorted(days)]
    written = 0
    for chunk in chunks:
        piles: dict[tuple, Pile] = defaultdict(Pile)
        result = await session.stream(chunk.execution_options(yield_per=20_000))
        async for part in result.partitions():
            for d, district, kind, headcount, filled, fill_s, match_s, wage, unit in part:
                piles[(d, district, kind)].add_row(headcount, filled, fill_s, match_s, wage,
                                                   unit)
        rows = [{"day_date": date.fromisoformat(d), "district_code": district,
                 "employment_type": kind, **pack(pile)}
                for (d, district, kind), pile in piles.items()]
        for i in range(0, len(rows), 5000):
            await session.execute(insert(StatsDay), rows[i:i + 5000])
        written += len(rows)
    return written


# -- the report's part ----------------------------------------------------------------------

async def report(queries, changed: list[int]) -> dict[str, dict]:
    """{group: figures} of the postings in the report's range and filters, from `stats_days`
    corrected for the `changed` postings. `queries` is the report's service._Queries."""
    session, f, interval = queries.session, queries.f, queries.interval
    postgres = queries.sql.postgres
    plus: dict[str, Pile] = defaultdict(Pile)
    minus: dict[str, Pile] = defaultdict(Pile)

    D = StatsDay
    figures_ = (D.postings, D.positions, D.filled)
    packed = (D.fill_values, D.match_values, D.wage_values, D.wage_units)
    if postgres:
        # One row per day, its districts' bytes concatenated by the server: a year is 365
        # rows to decode, not ~40k (the per-row cost of the driver is what a year costs).
        stmt = select(D.day_date, *(func.sum(c) for c in figures_),
                      *(func.string_agg(c, literal(b"", LargeBinary), type_=LargeBinary)
                        for c in packed)).group_by(D.day_date)
    else:
        stmt = select(D.day_date, *figures_, *packed)
    stmt = stmt.where(D.day_date >= f.from_date, D.day_date <= f.to_date)
    if f.district_code is not None:
        stmt = stmt.where(D.district_code == f.district_code)
    if f.employment_type is not None:
        stmt = stmt.where(D.employment_type == f.employment_type)
    for day, postings, positions, filled, *values in (await session.execute(stmt)).tuples():
        plus[group_key(day, interval)].add_packed(int(postings), int(positions), int(filled),
                                                  *values)

    if changed:
        F = StatsJobFact
        facts = queries.from_facts(None).with_only_columns(
            queries.key(F.published_at), F.headcount, F.filled, F.fill_s, F.match_s,
            F.wage_amount, F.wage_unit).where(F.job_id.in_(changed))
        for k, *row in await session.execute(facts):
            minus[k].add_row(*row)
        live = queries.per_job(only=changed).subquery()
        for k, *row in await session.execute(select(
                live.c.k, live.c.headcount, live.c.filled, live.c.fill_s, live.c.match_s,
                live.c.wage_amount, live.c.wage_unit)):
            plus[k].add_row(*row)

    out = {}
    for k, pile in plus.items():
        values = figures(pile, minus.get(k, Pile()), postgres)
        if values is not None:
            out[k] = values
    return out
