"""Item 十一/十二 demand side: recommendations checked against a plain recomputation on
generated data, unmet demand against a recount, and the target statistics against a recount
(JSON and CSV)."""

from __future__ import annotations

import csv
import io
import math
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.engagements.models import Engagement
from app.jobs.models import Job
from app.training.models import Course, Enrolment, Voucher
from app.workers.models import Worker
from tests.conftest import auth, in_days, unique
from tests.training_fixtures import course, institution

SHANGHAI_OFFSET = timedelta(hours=8)
SKILLS = {"网约配送员": "delivery.rider", "直播带货主播": "media.live_host",
          "养老护理员": "eldercare.caregiver", "保洁员": "housekeeping.cleaner",
          "电商运营": "media.ecommerce_ops"}


def _km(lat1, lng1, lat2, lng2) -> float:
    """Great-circle distance, written out again here (not the app's helper)."""
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2)
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


async def test_recommendations_match_a_plain_recomputation(world, client, app):
    rng = random.Random(11)
    home = (31.9463, 108.6649)  # 城口县: far from every other test's postings
    worker, wkey = await world.worker(
        skills=[{"name": "保洁员", "years": 3}], home_location={"lat": home[0], "lng": home[1]},
        max_travel_km=10, birth_date="1980-05-01")
    _e, ekey = await world.employer()
    for n in range(40):
        d_lat, d_lng = rng.uniform(-0.12, 0.12), rng.uniform(-0.12, 0.12)
        skills = rng.sample(sorted(SKILLS), rng.choice([1, 1, 2]))
        requirements = {}
        if rng.random() < 0.4:
            requirements["certificates"] = ["健康证"]
        if rng.random() < 0.2:
            requirements["min_age"] = rng.choice([18, 50])
        if rng.random() < 0.2:
            requirements["max_age"] = rng.choice([40, 60])
        await world.job(ekey, title=f"城口{'·'.join(skills)}{n}号{unique()}", skills=skills,
                        location={"lat": home[0] + d_lat, "lng": home[1] + d_lng,
                                  "address": f"城口县葛城街道{n}号", "district_code": "500229"},
                        requirements=requirements, headcount=rng.randint(1, 3),
                        starts_at=in_days(3 + n % 9, 9), ends_at=in_days(3 + n % 9, 17))
    _i, inst_key = await institution(world)
    for n in range(8):
        codes = rng.sample(sorted(SKILLS.values()), rng.choice([1, 2]))
        await course(world, inst_key, title=f"城口技能班{n}", skill_codes=codes,
                     certificate=rng.choice([None, "健康证"]))

    r = await client.get(f"/v1/workers/{worker['id']}/training-recommendations",
                         params={"limit": 50}, headers=auth(wkey))
    assert r.status_code == 200, r.text
    got = [(i["course"]["id"], i["job_ids"]) for i in r.json()["items"]]

    today = (datetime.now(UTC) + SHANGHAI_OFFSET).date()
    async with app.state.sessionmaker() as session:
        me = await session.scalar(select(Worker).options(selectinload(Worker.skills))
                                  .where(Worker.id == worker["id"]))
        jobs = list(await session.scalars(select(Job).options(selectinload(Job.skills))
                                          .where(Job.status == "open")))
        courses = list(await session.scalars(select(Course).where(
            Course.status == "open", Course.ends_on_date >= today)))

    def ok(job: Job, codes: set[str], certs: set[str]) -> bool:
        d = _km(me.home_lat, me.home_lng, job.lat, job.lng)
        if d > me.max_travel_km or (job.radius_km is not None and d > job.radius_km):
            return False
        age = _age(me.birth_date, (job.starts_at + SHANGHAI_OFFSET).date())
        if job.req_min_age is not None and age < job.req_min_age:
            return False
        if job.req_max_age is not None and age > job.req_max_age:
            return False
        if job.req_gender is not None and job.req_gender != me.gender:
            return False
        if not set(job.req_certificates or []) <= certs:
            return False
        return {s.skill_code for s in job.skills if s.skill_code} <= codes

    codes = {s.skill_code for s in me.skills if s.skill_code}
    certs = set(me.certificates or [])
    expected = []
    for c in courses:
        after_codes = codes | set(c.skill_codes)
        after_certs = certs | ({c.certificate} if c.certificate else set())
        new = sorted(j.id for j in jobs
                     if not ok(j, codes, certs) and ok(j, after_codes, after_certs))
        if new:
            expected.append((c.id, new))
    expected.sort(key=lambda x: (-len(x[1]), x[0]))
    assert len(expected) >= 3, "the generated data should give several useful courses"
    assert got == expected[:50]
    first = r.json()["items"][0]
    assert first["newly_qualified_jobs"] == len(first["job_ids"])
    assert str(first["newly_qualified_jobs"]) in first["explanation"]
    # Another worker does not see them.
    _o, other_key = await world.worker()
    r = await client.get(f"/v1/workers/{worker['id']}/training-recommendations",
                         headers=auth(other_key))
    assert r.status_code == 404


