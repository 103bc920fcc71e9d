from sqlalchemy import func, select

from app.events.models import Event
from app.jobs.models import Job
from app.jobs.screening import find_fee_request
from tests.conftest import auth, in_days, job_body, unique


async def test_unverified_employer_posting_waits_for_review(client, world):
    _employer_id, key = await world.employer(verified=False)
    job = await world.job(key)
    assert job["status"] == "pending_review"
    # Pending postings are invisible to the public and to other employers.
    _other_id, other_key = await world.employer()
    assert (await client.get(f"/v1/jobs/{job['id']}", headers=auth(other_key))).status_code == 404
    worker_key = (await world.worker())[1]
    assert (await client.get(f"/v1/jobs/{job['id']}", headers=auth(worker_key))).status_code == 404
    # The employer cannot approve itself; an admin can.
    r = await client.post(f"/v1/jobs/{job['id']}/review", json={"decision": "approve"},
                          headers=auth(key))
    assert r.status_code == 403
    r = await client.post(f"/v1/jobs/{job['id']}/review", json={"decision": "approve"},
                          headers=auth(await world.admin()))
    assert r.status_code == 200 and r.json()["status"] == "open" and r.json()["published_at"]
    assert (await client.get(f"/v1/jobs/{job['id']}", headers=auth(worker_key))).status_code == 200
    r = await client.post(f"/v1/jobs/{job['id']}/review", json={"decision": "approve"},
                          headers=auth(await world.admin()))
    assert r.status_code == 409 and r.json()["current_status"] == "open"


async def test_market_reviews_postings_in_its_district_only(client, world):
    _eid, key = await world.employer(verified=False)
    job = await world.job(key)  # 渝中区 500103
    _mid, far_market = await world.market(district_code="500101")
    _mid2, near_market = await world.market(district_code="500103")
    body = {"decision": "reject", "note": "信息不全"}
    r = await client.post(f"/v1/jobs/{job['id']}/review", json=body, headers=auth(far_market))
    assert r.status_code == 404
    r = await client.post(f"/v1/jobs/{job['id']}/review", json=body, headers=auth(near_market))
    assert r.status_code == 200 and r.json()["status"] == "rejected"


async def test_fee_requests_are_rejected_with_reason(client, world):
    _eid, key = await world.employer()
    for text, term in (("入职需交押金200元", "押金"), ("上岗前收取培训费300元", "培训费"),
                       ("服装费自理", "服装费"), ("需自费体检费", "体检费")):
        r = await client.post("/v1/jobs", json=job_body(description=text), headers=auth(key))
        assert r.status_code == 422, text
        problem = r.json()
        assert problem["reason"] == "fee_requested" and term in problem["detail"]
        assert problem["errors"][0]["pointer"] == "/description"
    # A promise of no fees is not a fee.
    r = await client.post("/v1/jobs", json=job_body(description="不收任何押金，免培训费，日结"),
                          headers=auth(key))
    assert r.status_code == 201, r.text


def test_fee_screen_reads_denials_and_titles():
    assert find_fee_request({"title": "保洁（无押金）", "description": ""}) is None
    finding = find_fee_request({"title": "保洁交保证金", "description": ""})
    assert finding.field == "title" and finding.term == "保证金"


async def test_wage_below_minimum_is_rejected(client, world):
    # 渝中 (500103) is a first-tier district (app/reference/data/minimum_wages.json).
    _eid, key = await world.employer()
    cases = [({"amount": 2299, "unit": "hour", "settlement": "daily"}, 2300),
             ({"amount": 18000, "unit": "day", "settlement": "daily"}, 18400),
             ({"amount": 230000, "unit": "month", "settlement": "monthly"}, 233000)]
    for wage, floor in cases:
        r = await client.post("/v1/jobs", json=job_body(wage=wage), headers=auth(key))
        assert r.status_code == 422, wage
        assert r.json()["reason"] == "below_minimum_wage" and r.json()["minimum_fen"] == floor
        assert r.json()["errors"][0]["pointer"] == "/wage/amount"
    r = await client.post(
        "/v1/jobs", json=job_body(wage={"amount": 2300, "unit": "hour", "settlement": "daily"}),
        headers=auth(key),
    )
    assert r.status_code == 201


