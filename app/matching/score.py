"""The scoring core: pure and vectorised (NumPy, rapidfuzz.process.cdist). No I/O.

Input is columnar: one entry per retrieved match-key row (a worker's or a job's skill), so a
candidate with three skills appears three times; rows are folded per candidate here.

Components, each in [0, 1]; score = Σ weight × component, weights normalised to sum to 1:
- skill: per required skill of the job, a credit — the same canonical skill counts by the
  worker's normalisation similarity (1.0 for a taxonomy name or synonym), text outside the
  taxonomy counts FUZZY_CREDIT × its similarity to the job's text when at least the
  threshold, otherwise a skill of the same category counts CATEGORY_CREDIT. Experience on a
  held skill (years, capped at 5) decides the last 15 % of that skill's credit. The component
  is the mean over the job's required skills, so covering more of them scores higher.
- distance: 1 − d / limit, reaching 0 at the travel limit (the worker's max_travel_km, or the
  job's radius when that is smaller).
- time: the worker declared windows that cover every shift (1.0), or "any time" (ANY_TIME_FIT,
  a promise without a schedule).
- wage: the job's wage per hour against the worker's minimum per hour (the legal hourly
  minimum when the worker gave none): 0 at half of it, 0.5 at it, 1 from 1.5 times it.
- reliability: the worker's engagement history (0.5 for a newcomer; app/engagements/scoring).

Hard filters applied here: distance within the limit (and the request's radius_km), and skill
relevance — at least one required skill held (same canonical skill, or similar text outside the
taxonomy). Category credit alone does not make a match.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process, utils

from app.common.geo import EARTH_RADIUS_KM
from app.matching.keys import ANY_TIME_MASK, UNCODED, category_of

COMPONENTS = ("skill", "distance", "time", "wage", "reliability")
CATEGORY_CREDIT = 0.5
FUZZY_CREDIT = 0.8
EXPERIENCE_SHARE = 0.15
FULL_EXPERIENCE_YEARS = 5.0
ANY_TIME_FIT = 0.75
# Hours a wage unit pays for, to compare wages across units. A month is 21.75 days of 8 h; a
# piece is taken as a quarter hour of work (no time basis is known for piece rates).
HOURS_PER_UNIT = {"hour": 1.0, "day": 8.0, "month": 174.0, "piece": 0.25}


def weights_for(weights: dict[str, float], urgent: bool, urgent_factor: float) -> dict[str, float]:
    raw = {k: float(weights[k]) * (urgent_factor if urgent and k == "distance" else 1.0)
           for k in COMPONENTS}
    total = sum(raw.values())
    return {k: v / total for k, v in raw.items()}


def haversine_np(lat: float, lng: float, lats: np.ndarray, lngs: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lngs - lng)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def hourly(amounts: np.ndarray, units) -> np.ndarray:
    if isinstance(units, np.ndarray) and units.dtype.kind == "U":  # the in-memory index
        names, inv = np.unique(units, return_inverse=True)
        per = np.array([HOURS_PER_UNIT.get(u, 1.0) if u else 1.0 for u in names], dtype=float)
        hours = per[inv.reshape(-1)] if len(units) else np.empty(0)
    else:
        hours = np.array([HOURS_PER_UNIT.get(u, 1.0) if u else 1.0 for u in units], dtype=float)
    return np.asarray(amounts, dtype=float) / hours


def _floats(values) -> np.ndarray:
    """None → NaN; arrays from the in-memory index already are."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return values
    return np.asarray([np.nan if v is None else v for v in values], dtype=float)


def experience(years: np.ndarray) -> np.ndarray:
    return np.clip(np.nan_to_num(np.asarray(years, dtype=float)), 0, FULL_EXPERIENCE_YEARS) / (
        FULL_EXPERIENCE_YEARS
    )


