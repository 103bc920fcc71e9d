"""Candidate retrieval on the match-key tables: never a scan of every worker or job.

A search is a list of ranges, each one B-tree range on (skill_key, tier, band, lng) or
(skill_key, band, lng): for every skill key the other side must hold, every travel tier, the
latitude bands the search circle touches, and within a band the longitude span of the circle.
Wide circles (many bands) use one band range with longitude as a filter inside the index.
The ranges travel as bound parameters of one fixed statement per backend and direction (arrays
joined with unnest on PostgreSQL, JSON arrays read with json_each on SQLite), so the SQL text
never changes: SQLAlchemy compiles it once and the drivers reuse their prepared statements.
Rows come back columnar for app/matching/score.py (on PostgreSQL as one row of arrays), which
applies the exact distance; the ranges only ever over-select.
"""

from __future__ import annotations

import json
import math

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.geo import KM_PER_DEG_LAT
from app.matching.keys import BAND_DEG, TIERS_KM, band_of

# More bands than this: one (band range, longitude span) probe, longitude filtered inside the
# index; fewer: one probe per band, longitude bounding the index range (far fewer entries read).
MAX_BANDS_SLICED = 20
MARGIN = 1.01  # slack over the flat-earth spans; the exact distance is applied afterwards

WORKER_COLUMNS = (
    "worker_id", "skill_key", "raw", "similarity", "years", "lat", "lng", "max_travel_km",
    "cat_mask", "any_time", "min_wage_amount", "min_wage_unit", "reliability", "avail_mask",
)
JOB_COLUMNS = (
    "job_id", "position", "skill_key", "raw", "lat", "lng", "radius_km", "wage_amount",
    "wage_unit", "urgent", "skill_codes", "blocks",
)


def _lng_span(lat: float, lng: float, reach_km: float, lat_lo: float, lat_hi: float):
    """Longitude span of the circle within latitudes [lat_lo, lat_hi] (conservative)."""
    if lat_lo <= lat <= lat_hi:
        dy = 0.0
    else:
        dy = min(abs(lat - lat_lo), abs(lat - lat_hi)) * KM_PER_DEG_LAT / MARGIN
    half = math.sqrt(max(0.0, reach_km * reach_km - dy * dy)) * MARGIN
    far = min(89.0, max(abs(lat_lo), abs(lat_hi)))
    dlng = half / (111.320 * math.cos(math.radians(far))) + 1e-6
    return lng - dlng, lng + dlng


def slices(lat: float, lng: float, reach_km: float) -> list[tuple[int, int, float, float]]:
    """(band_lo, band_hi, lng_lo, lng_hi) ranges covering the circle."""
    dlat = reach_km * MARGIN / KM_PER_DEG_LAT + 1e-6
    b0, b1 = band_of(lat - dlat), band_of(lat + dlat)
    if b1 - b0 + 1 > MAX_BANDS_SLICED:
        lo, hi = _lng_span(lat, lng, reach_km, lat, lat)
        return [(b0, b1, lo, hi)]
    out = []
    for b in range(b0, b1 + 1):
        lo, hi = _lng_span(lat, lng, reach_km, b * BAND_DEG, (b + 1) * BAND_DEG)
        out.append((b, b, lo, hi))
    return out


def worker_ranges(keys: list[str], lat: float, lng: float, reach_cap_km: float) -> list[tuple]:
    """(skill_key, tier, band_lo, band_hi, lng_lo, lng_hi); each travel tier is searched only
    as far as its workers can travel (or the cap)."""
    per_tier = [slices(lat, lng, min(bound, reach_cap_km)) for bound in TIERS_KM]
    return [
        (key, tier, *cell) for key in keys for tier, cells in enumerate(per_tier) for cell in cells
    ]


def job_ranges(keys: list[str], lat: float, lng: float, reach_km: float) -> list[tuple]:
    """(skill_key, band_lo, band_hi, lng_lo, lng_hi)."""
    cells = slices(lat, lng, reach_km)
    return [(key, *cell) for key in keys for cell in cells]


def _select(source: str, columns: tuple[str, ...]) -> str:
    return "SELECT " + ", ".join(f"m.{c}" for c in columns) + f" FROM {source}"


# Two fixed halves: single-band ranges (band = b0, so longitude bounds the index range) and
# band spans (band BETWEEN b0 AND b1, longitude filtered inside the index).
HALVES = (("n", "m.band = {b0}"), ("w", "m.band BETWEEN {b0} AND {b1}"))