async def test_near_duplicate_of_open_posting_is_409_with_existing_id(client, world):
    _eid, key = await world.employer()
    title = f"小区保洁员{unique()}"
    first = await world.job(key, title=title)
    near = {**job_body()["location"], "lat": 29.5660}  # ~330 m north
    r = await client.post("/v1/jobs", json=job_body(title=title + "急招", location=near),
                          headers=auth(key))
    assert r.status_code == 409 and r.json()["existing_id"] == first["id"]
    # Far away, another day, or another title: not a duplicate.
    far = {**near, "lat": 29.60}
    assert (await client.post("/v1/jobs", json=job_body(title=title, location=far),
                              headers=auth(key))).status_code == 201
    later = job_body(title=title, starts_at=in_days(9), ends_at=in_days(9, 17))
    assert (await client.post("/v1/jobs", json=later, headers=auth(key))).status_code == 201
    # Another employer may post the same thing.
    _eid2, key2 = await world.employer()
    assert (await client.post("/v1/jobs", json=job_body(title=title), headers=auth(key2))).status_code == 201


async def test_other_employers_job_cannot_be_changed_or_closed(client, world):
    _eid, key = await world.employer()
    _eid2, intruder = await world.employer()
    job = await world.job(key)
    # An open job is public to read, but not to change: 404 so nothing leaks.
    assert (await client.get(f"/v1/jobs/{job['id']}", headers=auth(intruder))).status_code == 200
    r = await client.patch(f"/v1/jobs/{job['id']}", json={"headcount": 9}, headers=auth(intruder))
    assert r.status_code == 404
    for action in ("close", "cancel"):
        r = await client.post(f"/v1/jobs/{job['id']}/{action}", headers=auth(intruder))
        assert r.status_code == 404
    # And an employer key cannot post for someone else.
    r = await client.post("/v1/jobs", json=job_body(employer_id=_eid), headers=auth(intruder))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/employer_id"
    assert (await client.get(f"/v1/jobs/{job['id']}", headers=auth(key))).json()["headcount"] == 2


async def test_etag_and_if_match(client, world):
    _eid, key = await world.employer()
    job = await world.job(key)
    r = await client.get(f"/v1/jobs/{job['id']}", headers=auth(key))
    etag = r.headers["etag"]
    stale = await client.patch(f"/v1/jobs/{job['id']}", json={"headcount": 4},
                               headers={**auth(key), "If-Match": '"0.0"'})
    assert stale.status_code == 412 and stale.json()["current_etag"] == etag
    ok = await client.patch(f"/v1/jobs/{job['id']}", json={"headcount": 4},
                            headers={**auth(key), "If-Match": etag})
    assert ok.status_code == 200 and ok.json()["headcount"] == 4
    assert ok.headers["etag"] != etag
    again = await client.patch(f"/v1/jobs/{job['id']}", json={"headcount": 5},
                               headers={**auth(key), "If-Match": etag})
    assert again.status_code == 412


async def test_patch_rescreens_and_close_cancel_transitions(client, world):
    _eid, key = await world.employer()
    job = await world.job(key)
    r = await client.patch(f"/v1/jobs/{job['id']}", json={"description": "需交押金"},
                           headers=auth(key))
    assert r.status_code == 422 and r.json()["reason"] == "fee_requested"
    r = await client.post(f"/v1/jobs/{job['id']}/close", headers=auth(key))
    assert r.status_code == 200 and r.json()["status"] == "closed"
    r = await client.post(f"/v1/jobs/{job['id']}/close", headers=auth(key))
    assert r.status_code == 409 and r.json()["current_status"] == "closed"
    r = await client.patch(f"/v1/jobs/{job['id']}", json={"headcount": 3}, headers=auth(key))
    assert r.status_code == 409
    other = await world.job(key)
    r = await client.post(f"/v1/jobs/{other['id']}/cancel", headers=auth(key))
    assert r.status_code == 200 and r.json()["status"] == "cancelled"


async def test_job_events_are_written_with_the_change(client, world, app):
    _eid, key = await world.employer()
    job = await world.job(key)
    async with app.state.sessionmaker() as session:
        types = list(await session.scalars(
            select(Event.type).where(Event.resource_type == "job", Event.resource_id == job["id"])
        ))
    assert types == ["job.created"]