async def test_demand_ranks_unmet_positions_wishes_and_the_shortage_list(world, client):
    admin = await world.admin()
    district = "500238"  # 巫溪县
    lat, lng = 31.3966, 109.6289
    _e, ekey = await world.employer()
    made = Counter()
    for n, (skill, headcount) in enumerate([("养老护理员", 3), ("养老护理员", 2),
                                            ("网约配送员", 1)]):
        await world.job(ekey, title=f"巫溪{skill}{n}{unique()}", skills=[skill],
                        headcount=headcount,
                        location={"lat": lat + n * 0.01, "lng": lng, "address": f"巫溪{n}号",
                                  "district_code": district},
                        starts_at=in_days(2 + n, 9), ends_at=in_days(2 + n, 17))
        made[SKILLS[skill]] += headcount
    _m, market = await world.market(district)
    r = await client.post("/v1/training/wishes", json={
        "skill": "直播带货", "district_code": district, "people": 7,
        "note": "乡村振兴直播需求（现场登记）"}, headers=auth(market))
    assert r.status_code == 201, r.text
    assert r.json()["skill_code"] == "media.live_host"
    assert r.json()["note"] == "乡村振兴直播需求（现场登记）"
    today = date.today()
    r = await client.post("/v1/training/shortage-trades", json={
        "skill_code": "media.video_editor", "district_code": district,
        "period_start_date": (today - timedelta(days=30)).isoformat(),
        "period_end_date": (today + timedelta(days=30)).isoformat()}, headers=auth(admin))
    assert r.status_code == 201
    r = await client.get("/v1/training/demand",
                         params={"district_code": district,
                                 "to_date": (today + timedelta(days=10)).isoformat()},
                         headers=auth(market))
    assert r.status_code == 200, r.text
    rows = {i["skill_code"]: i for i in r.json()["items"]}
    assert rows["eldercare.caregiver"]["open_positions"] == 2
    assert rows["eldercare.caregiver"]["unfilled_headcount"] == 5
    assert rows["delivery.rider"]["unfilled_headcount"] == 1
    assert rows["media.live_host"]["wishes"] == 7 and rows["media.live_host"]["score"] == 7
    assert rows["media.video_editor"]["shortage_listed"] and rows["media.video_editor"]["score"] == 0
    # Other tests' postings in the same district share the session database: rank ours.
    ours = {"media.live_host", "eldercare.caregiver", "delivery.rider"}
    order = [i["skill_code"] for i in r.json()["items"] if i["skill_code"] in ours]
    assert order == ["media.live_host", "eldercare.caregiver", "delivery.rider"]
    r = await client.get("/v1/training/demand", params={"from_date": "2027-02-01",
                                                        "to_date": "2027-01-01"},
                         headers=auth(market))
    assert r.status_code == 422