def fuzzy_credit(a: list[str], b: list[str], threshold: float) -> np.ndarray:
    """len(a) × len(b) credits for texts outside the taxonomy."""
    if not a or not b:
        return np.zeros((len(a), len(b)))
    sim = process.cdist(a, b, scorer=fuzz.ratio, processor=utils.default_process, dtype=np.float64)
    return np.where(sim >= threshold, FUZZY_CREDIT * sim / 100.0, 0.0)


def _skill_component(credit: np.ndarray, exp: np.ndarray) -> np.ndarray:
    per_skill = credit * ((1 - EXPERIENCE_SHARE) + EXPERIENCE_SHARE * exp)
    return per_skill.mean(axis=1) if per_skill.shape[1] else np.zeros(per_skill.shape[0])


@dataclass
class Scored:
    """Eligible-so-far candidates: ids, scores, the 5 components, distances, and per candidate
    which of the job's required skills it covers directly (by position)."""

    ids: np.ndarray
    score: np.ndarray
    components: np.ndarray  # n × 5 in COMPONENTS order
    weights: np.ndarray  # n × 5
    distance_km: np.ndarray
    direct: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def order(self, after: tuple[float, int] | None = None) -> np.ndarray:
        """Indices by score descending, ties by id ascending; strictly after a cursor."""
        idx = np.lexsort((self.ids, -self.score))
        if after is not None:
            s, last = after
            sc, ids = self.score[idx], self.ids[idx]
            idx = idx[(sc < s) | ((sc == s) & (ids > last))]
        return idx


@dataclass
class JobQuery:
    lat: float
    lng: float
    radius_km: float | None
    wage_amount: int
    wage_unit: str
    urgent: bool
    skills: list[tuple[str, str]]  # (code or UNCODED, raw text) in position order
    # Week blocks the job's shifts touch (app/matching/keys.py); 0: no availability filter.
    blocks: int = 0


def _masks(values, missing: int = ANY_TIME_MASK) -> np.ndarray:
    """Week-block masks as int64 (a row written before the masks existed: `missing`)."""
    if isinstance(values, np.ndarray) and values.dtype == np.int64:
        return values
    return np.array([missing if v is None else v for v in values], dtype=np.int64)