def _pg(table: str, columns: tuple[str, ...], keyed: tuple[tuple[str, str], ...]) -> str:
    """Each half: unnest of parameter arrays, one index-only probe per element (LATERAL)."""
    names = [k for k, _ in keyed] + ["b0", "b1", "lo", "hi"]
    types = [t for _, t in keyed] + ["int", "int", "float8", "float8"]
    match = " AND ".join(f"m.{k} = r.{k}" for k, _ in keyed)
    parts = []
    for half, band in HALVES:
        arrays = ", ".join(f"CAST(:{half}_{n} AS {t}[])" for n, t in zip(names, types, strict=True))
        parts.append(
            f"SELECT m.* FROM unnest({arrays}) AS r({', '.join(names)}) CROSS JOIN LATERAL ("
            f"{_select(f'{table} AS m', columns)} WHERE {match} AND "
            + band.format(b0="r.b0", b1="r.b1") + " AND m.lng BETWEEN r.lo AND r.hi) AS m"
        )
    return " UNION ALL ".join(parts)


def _sqlite(table: str, columns: tuple[str, ...], keyed: tuple[tuple[str, str], ...]) -> str:
    """Each half: a JSON array of ranges; CROSS JOIN keeps json_each outermost (a probe per
    range)."""
    n = len(keyed)
    j = [f"json_extract(r.value, '$[{i}]')" for i in range(n + 4)]
    match = " AND ".join(f"m.{k} = {j[i]}" for i, (k, _) in enumerate(keyed))
    return " UNION ALL ".join(
        _select(f"json_each(:{half}) AS r CROSS JOIN {table} AS m", columns)
        + f" WHERE {match} AND " + band.format(b0=j[n], b1=j[n + 1])
        + f" AND m.lng BETWEEN {j[n + 2]} AND {j[n + 3]}"
        for half, band in HALVES
    )


def _as_arrays(sql: str, columns: tuple[str, ...]) -> str:
    """The rows as one row of arrays, a column each: asyncpg decodes an array in C, where a
    thousand rows cost a thousand Python row objects before they are turned into columns."""
    return ("SELECT " + ", ".join(f"array_agg(m.{c})" for c in columns)
            + f" FROM ({sql}) AS m")


WORKER_KEYED = (("skill_key", "text"), ("tier", "smallint"))
JOB_KEYED = (("skill_key", "text"),)
SQL = {
    ("workers", "postgresql"): text(_as_arrays(
        _pg("worker_match_keys", WORKER_COLUMNS, WORKER_KEYED), WORKER_COLUMNS)),
    ("workers", "sqlite"): text(_sqlite("worker_match_keys", WORKER_COLUMNS, WORKER_KEYED)),
    ("jobs", "postgresql"): text(_as_arrays(
        _pg("job_match_keys", JOB_COLUMNS, JOB_KEYED), JOB_COLUMNS)),
    ("jobs", "sqlite"): text(_sqlite("job_match_keys", JOB_COLUMNS, JOB_KEYED)),
}


def statement(dialect: str, side: str, ranges: list[tuple]):
    """The fixed statement and its parameters for `ranges` ("workers" or "jobs"); bench/
    times exactly this as the SQL floor."""
    dialect = "postgresql" if dialect == "postgresql" else "sqlite"
    keyed = WORKER_KEYED if side == "workers" else JOB_KEYED
    names = [k for k, _ in keyed] + ["b0", "b1", "lo", "hi"]
    b0, b1 = len(keyed), len(keyed) + 1
    params: dict = {}
    for half, _band in HALVES:
        rows = [r for r in ranges if (r[b0] == r[b1]) == (half == "n")]
        if dialect == "sqlite":
            params[half] = json.dumps(rows)
            continue
        cols = list(zip(*rows, strict=True)) if rows else [() for _ in names]
        params.update({f"{half}_{n}": list(c) for n, c in zip(names, cols, strict=True)})
    return SQL[side, dialect], params


def _columnar(rows, names) -> dict[str, list]:
    cols = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return {name: list(col) for name, col in zip(names, cols, strict=True)}


async def _fetch(session: AsyncSession, side: str, ranges: list[tuple], names) -> dict[str, list]:
    if not ranges:
        return _columnar([], names)
    dialect = session.bind.dialect.name
    stmt, params = statement(dialect, side, ranges)
    result = await session.execute(stmt, params)
    if dialect == "postgresql":  # one row of arrays (NULLs when nothing matched)
        return {name: list(col or ()) for name, col in zip(names, result.one(), strict=True)}
    return _columnar(result.all(), names)


async def workers_near(
    session: AsyncSession, keys: list[str], lat: float, lng: float, reach_cap_km: float
) -> dict[str, list]:
    """Match-key rows of workers holding one of `keys` whose travel tier could reach
    (lat, lng), within reach_cap_km (the job's radius or the request's; inf = none)."""
    ranges = worker_ranges(sorted(set(keys)), lat, lng, min(reach_cap_km, TIERS_KM[-1]))
    return await _fetch(session, "workers", ranges, WORKER_COLUMNS)


async def jobs_near(
    session: AsyncSession, keys: list[str], lat: float, lng: float, reach_km: float
) -> dict[str, list]:
    """Match-key rows of live postings needing one of `keys` within reach_km."""
    ranges = job_ranges(sorted(set(keys)), lat, lng, reach_km)
    return await _fetch(session, "jobs", ranges, JOB_COLUMNS)
