"""Candidate retrieval on the match-key tables: never a scan of every worker or job.

A query is a UNION ALL of slices, each one B-tree range on (skill_key, tier, band, lng) or
(skill_key, band, lng): for every skill key the other side must hold, every travel tier, the
latitude bands the search circle touches, and within a band the longitude span of the circle.
Wide circles (many bands) use one band range with longitude as a filter inside the index, so a
query has a few dozen slices at most. Rows come back columnar for app/matching/score.py, which
applies the exact distance; the slices only ever over-select.
"""

from __future__ import annotations

import math

from sqlalchemy import Select, and_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.geo import KM_PER_DEG_LAT
from app.matching.keys import BAND_DEG, TIERS_KM, band_of
from app.matching.models import JobMatchKey, WorkerMatchKey

MAX_BANDS_SLICED = 4  # more bands than this: one band range, longitude filtered in the index
MARGIN = 1.01  # slack over the flat-earth spans; the exact distance is applied afterwards

WORKER_COLUMNS = (
    "worker_id", "skill_key", "raw", "similarity", "years", "lat", "lng", "max_travel_km",
    "cat_mask", "any_time", "min_wage_amount", "min_wage_unit", "reliability",
)
JOB_COLUMNS = (
    "job_id", "position", "skill_key", "raw", "lat", "lng", "radius_km", "wage_amount",
    "wage_unit", "urgent", "starts_at", "ends_at", "skill_codes",
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


def _columnar(rows, names) -> dict[str, list]:
    cols = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return {name: list(col) for name, col in zip(names, cols, strict=True)}


def worker_slices(keys: list[str], lat: float, lng: float, reach_cap_km: float) -> list[Select]:
    """Each travel tier is searched only as far as its workers can travel (or the cap)."""
    m = WorkerMatchKey
    cols = [getattr(m, c) for c in WORKER_COLUMNS]
    out = []
    for key in keys:
        for tier, bound in enumerate(TIERS_KM):
            for b0, b1, lo, hi in slices(lat, lng, min(bound, reach_cap_km)):
                band = m.band == b0 if b0 == b1 else m.band.between(b0, b1)
                out.append(select(*cols).where(
                    and_(m.skill_key == key, m.tier == tier, band, m.lng.between(lo, hi))
                ))
    return out


async def workers_near(
    session: AsyncSession, keys: list[str], lat: float, lng: float, reach_cap_km: float
) -> dict[str, list]:
    """Match-key rows of workers holding one of `keys` whose travel tier could reach
    (lat, lng), within reach_cap_km (the job's radius or the request's; inf = none)."""
    parts = worker_slices(sorted(set(keys)), lat, lng, min(reach_cap_km, TIERS_KM[-1]))
    if not parts:
        return _columnar([], WORKER_COLUMNS)
    stmt = parts[0] if len(parts) == 1 else union_all(*parts)
    rows = (await session.execute(stmt)).all()
    return _columnar(rows, WORKER_COLUMNS)


def job_slices(keys: list[str], lat: float, lng: float, reach_km: float) -> list[Select]:
    m = JobMatchKey
    cols = [getattr(m, c) for c in JOB_COLUMNS]
    out = []
    for key in keys:
        for b0, b1, lo, hi in slices(lat, lng, reach_km):
            band = m.band == b0 if b0 == b1 else m.band.between(b0, b1)
            out.append(select(*cols).where(and_(m.skill_key == key, band, m.lng.between(lo, hi))))
    return out


async def jobs_near(
    session: AsyncSession, keys: list[str], lat: float, lng: float, reach_km: float
) -> dict[str, list]:
    """Match-key rows of live postings needing one of `keys` within reach_km."""
    parts = job_slices(sorted(set(keys)), lat, lng, reach_km)
    if not parts:
        return _columnar([], JOB_COLUMNS)
    stmt = parts[0] if len(parts) == 1 else union_all(*parts)
    rows = (await session.execute(stmt)).all()
    return _columnar(rows, JOB_COLUMNS)
