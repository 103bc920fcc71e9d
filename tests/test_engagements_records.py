"""Ratings, worker reliability, employer credit and the work records of item 十六."""

from datetime import timedelta

from sqlalchemy import select

from app.engagements.scoring import (
    EmployerRecord,
    WorkerRecord,
    employer_credit,
    worker_reliability,
)
from app.engagements.sweeps import engagement_housekeeping
from app.workers.models import Worker
from tests.conftest import auth
from tests.engagements_fixtures import (  # noqa: F401 - clock_fixture is the clock
    clock_fixture,
    hire,
    offer_and_accept,
    shanghai,
    work,
)

START = shanghai(1, 9)


async def stored_reliability(app, worker_id: int) -> float:
    async with app.state.sessionmaker() as session:
        return await session.scalar(select(Worker.reliability).where(Worker.id == worker_id))


def test_scores_start_neutral_and_move_with_the_record():
    assert worker_reliability(WorkerRecord()) == 0.5
    assert employer_credit(EmployerRecord()) == 0.5
    no_show = worker_reliability(WorkerRecord(no_shows=1))
    late = worker_reliability(WorkerRecord(late_cancellations=1))
    good = worker_reliability(WorkerRecord(completed=1, ratings_count=1, ratings_total=5))
    assert no_show < late < 0.5 < good < 1
    assert worker_reliability(WorkerRecord(completed=50)) > 0.8
    assert employer_credit(EmployerRecord(in_arrears=1, arrears_fen=24000)) < 0.5
    assert employer_credit(EmployerRecord(settled=5, kept=5)) > 0.5


async def test_reliability_drops_with_a_no_show_found_by_the_sweep(client, world, app):
    h = await hire(world, start=START)
    worker_id = h.worker["id"]
    assert await stored_reliability(app, worker_id) == 0.5
    r = await client.get(f"/v1/workers/{worker_id}/reliability", headers=auth(h.employer_key))
    assert r.status_code == 200 and r.json()["reliability"] == 0.5

    # Within the grace period the sweep leaves the hire alone; after it, a no-show.
    swept = await engagement_housekeeping(app.state.sessionmaker, app.state.settings,
                                          now=START + timedelta(minutes=30))
    r = await client.get(h.url, headers=auth(h.worker_key))
    assert r.json()["status"] == "hired"
    swept = await engagement_housekeeping(app.state.sessionmaker, app.state.settings,
                                          now=START + timedelta(minutes=61))
    assert swept["no_shows"] >= 1
    r = await client.get(h.url, headers=auth(h.worker_key))
    assert r.json()["status"] == "no_show"
    after_one = await stored_reliability(app, worker_id)
    assert after_one < 0.5
    assert after_one == worker_reliability(WorkerRecord(no_shows=1))
    r = await client.get(f"/v1/workers/{worker_id}/reliability", headers=auth(h.worker_key))
    assert r.json() | {"reliability": None} == {
        "worker_id": worker_id, "reliability": None, "completed": 0, "no_shows": 1,
        "late_cancellations": 0, "ratings_count": 0, "rating_average": None}

    # A second no-show lowers it further.
    second = await hire(world, start=START + timedelta(days=1))
    worker2 = second.worker["id"]
    job2 = await world.job(second.employer_key, title="第二份搬运工作", **{
        "starts_at": (START + timedelta(days=3)).isoformat(),
        "ends_at": (START + timedelta(days=3, hours=8)).isoformat()})
    await offer_and_accept(client, second.employer_key, job2["id"], worker_id, h.worker_key)
    await engagement_housekeeping(app.state.sessionmaker, app.state.settings,
                                  now=START + timedelta(days=3, hours=2))
    after_two = await stored_reliability(app, worker_id)
    assert after_two < after_one
    assert await stored_reliability(app, worker2) < 0.5  # the sweep caught it too


async def test_reliability_counts_late_cancellations_and_completed_work(client, world, app,
                                                                        clock):
    early = await hire(world, start=START)
    clock.set(START - timedelta(hours=10))
    await client.post(f"{early.url}/cancel", json={}, headers=auth(early.worker_key))
    assert await stored_reliability(app, early.worker["id"]) == 0.5  # in good time: no harm

    late = await hire(world, start=START)
    clock.set(START - timedelta(hours=3))
    r = await client.post(f"{late.url}/cancel", json={}, headers=auth(late.worker_key))
    assert r.json()["late_cancellation"] is True
    assert await stored_reliability(app, late.worker["id"]) == worker_reliability(
        WorkerRecord(late_cancellations=1))

    clock.now = None
    done = await hire(world, start=START)
    await work(client, done, clock)
    assert await stored_reliability(app, done.worker["id"]) == worker_reliability(
        WorkerRecord(completed=1))