async def test_statistics_match_a_recount(world, client, app):
    admin = await world.admin()
    year = date.today().year
    inst_id, inst_key = await institution(world)
    c = await course(world, inst_key, hours=2, certificate=None,
                     skill_codes=["media.ecommerce_ops", "media.live_host"])
    hires = []
    for n in range(4):
        w, wkey = await world.worker(home_location={"lat": 29.40 + n * 0.01, "lng": 106.52})
        r = await client.post("/v1/training/vouchers", json={"worker_id": w["id"]},
                              headers=auth(wkey))
        assert r.status_code in (201, 409), r.text  # this year's quota may be used elsewhere
        r = await client.post(f"/v1/training/courses/{c['id']}/enrolments", json={},
                              headers=auth(wkey))
        enrolment = r.json()
        if n < 3:
            url = f"/v1/training/enrolments/{enrolment['id']}"
            await client.post(f"{url}/confirm", headers=auth(inst_key))
            await client.post(f"{url}/attendance",
                              json={"hours": 2, "attended_on_date": date.today().isoformat()},
                              headers=auth(inst_key))
            r = await client.post(f"{url}/complete", json={}, headers=auth(inst_key))
            assert r.status_code == 200, r.text
        if n < 2:
            hires.append((w, wkey))
    _e, ekey = await world.employer()
    for w, wkey in hires:  # hired after completing: employed within 90 days
        job = await world.job(ekey, title=f"电商运营助理{unique()}", skills=["电商运营"],
                              headcount=1, starts_at=in_days(5, 9), ends_at=in_days(5, 17))
        r = await client.post(f"/v1/jobs/{job['id']}/offers", json={"worker_id": w["id"]},
                              headers=auth(ekey))
        r = await client.post(f"/v1/offers/{r.json()['id']}/accept", headers=auth(wkey))
        assert r.status_code == 201, r.text

    got = {}
    for group_by in ("district", "trade", "institution"):
        r = await client.get("/v1/training/stats", params={"year": year, "group_by": group_by},
                             headers=auth(admin))
        assert r.status_code == 200, r.text
        got[group_by] = r.json()

    async with app.state.sessionmaker() as session:
        vouchers = list(await session.scalars(select(Voucher).where(Voucher.year == year)))
        enrolments = list(await session.scalars(select(Enrolment)))
        workers = {w.id: w for w in await session.scalars(select(Worker))}
        courses = {x.id: x for x in await session.scalars(select(Course))}
        engagements = list(await session.scalars(select(Engagement)))

    def local_year(at) -> int:
        return (at + SHANGHAI_OFFSET).year

    def recount(key_of) -> dict:
        out: dict = {}

        def bump(name, keys):
            for k in keys:
                out.setdefault(k, Counter())[name] += 1
        for v in vouchers:
            if v.status != "cancelled":
                keys = key_of(workers[v.worker_id], courses.get(v.course_id))
                bump("vouchers_issued", keys)
                if v.status == "redeemed":
                    bump("vouchers_redeemed", keys)
        for e in enrolments:
            if e.status not in ("applied", "confirmed", "completed"):
                continue
            keys = key_of(workers[e.worker_id], courses[e.course_id])
            if local_year(e.created_at) == year:
                bump("trainees", keys)
            if e.completed_at is not None and local_year(e.completed_at) == year:
                bump("completions", keys)
                if any(g.worker_id == e.worker_id
                       and e.completed_at < g.created_at <= e.completed_at + timedelta(days=90)
                       for g in engagements):
                    bump("employed_within_90_days", keys)
        return out

    keyers = {
        "district": lambda w, c: [w.district_code],
        "trade": lambda w, c: list(dict.fromkeys(c.skill_codes)) if c else [None],
        "institution": lambda w, c: [str(c.institution_id)] if c else [None],
    }
    for group_by, key_of in keyers.items():
        expected = recount(key_of)
        items = {i["key"]: {k: v for k, v in i.items() if k != "key" and v} for i in
                 got[group_by]["items"]}
        assert items == {k: dict(v) for k, v in expected.items()}, group_by
    totals = recount(lambda w, c: ["all"])["all"]
    assert {k: v for k, v in got["district"]["totals"].items() if k != "key" and v} == dict(totals)
    mine = next(i for i in got["institution"]["items"] if i["key"] == str(inst_id))
    assert mine["trainees"] == 4 and mine["completions"] == 3
    assert mine["employed_within_90_days"] == 2
    assert got["district"]["trainee_target"] == 20_000

    r = await client.get("/v1/training/stats", params={"year": year, "group_by": "institution",
                                                       "format": "csv"}, headers=auth(admin))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    row = next(x for x in rows if x["key"] == str(inst_id))
    assert int(row["completions"]) == 3 and int(row["employed_within_90_days"]) == 2
    _w, wkey = await world.worker()
    r = await client.get("/v1/training/stats", headers=auth(wkey))
    assert r.status_code == 403
