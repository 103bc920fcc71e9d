"""The service's core (scoring, hard filters, ranking, cursor) against the plain reference,
over generated jobs and workers; and the retrieval slices never miss a reachable point."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.common.geo import haversine_km
from app.matching import rules
from app.matching.candidates import slices
from app.matching.keys import availability_mask, band_of, needs_mask, worker_key_rows
from app.matching.memindex import LOAD_COLUMNS, MemIndex
from app.matching.score import JobQuery, score_workers
from app.matching.service import first_eligible
from tests import matching_reference as ref

CONF = {
    "weights": {"skill": 0.35, "distance": 0.25, "time": 0.1, "wage": 0.15, "reliability": 0.15},
    "urgent_factor": 2.0, "min_hour_fen": 2200.0, "threshold": 80.0,
}
# Two categories with two skills each, and texts outside the taxonomy that resemble each other.
CODES = ["housekeeping.cleaner", "housekeeping.nanny", "construction.bricklayer",
         "construction.tiler"]
UNCODED_TEXT = ["量子调音", "量子调音师", "古琴修复", "古琴修复师傅", "无人机表演"]
CERTS = ["健康证", "电工证", "焊工证"]
BASE = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)  # a Monday, 08:00 in Shanghai


def _codes_exist():
    from app.reference.taxonomy import taxonomy

    by_code = taxonomy().by_code
    return [c for c in CODES if c in by_code]


skill_entry = st.one_of(
    st.tuples(st.sampled_from(CODES), st.sampled_from(["x"]),
              st.sampled_from([100.0, 100.0, 90.0, 85.5]),
              st.one_of(st.none(), st.floats(0, 20))),
    st.tuples(st.none(), st.sampled_from(UNCODED_TEXT), st.just(0.0), st.none()),
)
window = st.builds(
    lambda wd, s, n: {"weekday": wd, "start": f"{s // 2:02d}:{30 * (s % 2):02d}",
                      "end": f"{(s + n) // 2:02d}:{30 * ((s + n) % 2):02d}"},
    st.integers(1, 7), st.integers(0, 40), st.integers(1, 8),
)


@st.composite
def worker(draw, wid: int):
    skills = draw(st.lists(skill_entry, min_size=0, max_size=3))
    unit = draw(st.sampled_from(["hour", "day", "month", "piece"]))
    busy_start = BASE + timedelta(hours=draw(st.integers(-48, 200)))
    return {
        "id": wid, "status": draw(st.sampled_from(["active"] * 5 + ["inactive"])),
        "lat": 29.56 + draw(st.floats(-0.3, 0.3)), "lng": 106.55 + draw(st.floats(-0.3, 0.3)),
        "max_travel_km": draw(st.sampled_from([3.0, 5.0, 8.0, 12.5, 20.0, 30.0, 60.0])),
        "skills": [(c, c or raw, sim, y) if c else (None, raw, sim, y)
                   for c, raw, sim, y in skills],
        "availability": draw(st.one_of(st.none(), st.lists(window, max_size=10))),
        "min_wage_amount": draw(st.one_of(st.none(), st.integers(500, 50000))),
        "min_wage_unit": unit, "reliability": draw(st.floats(0, 1)),
        "birth_date": date(1960, 1, 1) + timedelta(days=draw(st.integers(0, 15000))),
        "gender": draw(st.sampled_from(["male", "female"])),
        "certificates": draw(st.lists(st.sampled_from(CERTS), max_size=3, unique=True)),
        "available_from_date": draw(st.sampled_from([None, None, date(2026, 12, 1), date(2026, 12, 9)])),
        "available_until_date": draw(st.sampled_from([None, None, date(2026, 12, 8), date(2027, 1, 1)])),
        "busy": draw(st.sampled_from([[], [], [(busy_start, busy_start + timedelta(hours=8))]])),
    }


@st.composite
def job(draw):
    start = BASE + timedelta(minutes=30 * draw(st.integers(0, 48 * 4)))
    if draw(st.booleans()):
        end = start + timedelta(minutes=30 * draw(st.integers(1, 20)))
    else:  # several days, the same hours each day
        end = start + timedelta(days=draw(st.integers(1, 3)), minutes=30 * draw(st.integers(1, 12)))
        local = end.astimezone(rules.SHANGHAI)
        if local.hour * 60 + local.minute <= start.astimezone(rules.SHANGHAI).hour * 60 + start.astimezone(rules.SHANGHAI).minute or local.date() != (start + (end - start)).astimezone(rules.SHANGHAI).date():
            end = start + timedelta(hours=2)
    skills = draw(st.lists(
        st.one_of(st.tuples(st.sampled_from(CODES), st.just("")),
                  st.tuples(st.none(), st.sampled_from(UNCODED_TEXT))),
        min_size=1, max_size=3, unique=True,
    ))
    min_age = draw(st.one_of(st.none(), st.integers(16, 40)))
    return {
        "lat": 29.56 + draw(st.floats(-0.1, 0.1)), "lng": 106.55 + draw(st.floats(-0.1, 0.1)),
        "radius_km": draw(st.one_of(st.none(), st.floats(2, 40))),
        "wage_amount": draw(st.integers(100, 60000)),
        "wage_unit": draw(st.sampled_from(["hour", "day", "month", "piece"])),
        "urgent": draw(st.booleans()), "skills": [(c, c or raw) for c, raw in skills],
        "status": "open", "starts_at": start, "ends_at": end, "shifts": [],
        "req_gender": draw(st.sampled_from([None, None, "male", "female"])),
        "req_min_age": min_age,
        "req_max_age": draw(st.one_of(st.none(), st.integers(max(min_age or 16, 30), 70))),
        "req_certificates": draw(st.lists(st.sampled_from(CERTS), max_size=1)),
    }


def _key_rows(workers: list[dict]) -> list[dict]:
    rows = []
    for w in workers:
        row = {"id": w["id"], "status": w["status"], "max_travel_km": w["max_travel_km"],
               "home_lat": w["lat"], "home_lng": w["lng"], "availability": w["availability"],
               "min_wage_amount": w["min_wage_amount"], "min_wage_unit": w["min_wage_unit"],
               "reliability": w["reliability"]}
        skills = [{"position": i, "skill_code": c, "raw": raw, "similarity": sim, "years": y}
                  for i, (c, raw, sim, y) in enumerate(w["skills"])]
        rows += worker_key_rows(row, skills)
    return rows


def _tuples(rows: list[dict]) -> list[tuple]:
    return [tuple(r[c] for c in LOAD_COLUMNS) for r in rows]


def memindex_of(workers: list[dict], changed: set[int]) -> MemIndex:
    """The in-memory index as a process holds it after some workers changed: their old rows
    (moved 0.2° north) tombstoned in the main segment, their current rows in the side one."""
    index = MemIndex()
    rows = _key_rows(workers)
    stale = [{**r, "lat": r["lat"] + 0.2, "band": band_of(r["lat"] + 0.2)}
             for r in rows if r["worker_id"] in changed]
    index.main = index._segment(_tuples([r for r in rows if r["worker_id"] not in changed]
                                        + stale))
    index.alive = ~np.isin(index.main.cols["worker_id"], np.array(sorted(changed), dtype=np.int64))
    index.side = index._segment(_tuples([r for r in rows if r["worker_id"] in changed]))
    return index


def service_rank(j: dict, workers: list[dict], limit: int, radius_km, after=None,
                 changed: frozenset = frozenset()):
    facts = rules.job_facts(SimpleNamespace(
        id=1, status=j["status"], starts_at=j["starts_at"], ends_at=j["ends_at"],
        shifts=j["shifts"], req_gender=j["req_gender"], req_min_age=j["req_min_age"],
        req_max_age=j["req_max_age"], req_certificates=j["req_certificates"]))
    # As the service: the availability blocks drop provably unavailable workers before ranking.
    query = JobQuery(lat=j["lat"], lng=j["lng"], radius_km=j["radius_km"],
                     wage_amount=j["wage_amount"], wage_unit=j["wage_unit"], urgent=j["urgent"],
                     skills=[(c or "~", raw) for c, raw in j["skills"]],
                     blocks=needs_mask(facts.needs))
    cap = min(j["radius_km"] or math.inf, radius_km or math.inf)
    rows = memindex_of(workers, set(changed)).rows_near(
        [k for k, _ in query.skills], j["lat"], j["lng"], cap)
    scored = score_workers(query, rows, weights=CONF["weights"],
                           urgent_factor=CONF["urgent_factor"], min_hour_fen=CONF["min_hour_fen"],
                           threshold=CONF["threshold"], radius_km=radius_km)
    by_id = {w["id"]: w for w in workers}

    async def check(ids):
        out = {}
        for i in ids:
            w = by_id[i]
            f = rules.WorkerFacts(
                id=i, status=w["status"], birth_date=w["birth_date"], gender=w["gender"],
                certificates=frozenset(w["certificates"]), availability=w["availability"],
                available_from_date=w["available_from_date"],
                available_until_date=w["available_until_date"], busy=tuple(w["busy"]))
            if rules.eligible(facts, f):
                out[i] = w
        return out

    chosen = asyncio.run(first_eligible(scored, scored.order(after), limit, check))
    return scored, [(int(scored.ids[i]), float(scored.score[i]), i) for i, _ in chosen]


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_service_returns_the_references_top_k(data):
    assert len(_codes_exist()) == len(CODES)
    j = data.draw(job())
    workers = [data.draw(worker(i + 1)) for i in range(data.draw(st.integers(0, 25)))]
    changed = frozenset(data.draw(st.sets(st.sampled_from([w["id"] for w in workers])))
                        if workers else ())
    limit = data.draw(st.integers(1, 8))
    radius_km = data.draw(st.one_of(st.none(), st.floats(3, 50)))
    expected = ref.rank(j, workers, CONF, radius_km)
    scored, got = service_rank(j, workers, limit, radius_km, changed=changed)
    assert [g[0] for g in got] == [e[0] for e in expected[:limit]]
    for (_, s, i), (_, es) in zip(got, expected, strict=False):
        assert math.isclose(s, es, abs_tol=1e-9)
        comps = scored.components[i]
        assert np.all((comps >= 0) & (comps <= 1))
        assert math.isclose(float(comps @ scored.weights[i]), s, abs_tol=1e-9)
    if len(got) == limit:  # the next page starts right after, with no duplicates
        _, nxt = service_rank(j, workers, limit, radius_km, after=(got[-1][1], got[-1][0]),
                              changed=changed)
        assert [g[0] for g in nxt] == [e[0] for e in expected[limit:2 * limit]]


def dense_worker(rng, wid: int) -> dict:
    """A worker in the dense core: the job's common skill, near, free, no requirements missed."""
    return {
        "id": wid, "status": "active", "lat": 29.56 + rng.uniform(-0.02, 0.02),
        "lng": 106.55 + rng.uniform(-0.02, 0.02),
        "max_travel_km": rng.choice([5.0, 8.0, 12.5, 20.0]),
        "skills": [("housekeeping.cleaner", "保洁", rng.choice([100.0, 90.0]),
                    rng.choice([None, 1.0, 3.0, 6.0]))]
        + ([("housekeeping.nanny", "育儿嫂", 100.0, None)] if rng.random() < 0.3 else []),
        "availability": None, "min_wage_amount": rng.choice([None, 2000, 2500, 3000]),
        "min_wage_unit": "hour", "reliability": round(rng.random(), 2),
        "birth_date": date(1985, 1, 1), "gender": "female", "certificates": [],
        "available_from_date": None, "available_until_date": None, "busy": [],
    }


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(5000, 6500), limit=st.integers(1, 50),
       urgent=st.booleans())
