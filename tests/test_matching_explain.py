"""Explanations people can read (issue 12 item 14): rounded figures whose sum stays honest,
a Chinese reason per component, canonical skill names, and why an empty list is empty."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.matching import explain, rules
from app.matching.score import COMPONENTS
from tests.conftest import auth, in_days
from tests.engagements_fixtures import offer_and_accept

# A corner of our own (酉阳), far from every other test's workers and jobs.
HOME = {"lat": 28.8410, "lng": 108.7700}
unit = st.floats(0, 1, allow_nan=False)


@given(st.lists(unit, min_size=5, max_size=5), st.lists(st.floats(0.01, 1), min_size=5,
                                                          max_size=5))
def test_shown_values_sum_to_the_score_within_the_documented_bound(comps, raw_weights):
    weights = [w / sum(raw_weights) for w in raw_weights]
    item = {"id": 1, "score": sum(w * c for w, c in zip(weights, comps, strict=True)),
            "components": dict(zip(COMPONENTS, comps, strict=True)),
            "weights": dict(zip(COMPONENTS, weights, strict=True)),
            "distance_km": 2.345, "matched_skills": ["保洁"], "missing_skills": []}
    shown = explain.present(item, 80.0)
    total = sum(shown["weights"][k] * shown["components"][k] for k in COMPONENTS)
    assert abs(total - shown["score"]) <= explain.SHOWN_SUM_TOLERANCE
    assert all(v == round(v, 4) for v in [*shown["components"].values(),
                                          *shown["weights"].values(), shown["score"]])


def test_reasons_and_canonical_names():
    item = {"id": 1, "score": 0.8, "distance_km": 2.345,
            "components": {"skill": 1.0, "distance": 0.7, "time": 0.75, "wage": 0.7,
                           "reliability": 0.5},
            "weights": {"skill": 0.35, "distance": 0.25, "time": 0.1, "wage": 0.15,
                        "reliability": 0.15},
            "matched_skills": ["开叉车", "叉车司机"], "missing_skills": ["保洁"]}
    shown = explain.present(item, 80.0)
    # Two texts for one skill become its one taxonomy name; both lists use those names.
    assert shown["matched_skills"] == ["叉车司机"] and shown["missing_skills"] == ["保洁员"]
    assert shown["reasons"] == {
        "skill": "技能部分匹配：叉车司机；缺少：保洁员",
        "distance": "距离 2.3 公里",
        "time": "未填写可工作时间，按随时可上岗计",
        "wage": "折合时薪高于期望最低工资（约 120%）",
        "reliability": "暂无履约记录，按中等计（0.50）",
    }
    item.update(missing_skills=[], components={**item["components"], "time": 1.0, "wage": 1.0,
                                               "reliability": 0.9})
    reasons = explain.present(item, 80.0)["reasons"]
    assert reasons["skill"] == "技能完全匹配：叉车司机"
    assert reasons["time"] == "可工作时间覆盖全部班次"
    assert reasons["wage"] == "折合时薪达到期望最低工资的 1.5 倍以上"
    assert reasons["reliability"] == "履约记录良好（可靠度 0.90）"


BASE = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


@st.composite
def pair(draw):
    start = BASE + timedelta(hours=draw(st.integers(0, 100)))
    end = start + timedelta(hours=draw(st.integers(1, 10)))
    job = rules.JobFacts(
        id=1, status=draw(st.sampled_from(["open", "open", "filled"])), starts_at=start,
        ends_at=end, needs=rules.weekly_needs([(start, end)]),
        first_date=start.astimezone(rules.SHANGHAI).date(),
        last_date=end.astimezone(rules.SHANGHAI).date(),
        gender=draw(st.sampled_from([None, "male", "female"])),
        min_age=draw(st.sampled_from([None, 18, 30])), max_age=draw(st.sampled_from([None, 45])),
        certificates=frozenset(draw(st.lists(st.sampled_from(["健康证", "叉车证"]), max_size=1))),
    )
    busy_start = BASE + timedelta(hours=draw(st.integers(0, 100)))
    worker = rules.WorkerFacts(
        id=2, status=draw(st.sampled_from(["active", "active", "inactive"])),
        birth_date=date(1970, 1, 1) + timedelta(days=draw(st.integers(0, 15000))),
        gender=draw(st.sampled_from(["male", "female"])),
        certificates=frozenset(draw(st.lists(st.sampled_from(["健康证", "叉车证"]), max_size=2))),
        availability=draw(st.sampled_from([None, [], [
            {"weekday": d, "start": "08:00", "end": "20:00"} for d in range(1, 8)]])),
        available_from_date=draw(st.sampled_from([None, date(2026, 12, 9)])),
        available_until_date=draw(st.sampled_from([None, date(2026, 12, 8)])),
        busy=tuple(draw(st.sampled_from([[], [(busy_start, busy_start + timedelta(hours=8))]]))),
    )
    return job, worker


@given(pair())
def test_exclusion_names_a_reason_exactly_when_the_rules_refuse(case):
    job, worker = case
    assert (explain.exclusion(job, worker) is None) == rules.eligible(job, worker)


async def test_matches_carry_reasons_and_rounded_figures(client, world):
    _e, ekey = await world.employer()
    job = await world.job(ekey, skills=["叉车工"], title="叉车司机临时",
                          location={**HOME, "address": "酉阳县某仓库"})
    worker, wkey = await world.worker(
        skills=[{"name": "开叉车", "years": 2}],
        home_location={"lat": HOME["lat"] + 0.02, "lng": HOME["lng"]}, max_travel_km=20)
    r = await client.get(f"/v1/jobs/{job['id']}/matches", headers=auth(ekey))
    assert r.status_code == 200, r.text
    [item] = [i for i in r.json()["items"] if i["id"] == worker["id"]]
    assert item["matched_skills"] == ["叉车司机"] and item["missing_skills"] == []
    assert item["reasons"]["skill"] == "技能完全匹配：叉车司机"
    assert item["reasons"]["distance"] == f"距离 {item['distance_km']:.1f} 公里"
    assert set(item["reasons"]) == set(COMPONENTS)
    assert all(v == round(v, 4) for v in item["components"].values())
    assert r.json()["empty_reason"] is None
    r = await client.get(f"/v1/workers/{worker['id']}/matches", headers=auth(wkey))
    [item] = [i for i in r.json()["items"] if i["id"] == job["id"]]
    assert item["matched_skills"] == ["叉车司机"] and item["reasons"]["wage"]


async def test_empty_job_matches_say_no_one_has_the_skill(client, world):
    _e, ekey = await world.employer()
    job = await world.job(ekey, skills=["修鞋"], title="修鞋师傅",
                          location={**HOME, "address": "酉阳县某街道"})
    r = await client.get(f"/v1/jobs/{job['id']}/matches", headers=auth(ekey))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["items"] == []
    assert body["empty_reason"]["code"] == "no_skilled_workers"
    assert "修鞋师傅" in body["empty_reason"]["message"]


async def test_empty_job_matches_say_everyone_nearby_is_booked(client, world):
    _e, ekey = await world.employer()
    where = {"lat": HOME["lat"] + 0.3, "lng": HOME["lng"], "address": "酉阳县某货场"}
    first = await world.job(ekey, skills=["叉车司机"], title="叉车装卸一号", location=where,
                            starts_at=in_days(5), ends_at=in_days(5, hour=17))
    second = await world.job(ekey, skills=["叉车司机"], title="冷库叉车二号",
                             location={**where, "lng": HOME["lng"] + 0.02},
                             starts_at=in_days(5), ends_at=in_days(5, hour=17))
    worker, wkey = await world.worker(
        skills=[{"name": "叉车司机", "years": 4}],
        home_location={"lat": where["lat"] + 0.01, "lng": where["lng"]}, max_travel_km=10)
    await offer_and_accept(client, ekey, first["id"], worker["id"], wkey)
    r = await client.get(f"/v1/jobs/{second['id']}/matches", headers=auth(ekey))
    body = r.json()
    assert body["items"] == [], body
    assert body["empty_reason"]["code"] == "booked", body
    assert body["empty_reason"]["counts"] == {"booked": 1}
    assert "1 人该时段已有工作安排" in body["empty_reason"]["message"]
    # Cancelled posting: the reason is its status.
    await client.post(f"/v1/jobs/{second['id']}/cancel", headers=auth(ekey))
    r = await client.get(f"/v1/jobs/{second['id']}/matches", headers=auth(ekey))
    assert r.json()["empty_reason"]["code"] == "job_not_open"


async def test_empty_worker_matches_say_why(client, world):
    worker, wkey = await world.worker(
        skills=[{"name": "修鞋", "years": 1}],
        home_location={"lat": HOME["lat"] - 0.3, "lng": HOME["lng"]}, max_travel_km=5)
    r = await client.get(f"/v1/workers/{worker['id']}/matches", headers=auth(wkey))
    assert r.status_code == 200, r.text
    assert r.json()["items"] == []
    reason = r.json()["empty_reason"]
    assert reason["code"] in ("no_jobs_for_skills", "no_jobs_nearby"), reason
    assert "修鞋师傅" in reason["message"]
