"""Attendance and pay rules (issue 12 item 12): paid time starts at the shift, impossible
check-outs are refused, 0-minute completions leave reliability alone, and an open dispute
keeps its contested wages outstanding."""

from datetime import timedelta

from sqlalchemy import select

from app.engagements import pay
from app.workers.models import Worker
from tests.conftest import auth
from tests.engagements_fixtures import (  # noqa: F401 - clock_fixture is the clock
    clock_fixture,
    hire,
    shanghai,
    work,
)

START = shanghai(1, 9)


async def _check_in(client, h, clock, at):
    clock.set(at)
    r = await client.post(f"{h.url}/check-in", json={}, headers=auth(h.worker_key))
    assert r.status_code == 200, r.text


async def test_minutes_count_from_the_shift_start_not_an_early_check_in(client, world, clock):
    h = await hire(world, start=START)
    await _check_in(client, h, clock, START - timedelta(minutes=90))
    clock.set(START + timedelta(hours=2))
    r = await client.post(f"{h.url}/check-out", json={}, headers=auth(h.worker_key))
    assert r.status_code == 200, r.text
    assert r.json()["hours"]["worked_minutes"] == 120
    assert r.json()["wages"]["due_fen"] == 2 * 3000


async def test_check_out_before_the_job_starts_is_refused(client, world, clock):
    h = await hire(world, start=START)
    await _check_in(client, h, clock, START - timedelta(minutes=60))
    clock.set(START - timedelta(minutes=20))
    r = await client.post(f"{h.url}/check-out", json={}, headers=auth(h.worker_key))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["pointer"] == "/at"
    r = await client.get(h.url, headers=auth(h.worker_key))
    assert r.json()["status"] == "checked_in"  # nothing half-written


async def test_check_out_seconds_after_check_in_is_refused(client, world, clock):
    h = await hire(world, start=START)
    await _check_in(client, h, clock, START + timedelta(minutes=10))
    clock.set(START + timedelta(minutes=10, seconds=40))
    r = await client.post(f"{h.url}/check-out", json={}, headers=auth(h.worker_key))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["pointer"] == "/at"
    clock.set(START + timedelta(minutes=16))
    r = await client.post(f"{h.url}/check-out", json={}, headers=auth(h.worker_key))
    assert r.status_code == 200, r.text
    assert r.json()["hours"]["worked_minutes"] == 6


def test_work_start_is_the_later_of_check_in_and_its_shift():
    day = timedelta(days=1)
    shifts = [(START, START + timedelta(hours=8)), (START + day, START + day + timedelta(hours=8))]
    assert pay.work_start(START - timedelta(hours=1), shifts) == START
    assert pay.work_start(START + timedelta(hours=1), shifts) == START + timedelta(hours=1)
    # After the first shift ended, the check-in is for the next one.
    assert pay.work_start(START + timedelta(hours=20), shifts) == START + day


async def _reliability(app, worker_id: int) -> float:
    async with app.state.sessionmaker() as session:
        return await session.scalar(select(Worker.reliability).where(Worker.id == worker_id))


async def test_a_zero_minute_completion_leaves_reliability_alone(client, world, app, clock):
    h = await hire(world, start=START)
    await work(client, h, clock, minutes=480, confirm=False)
    r = await client.post(f"{h.url}/hours", json={"decision": "dispute", "minutes": 0,
                                                  "reason": "未实际到岗"},
                          headers=auth(h.employer_key))
    assert r.status_code == 200, r.text
    dispute_id = r.json()["disputes"][0]["id"]
    r = await client.post(f"{h.url}/disputes/{dispute_id}/resolve", json={"note": "认可"},
                          headers=auth(h.worker_key))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "completed" and r.json()["hours"]["confirmed_minutes"] == 0
    assert await _reliability(app, h.worker["id"]) == 0.5
    r = await client.get(f"/v1/workers/{h.worker['id']}/reliability", headers=auth(h.worker_key))
    assert r.json()["completed"] == 0


async def test_open_dispute_keeps_the_contested_wages_outstanding(client, world, clock):
    h = await hire(world, start=START)
    await work(client, h, clock, minutes=480, confirm=False)
    e = auth(h.employer_key)
    r = await client.post(f"{h.url}/hours", json={"decision": "dispute", "minutes": 360,
                                                  "reason": "午休两小时"}, headers=e)
    assert r.status_code == 200, r.text
    r = await client.post(f"{h.url}/payments", json={"amount": 18000, "method": "wechat"},
                          headers=e)
    assert r.status_code == 201, r.text
    wages = r.json()["wages"]
    assert wages["payment_status"] == "disputed"
    assert wages["disputed_fen"] == 6000 and wages["outstanding_fen"] == 6000
    r = await client.get(f"/v1/workers/{h.worker['id']}/work-records",
                         headers=auth(h.worker_key))
    [record] = r.json()["items"]
    assert record["payment_status"] == "disputed" and record["outstanding_fen"] == 6000

    # Past the due date the contested part is in the arrears report.
    clock.set(START + timedelta(days=2))
    r = await client.get("/v1/reports/wage-arrears", params={"employer_id": h.employer_id},
                         headers=auth(await world.admin()))
    assert r.status_code == 200, r.text
    [item] = r.json()["items"]
    assert item["engagement_id"] == h.id
    assert item["disputed_fen"] == 6000 and item["outstanding_fen"] == 6000

    # Settled: the worker accepts; nothing is contested any more and it is paid.
    dispute_id = (await client.get(h.url, headers=e)).json()["disputes"][0]["id"]
    r = await client.post(f"{h.url}/disputes/{dispute_id}/resolve", json={},
                          headers=auth(h.worker_key))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "paid"
    wages = r.json()["wages"]
    assert wages["payment_status"] == "paid" and wages["disputed_fen"] == 0
    assert wages["outstanding_fen"] == 0


def test_payment_status_is_never_paid_during_a_dispute():
    assert pay.payment_status(18000, 18000, 6000, in_dispute=True) == "disputed"
    assert pay.payment_status(18000, 10000, 6000, in_dispute=True) == "partially_paid"
    assert pay.payment_status(0, 0, 6000, in_dispute=True) == "disputed"
    assert pay.payment_status(18000, 18000) == "paid"
    assert pay.outstanding_fen(18000, 18000, 6000) == 6000