async def test_both_sides_rate_after_completion_once(client, world, app, clock):
    h = await hire(world, start=START)
    r = await client.post(f"{h.url}/ratings", json={"score": 5}, headers=auth(h.worker_key))
    assert r.status_code == 409 and r.json()["current_status"] == "hired"
    await work(client, h, clock)
    r = await client.post(f"{h.url}/ratings", json={"score": 6}, headers=auth(h.worker_key))
    assert r.status_code == 422
    r = await client.post(f"{h.url}/ratings", json={"score": 2, "comment": "工钱拖了两天"},
                          headers=auth(h.worker_key))
    assert r.status_code == 201, r.text
    r = await client.post(f"{h.url}/ratings", json={"score": 3}, headers=auth(h.worker_key))
    assert r.status_code == 409
    r = await client.post(f"{h.url}/ratings", json={"score": 5, "comment": "踏实肯干"},
                          headers=auth(h.employer_key))
    assert r.status_code == 201
    ratings = {x["rater"]: (x["score"], x["comment"]) for x in r.json()["ratings"]}
    assert ratings == {"worker": (2, "工钱拖了两天"), "employer": (5, "踏实肯干")}
    assert await stored_reliability(app, h.worker["id"]) == worker_reliability(
        WorkerRecord(completed=1, ratings_count=1, ratings_total=5))
    r = await client.post(f"{h.url}/ratings", json={"score": 5},
                          headers=auth(await world.admin()))
    assert r.status_code == 403

    r = await client.get(f"/v1/employers/{h.employer_id}/credit", headers=auth(h.worker_key))
    assert r.status_code == 200
    credit = r.json()
    assert credit["ratings_count"] == 1 and credit["rating_average"] == 2.0
    assert credit["credit"] == employer_credit(EmployerRecord(kept=1, ratings_count=1,
                                                              ratings_total=2))


async def test_employer_credit_shows_arrears(client, world, clock):
    h = await hire(world, start=START)
    await work(client, h, clock)
    clock.set(START + timedelta(days=2))
    r = await client.get(f"/v1/employers/{h.employer_id}/credit", headers=auth(h.employer_key))
    credit = r.json()
    assert credit["in_arrears"] == 1 and credit["arrears_fen"] == 24000
    assert credit["credit"] < 0.5
    _other, other_key = await world.employer()
    r = await client.get(f"/v1/employers/{h.employer_id}/credit", headers=auth(other_key))
    assert r.status_code == 404


async def test_work_records_for_item_16(client, world, clock):
    h = await hire(world, start=START, injury_protection=True, employment_type="part_time",
                   wage={"amount": 2800, "unit": "hour", "settlement": "weekly"})
    assert h.job["injury_protection"] is True
    await work(client, h, clock, minutes=270)
    await client.post(f"{h.url}/payments", json={"amount": 5000, "method": "alipay"},
                      headers=auth(h.employer_key))
    clock.now = None
    other = await hire(world, start=START + timedelta(days=2))
    r = await client.get(f"/v1/workers/{h.worker['id']}/work-records",
                         headers=auth(h.worker_key))
    assert r.status_code == 200, r.text
    [record] = r.json()["items"]
    assert record == record | {
        "engagement_id": h.id, "job_id": h.job["id"], "employer_id": h.employer_id,
        "employment_type": "part_time", "agreement_type": "part_time_contract",
        "injury_protection": True, "status": "completed",
        "start_date": START.date().isoformat(), "end_date": START.date().isoformat(),
        "hours": 4.5, "pieces": None,
        "wage": {"amount": 2800, "unit": "hour", "settlement": "weekly"},
        "due_fen": 12600, "paid_fen": 5000, "outstanding_fen": 7600,
        "payment_status": "partially_paid",
    }
    assert record["employer_name"].startswith("重庆测试家政服务有限公司")
    # Another worker's records are not for this worker, nor for a stranger employer.
    r = await client.get(f"/v1/workers/{h.worker['id']}/work-records",
                         headers=auth(other.worker_key))
    assert r.status_code == 404
    r = await client.get(f"/v1/workers/{h.worker['id']}/work-records",
                         headers=auth(other.employer_key))
    assert r.json()["items"] == []
    r = await client.get(f"/v1/workers/{h.worker['id']}/work-records",
                         headers=auth(h.employer_key))
    assert [x["engagement_id"] for x in r.json()["items"]] == [h.id]