def test_dense_core_top_k_matches_the_reference(seed, n, limit, urgent):
    # Thousands of eligible workers around one job: the case the in-memory retrieval is for.
    import random

    rng = random.Random(seed)
    workers = [dense_worker(rng, i + 1) for i in range(n)]
    changed = frozenset(rng.sample(range(1, n + 1), 200))
    j = {"lat": 29.56, "lng": 106.55, "radius_km": None, "wage_amount": 3000,
         "wage_unit": "hour", "urgent": urgent, "status": "open",
         "skills": [("housekeeping.cleaner", "保洁")], "starts_at": BASE + timedelta(hours=2),
         "ends_at": BASE + timedelta(hours=6), "shifts": [], "req_gender": None,
         "req_min_age": None, "req_max_age": None, "req_certificates": []}
    expected = ref.rank(j, workers, CONF)
    assert len(expected) >= 5000
    _scored, got = service_rank(j, workers, limit, None, changed=changed)
    assert [g[0] for g in got] == [e[0] for e in expected[:limit]]
    for (_, s, _i), (_, es) in zip(got, expected, strict=False):
        assert math.isclose(s, es, abs_tol=1e-9)


@settings(max_examples=1000, deadline=None)
@given(
    lat=st.floats(28.2, 32.3), lng=st.floats(105.2, 110.3), reach=st.floats(0.5, 200),
    bearing=st.floats(0, 2 * math.pi), frac=st.floats(0, 1),
)
def test_slices_cover_every_point_within_reach(lat, lng, reach, bearing, frac):
    # A point at distance ≤ reach (spherical destination formula), then: inside some slice.
    d = reach * frac / 6371.0088
    p1, l1 = math.radians(lat), math.radians(lng)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(bearing))
    l2 = l1 + math.atan2(math.sin(bearing) * math.sin(d) * math.cos(p1),
                         math.cos(d) - math.sin(p1) * math.sin(p2))
    plat, plng = math.degrees(p2), math.degrees(l2)
    if haversine_km(lat, lng, plat, plng) > reach:
        return
    b = band_of(plat)
    assert any(b0 <= b <= b1 and lo <= plng <= hi for b0, b1, lo, hi in slices(lat, lng, reach))