async def test_list_filters(client, world):
    employer_id, key = await world.employer()
    cleaner = await world.job(key, skills=["保洁"], urgent=True)
    far = {"lat": 30.8078, "lng": 108.3802, "address": "万州区高笋塘", "district_code": "500101"}
    driver = await world.job(key, skills=["网约车司机"], location=far, employment_type="part_time",
                             starts_at=in_days(12), ends_at=in_days(12, 17))
    base = {"employer_id": employer_id}

    async def ids(**params):
        r = await client.get("/v1/jobs", params={**base, **params}, headers=auth(key))
        assert r.status_code == 200, r.text
        return {j["id"] for j in r.json()["items"]}

    assert await ids() == {cleaner["id"], driver["id"]}
    assert await ids(district_code="500101") == {driver["id"]}
    assert await ids(skill="清洁工") == {cleaner["id"]}
    assert await ids(skill="housekeeping.cleaner") == {cleaner["id"]}
    assert await ids(urgent="true") == {cleaner["id"]}
    assert await ids(employment_type="part_time") == {driver["id"]}
    assert await ids(near="29.5630,106.5516", radius_km=5) == {cleaner["id"]}
    assert await ids(near="30.80,108.38", radius_km=5) == {driver["id"]}
    assert await ids(starts_after=in_days(10)) == {driver["id"]}
    assert await ids(status="closed") == set()
    r = await client.get("/v1/jobs", params={"skill": "量子计算机调音师"}, headers=auth(key))
    assert r.status_code == 422 and r.json()["errors"][0]["parameter"] == "skill"


async def test_expire_sweep_moves_ended_jobs(app, world):
    from datetime import UTC, datetime, timedelta

    from app.jobs.models import Job
    from app.jobs.service import expire_ended_jobs

    _eid, key = await world.employer()
    job = await world.job(key)
    async with app.state.sessionmaker() as session:
        row = await session.get(Job, job["id"])
        row.ends_at = datetime.now(UTC) - timedelta(minutes=1)
        row.starts_at = row.ends_at - timedelta(hours=2)
        await session.commit()
    async with app.state.sessionmaker() as session:
        assert await expire_ended_jobs(session) >= 1
        await session.commit()
        assert (await session.get(Job, job["id"])).status == "expired"
        count = await session.scalar(select(func.count()).select_from(Job).where(
            Job.status == "open", Job.ends_at <= datetime.now(UTC)))
        assert count == 0


async def test_verifying_the_employer_publishes_its_held_postings_after_screening(
    client, world, app
):
    admin = auth(await world.admin())
    employer_id, key = await world.employer(verified=False)
    good = await world.job(key, title=f"小时工保洁{unique()}")
    bad = await world.job(key, title=f"仓库分拣{unique()}",
                          location={"lat": 29.60, "lng": 106.50, "address": "江北区某仓库",
                                    "district_code": "500105"})
    assert good["status"] == bad["status"] == "pending_review"
    # The screening rules changed while it waited: the held text now asks for a deposit.
    async with app.state.sessionmaker() as session:
        await session.execute(
            Job.__table__.update().where(Job.id == bad["id"])
            .values(description="入职需交押金200元。")
        )
        await session.commit()
    r = await client.post(f"/v1/employers/{employer_id}/verification",
                          json={"status": "verified"}, headers=admin)
    assert r.status_code == 200, r.text
    r = await client.get(f"/v1/jobs/{good['id']}", headers=auth(key))
    assert r.json()["status"] == "open" and r.json()["published_at"], r.text
    r = await client.get(f"/v1/jobs/{bad['id']}", headers=auth(key))
    assert r.json()["status"] == "rejected", r.text
    assert "fee_requested" in r.json()["review_note"] and "押金" in r.json()["review_note"]
    async with app.state.sessionmaker() as session:
        types = {
            row.resource_id: row.type for row in await session.execute(
                select(Event.resource_id, Event.type).where(
                    Event.resource_type == "job", Event.resource_id.in_([good["id"], bad["id"]]),
                    Event.type.in_(("job.approved", "job.rejected")),
                )
            )
        }
    assert types == {good["id"]: "job.approved", bad["id"]: "job.rejected"}
    # A worker sees the published one now.
    worker_key = (await world.worker())[1]
    assert (await client.get(f"/v1/jobs/{good['id']}", headers=auth(worker_key))).status_code == 200


async def test_rejecting_the_employer_rejects_its_held_postings(client, world):
    employer_id, key = await world.employer(verified=False)
    job = await world.job(key)
    r = await client.post(f"/v1/employers/{employer_id}/verification",
                          json={"status": "rejected", "note": "营业执照无效"},
                          headers=auth(await world.admin()))
    assert r.status_code == 200, r.text
    r = await client.get(f"/v1/jobs/{job['id']}", headers=auth(key))
    assert r.json()["status"] == "rejected" and "employer_rejected" in r.json()["review_note"]