def score_workers(
    job: JobQuery, rows: dict, *, weights: dict[str, float], urgent_factor: float,
    min_hour_fen: float, threshold: float, radius_km: float | None = None,
) -> Scored:
    """Workers for a job. `rows`: worker_id, skill_key, raw, similarity, years, lat, lng,
    max_travel_km, cat_mask, any_time, min_wage_amount, min_wage_unit, reliability,
    avail_mask."""
    wid = np.asarray(rows["worker_id"], dtype=np.int64)
    ids, first, inv = np.unique(wid, return_index=True, return_inverse=True)
    n, m = len(ids), len(job.skills)
    lat = np.asarray(rows["lat"], dtype=float)[first]
    lng = np.asarray(rows["lng"], dtype=float)[first]
    travel = np.asarray(rows["max_travel_km"], dtype=float)[first]
    dist = haversine_np(job.lat, job.lng, lat, lng)
    limit = travel if job.radius_km is None else np.minimum(travel, job.radius_km)
    ok = dist <= limit
    if radius_km is not None:
        ok &= dist <= radius_km
    if job.blocks and n:  # provably unavailable (a block of the shifts untouched): never shown
        ok &= (_masks(rows["avail_mask"])[first] & job.blocks) == job.blocks

    keys = np.asarray(rows["skill_key"], dtype=object)
    sim = np.asarray(rows["similarity"], dtype=float) / 100.0
    exp_rows = experience(rows["years"])
    credit, exp = np.zeros((n, m)), np.zeros((n, m))
    uncoded_cols = [j for j, (key, _raw) in enumerate(job.skills) if key == UNCODED]
    for j, (key, _raw) in enumerate(job.skills):
        if key != UNCODED:
            sel = keys == key
            np.maximum.at(credit[:, j], inv[sel], sim[sel])
            np.maximum.at(exp[:, j], inv[sel], exp_rows[sel])
    if uncoded_cols:
        sel = np.flatnonzero(keys == UNCODED)
        texts = [rows["raw"][i] or "" for i in sel]
        fz = fuzzy_credit([job.skills[j][1] for j in uncoded_cols], texts, threshold)
        for a, j in enumerate(uncoded_cols):
            np.maximum.at(credit[:, j], inv[sel], fz[a])
    direct = credit > 0
    relevant = direct.any(axis=1)
    cat = np.asarray(rows["cat_mask"], dtype=np.int64)[first]
    for j, (key, _raw) in enumerate(job.skills):
        bit = category_of(key) if key != UNCODED else -1
        if bit >= 0:
            partial = ~direct[:, j] & (((cat >> bit) & 1) == 1)
            credit[partial, j] = CATEGORY_CREDIT

    skill = _skill_component(credit, exp)
    distance = np.clip(1.0 - dist / limit, 0.0, 1.0)
    any_time = np.asarray(rows["any_time"], dtype=bool)[first]
    time = np.where(any_time, ANY_TIME_FIT, 1.0)
    mins = _floats(rows["min_wage_amount"])[first]
    units = rows["min_wage_unit"]
    units = units[first] if isinstance(units, np.ndarray) else [units[i] for i in first]
    worker_hour = np.where(np.isnan(mins), min_hour_fen, hourly(np.nan_to_num(mins), units))
    job_hour = job.wage_amount / HOURS_PER_UNIT.get(job.wage_unit, 1.0)
    wage = np.clip(job_hour / worker_hour - 0.5, 0.0, 1.0)
    reliability = np.clip(np.asarray(rows["reliability"], dtype=float)[first], 0.0, 1.0)
    comps = np.column_stack([skill, distance, time, wage, reliability]) if n else np.zeros((0, 5))
    w = weights_for(weights, job.urgent, urgent_factor)
    wvec = np.array([w[k] for k in COMPONENTS])
    keep = np.flatnonzero(ok & relevant)
    comps = comps[keep]
    return Scored(
        ids=ids[keep], score=comps @ wvec, components=comps,
        weights=np.broadcast_to(wvec, comps.shape), distance_km=dist[keep],
        direct=direct[keep],
    )


@dataclass
class WorkerQuery:
    lat: float
    lng: float
    max_travel_km: float
    any_time: bool
    min_wage_amount: int | None
    min_wage_unit: str | None
    reliability: float
    # (code or UNCODED, raw text, similarity 0–100, years or None)
    skills: list[tuple[str, str, float, float | None]]
    # Week blocks the worker's availability touches (app/matching/keys.py).
    blocks: int = ANY_TIME_MASK