@settings(max_examples=500, deadline=None)
@given(
    start=st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31)),
    days=st.integers(0, 120), minutes=st.integers(-24 * 60, 24 * 60),
)
def test_pattern_only_shifts_give_the_same_needs_and_dates(start, days, minutes):
    # A season's daily shifts repeat weekly: a week and the last two days decide the facts.
    starts_at = start.replace(tzinfo=UTC)
    ends_at = starts_at + timedelta(days=days, minutes=minutes)
    if ends_at <= starts_at:
        return
    full = rules.job_shifts(starts_at, ends_at, [])
    short = rules.job_shifts(starts_at, ends_at, [], pattern_only=True)
    assert rules.weekly_needs(short) == rules.weekly_needs(full)
    assert min(s for s, _ in short) == min(s for s, _ in full)
    assert max(e for _, e in short) == max(e for _, e in full)


window_st = st.builds(
    lambda d, a, b: {"weekday": d, "start": f"{min(a, b) // 60:02d}:{min(a, b) % 60:02d}",
                     "end": f"{max(a, b) // 60:02d}:{max(a, b) % 60:02d}"},
    st.integers(1, 7), st.integers(0, 24 * 60), st.integers(0, 24 * 60),
)
need_st = st.builds(lambda d, a, b: (d, min(a, b), max(a, b)),
                    st.integers(1, 7), st.integers(0, 24 * 60), st.integers(0, 24 * 60))


@settings(max_examples=3000, deadline=None)
@given(availability=st.one_of(st.none(), st.lists(window_st, max_size=8)),
       needs=st.frozensets(need_st, max_size=6))
def test_availability_blocks_never_drop_an_available_worker(availability, needs):
    # The blocks are an outer bound: whoever the exact minute check accepts, they accept.
    if rules.covers(availability, needs):
        need = needs_mask(needs)
        assert availability_mask(availability) & need == need


def test_availability_blocks_drop_the_plainly_unavailable():
    mornings = [{"weekday": d, "start": "08:00", "end": "12:00"} for d in range(1, 6)]
    evening_shift = frozenset({(3, 18 * 60, 22 * 60)})
    assert not rules.covers(mornings, evening_shift)
    assert availability_mask(mornings) & needs_mask(evening_shift) != needs_mask(evening_shift)
