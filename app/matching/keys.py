"""How workers and jobs are keyed for retrieval (pure; shared by the index writer, the
retrieval queries, the seed and the migration's backfill, which copies these constants).

Changing TIERS_KM, BAND_DEG or the taxonomy's categories changes stored rows: rebuild the
match tables (`gigmarket reindex-matches`) after such a change.
"""

from __future__ import annotations

import math
from functools import cache

from app.matching.rules import job_schedule, merged_windows
from app.reference.taxonomy import taxonomy

UNCODED = "~"  # the key of skill text outside the taxonomy
# A worker's travel limit is rounded up to one of these tiers; a job looks for each tier only
# as far as that tier reaches, so a 3 km walker 25 km away is never read.
TIERS_KM = (3.0, 5.0, 8.0, 10.0, 15.0, 20.0, 30.0, 50.0, 100.0, 200.0)
BAND_DEG = 0.05  # latitude bands of ~5.5 km; within a band rows are ordered by longitude


def tier_of(max_travel_km: float) -> int:
    for i, bound in enumerate(TIERS_KM):
        if max_travel_km <= bound:
            return i
    return len(TIERS_KM) - 1


def band_of(lat: float) -> int:
    return math.floor(lat / BAND_DEG)


@cache
def category_bits() -> dict[str, int]:
    """Category → bit position, by sorted category name (stable for a taxonomy version)."""
    names = sorted({s.category for s in taxonomy().skills})
    return {name: i for i, name in enumerate(names)}


def category_of(code: str | None) -> int:
    """Bit position of a skill code's category, or -1 (text outside the taxonomy)."""
    skill = taxonomy().by_code.get(code) if code else None
    return category_bits()[skill.category] if skill else -1


def category_mask(codes) -> int:
    mask = 0
    for code in codes:
        bit = category_of(code)
        if bit >= 0:
            mask |= 1 << bit
    return mask


# Availability as a coarse week mask: bit (weekday − 1) × 8 + k stands for the 3-hour block k
# (00–03, 03–06, …, 21–24) of that weekday, in Asia/Shanghai. A worker's mask has every block
# its windows touch; a job's, every block its shifts touch. Touching is an outer bound: a
# worker whose windows cover a shift touches all of the shift's blocks, so a missing block
# proves the worker unavailable and the index drops the row before it is ranked. The exact
# minute check (app/matching/rules.py) still runs on those that pass.
BLOCK_MINUTES = 180
BLOCKS_PER_DAY = 24 * 60 // BLOCK_MINUTES
ANY_TIME_MASK = (1 << (7 * BLOCKS_PER_DAY)) - 1  # also what a missing mask means


def _blocks(weekday: int, start_min: int, end_min: int) -> int:
    if end_min <= start_min:
        return 0
    first, last = start_min // BLOCK_MINUTES, (end_min - 1) // BLOCK_MINUTES
    run = ((1 << (last - first + 1)) - 1) << first
    return run << ((weekday - 1) * BLOCKS_PER_DAY)


def availability_mask(availability: list[dict] | None) -> int:
    """The blocks a worker's windows touch (every block when availability is null)."""
    if availability is None:
        return ANY_TIME_MASK
    mask = 0
    for weekday, windows in merged_windows(availability).items():
        for start_min, end_min in windows:
            mask |= _blocks(weekday, start_min, end_min)
    return mask


def needs_mask(needs) -> int:
    """The blocks a job's weekly needs ((weekday, start minute, end minute)) touch."""
    mask = 0
    for weekday, start_min, end_min in needs:
        mask |= _blocks(weekday, start_min, end_min)
    return mask


def worker_key_rows(worker: dict, skills: list[dict]) -> list[dict]:
    """Rows for worker_match_keys from a worker's columns and its worker_skills rows."""
    if worker["status"] != "active":
        return []  # inactive workers are not matched; reactivation writes the rows again
    mask = category_mask(s["skill_code"] for s in skills)
    base = {
        "worker_id": worker["id"], "tier": tier_of(worker["max_travel_km"]),
        "band": band_of(worker["home_lat"]), "lat": worker["home_lat"],
        "lng": worker["home_lng"], "max_travel_km": worker["max_travel_km"], "cat_mask": mask,
        "any_time": worker["availability"] is None,
        "avail_mask": availability_mask(worker["availability"]),
        "min_wage_amount": worker["min_wage_amount"], "min_wage_unit": worker["min_wage_unit"],
        "reliability": worker.get("reliability", 0.5),
    }
    return [
        {**base, "position": s["position"], "skill_key": s["skill_code"] or UNCODED,
         "raw": None if s["skill_code"] else s["raw"], "similarity": s["similarity"],
         "years": s["years"]}
        for s in skills
    ]


LIVE_JOB_STATUSES = ("pending_review", "open", "filled")


def job_key_rows(job: dict, skills: list[dict]) -> list[dict]:
    """Rows for job_match_keys; only postings that can still be (re)opened are kept."""
    if job["status"] not in LIVE_JOB_STATUSES:
        return []
    codes = [s["skill_code"] or UNCODED for s in skills]
    needs, _first, _last = job_schedule(job["starts_at"], job["ends_at"], job.get("shifts"))
    base = {
        "job_id": job["id"], "band": band_of(job["lat"]), "lat": job["lat"], "lng": job["lng"],
        "radius_km": job["radius_km"], "wage_amount": job["wage_amount"],
        "wage_unit": job["wage_unit"], "urgent": job["urgent"], "starts_at": job["starts_at"],
        "ends_at": job["ends_at"], "skill_codes": "|".join(codes), "n_skills": len(codes),
        "blocks": needs_mask(needs),
    }
    return [
        {**base, "position": s["position"], "skill_key": s["skill_code"] or UNCODED,
         "raw": None if s["skill_code"] else s["raw"]}
        for s in skills
    ]
