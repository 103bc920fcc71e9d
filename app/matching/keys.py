"""How workers and jobs are keyed for retrieval (pure; shared by the index writer, the
retrieval queries, the seed and the migration's backfill, which copies these constants).

Changing TIERS_KM, BAND_DEG or the taxonomy's categories changes stored rows: rebuild the
match tables (`gigmarket reindex-matches`) after such a change.
"""

from __future__ import annotations

import math
from functools import cache

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
    base = {
        "job_id": job["id"], "band": band_of(job["lat"]), "lat": job["lat"], "lng": job["lng"],
        "radius_km": job["radius_km"], "wage_amount": job["wage_amount"],
        "wage_unit": job["wage_unit"], "urgent": job["urgent"], "starts_at": job["starts_at"],
        "ends_at": job["ends_at"], "skill_codes": "|".join(codes), "n_skills": len(codes),
    }
    return [
        {**base, "position": s["position"], "skill_key": s["skill_code"] or UNCODED,
         "raw": None if s["skill_code"] else s["raw"]}
        for s in skills
    ]
