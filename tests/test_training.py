"""Item 十一: the "3+" catalogues (propose → publish, history), courses and enrolments, and a
completion that puts the skills and certificate on the profile so the next match uses them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.events.models import Event
from tests.conftest import auth, in_days
from tests.engagements_fixtures import spot
from tests.training_fixtures import course, course_body, institution


async def test_market_proposes_admin_publishes_with_history(world, client):
    admin = await world.admin()
    _mid, market = await world.market()
    _other, other_market = await world.market("500106")
    body = {"skill_code": "eldercare.caregiver", "district_code": "500103",
            "period_start_date": "2027-01-01", "period_end_date": "2027-06-30",
            "demand_figures": {"open_positions": 120, "unfilled_headcount": 45},
            "note": "养老护理员缺口大（渝中区）。"}
    r = await client.post("/v1/training/shortage-trades", json=body, headers=auth(market))
    assert r.status_code == 201, r.text
    entry = r.json()
    assert entry["status"] == "proposed" and entry["skill_name"] == "养老护理员"
    assert entry["note"] == "养老护理员缺口大（渝中区）。"
    # A proposal is not public: another market does not see it, nor may it publish.
    r = await client.get(f"/v1/training/shortage-trades/{entry['id']}", headers=auth(other_market))
    assert r.status_code == 404
    r = await client.post(f"/v1/training/shortage-trades/{entry['id']}/publish",
                          headers=auth(market))
    assert r.status_code == 403
    r = await client.patch(f"/v1/training/shortage-trades/{entry['id']}",
                           json={"demand_figures": {"open_positions": 130}}, headers=auth(market))
    assert r.status_code == 200 and r.json()["version"] == 2
    r = await client.post(f"/v1/training/shortage-trades/{entry['id']}/publish",
                          headers=auth(admin))
    assert r.status_code == 200 and r.json()["status"] == "published"
    r = await client.post(f"/v1/training/shortage-trades/{entry['id']}/publish",
                          headers=auth(admin))
    assert r.status_code == 409 and r.json()["type"] == "/problems/catalogue-not-proposed"
    # Published: the market may no longer change it; everyone reading training sees it.
    r = await client.patch(f"/v1/training/shortage-trades/{entry['id']}",
                           json={"note": "x"}, headers=auth(market))
    assert r.status_code == 403
    r = await client.get(f"/v1/training/shortage-trades/{entry['id']}/history",
                         headers=auth(other_market))
    history = r.json()["items"]
    assert [h["action"] for h in history] == ["proposed", "changed", "published"]
    assert history[0]["snapshot"]["demand_figures"] == {"open_positions": 120,
                                                        "unfilled_headcount": 45}
    assert history[1]["snapshot"]["demand_figures"] == {"open_positions": 130}
    # Bad input names the field.
    r = await client.post("/v1/training/shortage-trades",
                          json={**body, "skill_code": "no.such"}, headers=auth(admin))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/skill_code"


async def test_subsidy_rates_are_integer_fen_and_unique_per_level_and_year(world, client):
    admin = await world.admin()
    body = {"level": "高级", "year": 2031, "amount_fen": 250_000, "source": "渝人社发〔2031〕1号"}
    r = await client.post("/v1/training/subsidy-rates", json=body, headers=auth(admin))
    assert r.status_code == 201 and r.json()["amount_fen"] == 250_000
    r = await client.post("/v1/training/subsidy-rates", json=body, headers=auth(admin))
    assert r.status_code == 409 and r.json()["type"] == "/problems/catalogue-duplicate"
    r = await client.post("/v1/training/subsidy-rates", json={**body, "amount_fen": 12.5},
                          headers=auth(admin))
    assert r.status_code == 422


async def _worker_far_away(world, n: int, **overrides):
    home = spot(n)
    return await world.worker(home_location={"lat": home["lat"], "lng": home["lng"]},
                              **overrides)


async def test_completion_updates_profile_and_next_match(world, client, app):
    admin = await world.admin()
    await client.post("/v1/training/subsidy-rates", json={
        "level": "专项能力", "year": date.today().year + 1, "amount_fen": 60_000,
        "source": "测试"}, headers=auth(admin))
    inst_id, inst_key = await institution(world)
    _other_inst, other_inst_key = await institution(world)
    c = await course(world, inst_key, skill_codes=["delivery.rider"], certificate="健康证",
                     delivery="offline", district_code="500103", digital_skills=False,
                     subsidy_level="专项能力", hours=4,
                     starts_on_date=date(date.today().year + 1, 3, 1).isoformat(),
                     ends_on_date=date(date.today().year + 1, 3, 2).isoformat())
    assert c["institution_id"] == inst_id and c["subsidy_fen"] == 60_000
    worker, wkey = await _worker_far_away(world, 371)
    _e, ekey = await world.employer()
    place = spot(371)
    job = await world.job(ekey, title="外卖骑手午高峰", skills=["网约配送员"], location=place,
                          requirements={"certificates": ["健康证"]},
                          starts_at=in_days(3, 11), ends_at=in_days(3, 14))

    async def matched() -> bool:
        r = await client.get(f"/v1/jobs/{job['id']}/matches", params={"limit": 100},
                             headers=auth(ekey))
        assert r.status_code == 200, r.text
        return any(i["id"] == worker["id"] for i in r.json()["items"])

    assert not await matched()
    r = await client.post(f"/v1/training/courses/{c['id']}/enrolments", json={},
                          headers=auth(wkey))
    assert r.status_code == 201, r.text
    enrolment = r.json()
    url = f"/v1/training/enrolments/{enrolment['id']}"
    r = await client.post(f"/v1/training/courses/{c['id']}/enrolments", json={},
                          headers=auth(wkey))
    assert r.status_code == 409 and r.json()["type"] == "/problems/already-enrolled"
    # Another institution neither sees nor runs it; completion needs confirmation and hours.
    r = await client.post(f"{url}/confirm", headers=auth(other_inst_key))
    assert r.status_code == 404
    r = await client.post(f"{url}/complete", json={"certificate_no": "X1"}, headers=auth(inst_key))
    assert r.status_code == 409 and r.json()["type"] == "/problems/enrolment-state"
    assert (await client.post(f"{url}/confirm", headers=auth(inst_key))).status_code == 200
    r = await client.post(f"{url}/attendance", json={"hours": 3, "attended_on_date": "2027-01-02"},
                          headers=auth(inst_key))
    assert r.status_code == 200 and r.json()["attended_hours"] == 3
    r = await client.post(f"{url}/complete", json={"certificate_no": "X1"}, headers=auth(inst_key))
    assert r.status_code == 409  # one hour missing
    r = await client.post(f"{url}/attendance", json={"hours": 2, "attended_on_date": "2027-01-03"},
                          headers=auth(inst_key))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/hours"
    await client.post(f"{url}/attendance", json={"hours": 1, "attended_on_date": "2027-01-03"},
                      headers=auth(inst_key))
    r = await client.post(f"{url}/complete", json={}, headers=auth(inst_key))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/certificate_no"
    r = await client.post(f"{url}/complete", json={"certificate_no": "渝健2027-0001"},
                          headers=auth(inst_key))
    assert r.status_code == 200 and r.json()["status"] == "completed"

    r = await client.get(f"/v1/workers/{worker['id']}", headers=auth(wkey))
    profile = r.json()
    assert "健康证" in profile["certificates"]
    added = [s for s in profile["skills"] if s["skill_code"] == "delivery.rider"]
    assert added and added[0]["source"] == f"training_enrolment:{enrolment['id']}"
    assert next(s["raw"] for s in profile["skills"]) == "家政保洁"  # typed skills kept
    assert await matched()
    async with app.state.sessionmaker() as session:
        event = await session.scalar(select(Event).where(
            Event.type == "enrolment.completed", Event.resource_id == enrolment["id"]))
    assert event is not None and event.data["skill_codes"] == ["delivery.rider"]


async def test_course_capacity_and_who_may_enrol(world, client):
    _inst, inst_key = await institution(world)
    c = await course(world, inst_key, capacity=1)
    market_id, market = await world.market()
    r = await client.post("/v1/workers", json={"name": "王大力", "phone": "13600001234",
                                               "birth_date": "1975-03-01", "gender": "male",
                                               "home_location": {"lat": 29.56, "lng": 106.55},
                                               "max_travel_km": 5}, headers=auth(market))
    trainee = r.json()
    _other_id, other_market = await world.market("500106")
    r = await client.post(f"/v1/training/courses/{c['id']}/enrolments",
                          json={"worker_id": trainee["id"]}, headers=auth(other_market))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/worker_id"
    r = await client.post(f"/v1/training/courses/{c['id']}/enrolments",
                          json={"worker_id": trainee["id"]}, headers=auth(market))
    assert r.status_code == 201 and r.json()["registered_by_market_id"] == market_id
    _w, wkey = await world.worker()
    r = await client.post(f"/v1/training/courses/{c['id']}/enrolments", json={},
                          headers=auth(wkey))
    assert r.status_code == 409 and r.json()["type"] == "/problems/course-full"
    r = await client.get(f"/v1/training/courses/{c['id']}", headers=auth(wkey))
    assert r.json()["enrolled"] == 1
    other = await course(world, inst_key, skill_codes=["media.video_editor"])
    seen, cursor = [], None
    while True:
        params = {"skill_code": "media.video_editor", "limit": 1,
                  **({"cursor": cursor} if cursor else {})}
        r = await client.get("/v1/training/courses", params=params, headers=auth(wkey))
        assert r.status_code == 200
        seen += [i["id"] for i in r.json()["items"]]
        assert all("media.video_editor" in i["skill_codes"] for i in r.json()["items"])
        if not (cursor := r.json()["next_cursor"]):
            break
    assert other["id"] in seen and c["id"] not in seen and len(seen) == len(set(seen))
    r = await client.post("/v1/training/courses", json=course_body(), headers=auth(market))
    assert r.status_code == 403