def score_jobs(
    worker: WorkerQuery, rows: dict, *, weights: dict[str, float], urgent_factor: float,
    min_hour_fen: float, threshold: float, radius_km: float | None = None,
) -> Scored:
    """Jobs for a worker. `rows`: job_id, position, skill_key, raw, lat, lng, radius_km,
    wage_amount, wage_unit, urgent, skill_codes ("|"-joined, position order), blocks."""
    jid = np.asarray(rows["job_id"], dtype=np.int64)
    ids, first, inv = np.unique(jid, return_index=True, return_inverse=True)
    n = len(ids)
    lat = np.asarray(rows["lat"], dtype=float)[first]
    lng = np.asarray(rows["lng"], dtype=float)[first]
    radius = np.asarray(
        [np.inf if v is None else v for v in rows["radius_km"]], dtype=float
    )[first]
    dist = haversine_np(worker.lat, worker.lng, lat, lng)
    limit = np.minimum(worker.max_travel_km, radius)
    ok = dist <= limit
    if radius_km is not None:
        ok &= dist <= radius_km
    if worker.blocks != ANY_TIME_MASK and n:  # shifts touching a block the worker never has
        need = _masks(rows["blocks"], missing=0)[first]
        ok &= (need & worker.blocks) == need

    best: dict[str, tuple[float, float]] = {}  # code → (credit, experience) of the worker
    uncoded = []
    for key, raw, similarity, years in worker.skills:
        if key == UNCODED:
            uncoded.append(raw)
            continue
        e = float(experience(np.array([np.nan if years is None else years]))[0])
        c = similarity / 100.0
        old = best.get(key, (0.0, 0.0))
        best[key] = (max(old[0], c), max(old[1], e))
    mask = 0
    for key in best:
        bit = category_of(key)
        if bit >= 0:
            mask |= 1 << bit
    # Credits of the jobs' texts outside the taxonomy, per (job, position).
    fuzzy: dict[tuple[int, int], float] = {}
    sel = [i for i, k in enumerate(rows["skill_key"]) if k == UNCODED]
    if sel and uncoded:
        fz = fuzzy_credit([rows["raw"][i] or "" for i in sel], uncoded, threshold).max(axis=1)
        for i, c in zip(sel, fz, strict=True):
            fuzzy[(int(inv[i]), int(rows["position"][i]))] = float(c)
    skill = np.zeros(n)
    relevant = np.zeros(n, dtype=bool)
    direct: list[list[bool]] = []
    cache: dict[str, tuple[float, bool, list[bool]]] = {}
    for i, f in enumerate(first):
        if not ok[i]:  # out of reach or provably unavailable: never shown, not scored
            direct.append([])
            continue
        codes_text = rows["skill_codes"][f]
        has_uncoded = UNCODED in codes_text.split("|")
        hit = None if has_uncoded else cache.get(codes_text)
        if hit is None:
            credits, flags = [], []
            for p, code in enumerate(codes_text.split("|")):
                c = e = 0.0
                if code == UNCODED:
                    c = fuzzy.get((i, p), 0.0)
                elif code in best:
                    c, e = best[code]
                flags.append(c > 0)
                bit = category_of(code) if code != UNCODED else -1
                if c == 0 and bit >= 0 and (mask >> bit) & 1:
                    c = CATEGORY_CREDIT
                credits.append(c * ((1 - EXPERIENCE_SHARE) + EXPERIENCE_SHARE * e))
            hit = (sum(credits) / len(credits), any(flags), flags)
            if not has_uncoded:
                cache[codes_text] = hit
        skill[i], relevant[i] = hit[0], hit[1]
        direct.append(hit[2])

    distance = np.clip(1.0 - dist / limit, 0.0, 1.0)
    time = np.full(n, ANY_TIME_FIT if worker.any_time else 1.0)
    worker_hour = (
        min_hour_fen if worker.min_wage_amount is None
        else worker.min_wage_amount / HOURS_PER_UNIT.get(worker.min_wage_unit or "hour", 1.0)
    )
    job_hour = hourly(np.asarray(rows["wage_amount"], dtype=float)[first],
                      [rows["wage_unit"][f] for f in first])
    wage = np.clip(job_hour / worker_hour - 0.5, 0.0, 1.0)
    reliability = np.full(n, min(1.0, max(0.0, worker.reliability)))
    comps = np.column_stack([skill, distance, time, wage, reliability]) if n else np.zeros((0, 5))
    urgent = np.asarray(rows["urgent"], dtype=bool)[first]
    normal = weights_for(weights, False, urgent_factor)
    rush = weights_for(weights, True, urgent_factor)
    wmat = np.where(
        urgent[:, None], np.array([rush[k] for k in COMPONENTS]),
        np.array([normal[k] for k in COMPONENTS]),
    ) if n else np.zeros((0, 5))
    keep = np.flatnonzero(ok & relevant)
    comps, wmat = comps[keep], wmat[keep]
    return Scored(
        ids=ids[keep], score=(comps * wmat).sum(axis=1), components=comps, weights=wmat,
        distance_km=dist[keep], direct=[direct[i] for i in keep],
    )
