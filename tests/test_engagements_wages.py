"""Attendance, hours disputes, pay due, settlement due dates, payments and the arrears report."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.engagements import pay
from app.engagements.pay import SettlementRules, due_date, pay_due
from app.engagements.sweeps import engagement_housekeeping
from app.events.models import Event
from tests.conftest import auth
from tests.engagements_fixtures import (  # noqa: F401 - clock_fixture is the clock
    clock_fixture,
    events_for,
    hire,
    shanghai,
    work,
)

START = shanghai(1, 9)
JOB_LAT, JOB_LNG = 29.5630, 106.5516
LOCATION = {"lat": JOB_LAT, "lng": JOB_LNG, "address": "渝中区解放碑步行街8号",
            "district_code": "500103"}


# ---- attendance ----------------------------------------------------------------------------

async def test_check_in_far_from_the_job_is_flagged_not_refused(client, world, app, clock):
    near = await hire(world, start=START, location=LOCATION)
    far = await hire(world, start=START, location=LOCATION, title="搬运工临时")
    clock.set(START + timedelta(minutes=2))
    # ~111 m north: inside 500 m.
    r = await client.post(f"{near.url}/check-in",
                          json={"location": {"lat": JOB_LAT + 0.001, "lng": JOB_LNG}},
                          headers=auth(near.worker_key))
    assert r.status_code == 200, r.text
    check_in = r.json()["check_in"]
    assert check_in["flagged"] is False and 100 < check_in["distance_m"] < 125
    # ~2.2 km north: recorded and flagged.
    r = await client.post(f"{far.url}/check-in",
                          json={"location": {"lat": JOB_LAT + 0.02, "lng": JOB_LNG}},
                          headers=auth(far.worker_key))
    assert r.status_code == 200, r.text
    check_in = r.json()["check_in"]
    assert r.json()["status"] == "checked_in"
    assert check_in["flagged"] is True and 2000 < check_in["distance_m"] < 2400
    async with app.state.sessionmaker() as session:
        event = await session.scalar(
            select(Event).where(Event.type == "engagement.checked_in", Event.resource_id == far.id)
        )
    assert event.data["flagged"] is True


async def test_check_in_without_location_is_recorded_unflagged(client, world, clock):
    h = await hire(world, start=START)
    clock.set(START)
    r = await client.post(f"{h.url}/check-in", headers=auth(h.worker_key))
    assert r.status_code == 200, r.text
    assert r.json()["check_in"]["distance_m"] is None and r.json()["check_in"]["flagged"] is False


async def test_flag_distance_is_configurable(client, world, app, clock):
    h = await hire(world, start=START, location=LOCATION)
    settings = app.state.settings
    original = settings.check_in_flag_distance_m
    settings.check_in_flag_distance_m = 50.0
    try:
        clock.set(START)
        r = await client.post(f"{h.url}/check-in",
                              json={"location": {"lat": JOB_LAT + 0.001, "lng": JOB_LNG}},
                              headers=auth(h.worker_key))
    finally:
        settings.check_in_flag_distance_m = original
    assert r.json()["check_in"]["flagged"] is True


# ---- hours ---------------------------------------------------------------------------------

async def test_hours_dispute_is_recorded_then_accepted_by_the_worker(client, world, app, clock):
    h = await hire(world, start=START)
    body = await work(client, h, clock, minutes=480, confirm=False)
    assert body["wages"]["due_fen"] == 24000
    e = auth(h.employer_key)
    r = await client.post(f"{h.url}/hours", json={"decision": "dispute", "minutes": 360},
                          headers=e)
    assert r.status_code == 422  # a dispute gives a reason
    r = await client.post(f"{h.url}/hours", json={"decision": "dispute", "minutes": 360,
                                                  "reason": "两小时午休未扣除"}, headers=e)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "checked_out" and body["hours"]["status"] == "disputed"
    [dispute] = body["disputes"]
    assert dispute["status"] == "open" and dispute["claimed_minutes"] == 480
    assert dispute["proposed_minutes"] == 360 and dispute["reason"] == "两小时午休未扣除"
    # Until resolved, the employer owes at least what it proposed.
    assert body["wages"]["due_fen"] == 18000

    r = await client.post(f"{h.url}/hours", json={"decision": "dispute", "minutes": 300,
                                                  "reason": "again"}, headers=e)
    assert r.status_code == 409 and r.json()["dispute_id"] == dispute["id"]
    resolve = f"{h.url}/disputes/{dispute['id']}/resolve"
    r = await client.post(resolve, json={"minutes": 470}, headers=auth(h.worker_key))
    assert r.status_code == 403  # the worker accepts; only admins set other figures
    r = await client.post(resolve, json={}, headers=e)
    assert r.status_code == 403

    r = await client.post(resolve, json={"note": "同意"}, headers=auth(h.worker_key))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "completed" and body["hours"]["confirmed_minutes"] == 360
    assert body["wages"]["due_fen"] == 18000
    assert body["disputes"][0]["resolution"] == "worker_accepted"
    assert body["disputes"][0]["resolved_minutes"] == 360
    assert await events_for(app, "engagement", h.id) == [
        "engagement.hired", "engagement.checked_in", "engagement.checked_out",
        "engagement.hours_disputed", "engagement.dispute_resolved", "engagement.completed",
    ]
    r = await client.post(resolve, json={}, headers=auth(h.worker_key))
    assert r.status_code == 409


async def test_admin_decides_a_dispute_and_employer_may_withdraw_one(client, world, clock):
    admin = auth(await world.admin())
    h = await hire(world, start=START)
    await work(client, h, clock, minutes=480, confirm=False)
    r = await client.post(f"{h.url}/hours", json={"decision": "dispute", "minutes": 240,
                                                  "reason": "早退"}, headers=auth(h.employer_key))
    dispute_id = r.json()["disputes"][0]["id"]
    r = await client.post(f"{h.url}/disputes/{dispute_id}/resolve",
                          json={"minutes": 420, "note": "调解结果"}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["hours"]["confirmed_minutes"] == 420
    assert r.json()["disputes"][0]["resolution"] == "admin_decided"
    assert r.json()["wages"]["due_fen"] == 21000

    clock.now = None
    h2 = await hire(world, start=START)
    await work(client, h2, clock, minutes=480, confirm=False)
    r = await client.post(f"{h2.url}/hours", json={"decision": "dispute", "minutes": 240,
                                                   "reason": "早退"},
                          headers=auth(h2.employer_key))
    r = await client.post(f"{h2.url}/hours", json={"decision": "confirm"},
                          headers=auth(h2.employer_key))
    assert r.status_code == 200
    assert r.json()["hours"]["confirmed_minutes"] == 480
    assert r.json()["disputes"][0]["resolution"] == "employer_confirmed"


# ---- pay due -------------------------------------------------------------------------------

@pytest.mark.parametrize(("unit", "amount", "minutes", "pieces", "expected"), [
    ("hour", 3000, 480, None, 24000),
    ("hour", 2500, 61, None, 2542),  # 2541.67 rounds half up
    ("hour", 2500, 0, None, 0),
    ("day", 20000, 480, None, 20000),
    ("day", 20000, 3 * 1440 - 60, None, 60000),  # a three-day attendance
    ("month", 300000, 480, None, 10000),  # one day of 30
    ("piece", 150, 480, 37, 5550),
    ("piece", 150, 480, None, 0),
])
def test_pay_due_by_unit(unit, amount, minutes, pieces, expected):
    assert pay_due(unit, amount, minutes, pieces) == expected


# 2026-12-02 is a Wednesday.
WORKED = date(2026, 12, 2)


@pytest.mark.parametrize(("settlement", "rules", "job_end", "expected"), [
    ("daily", SettlementRules(), WORKED, date(2026, 12, 2)),
    ("daily", SettlementRules(daily_days=1), WORKED, date(2026, 12, 3)),
    ("weekly", SettlementRules(), WORKED, date(2026, 12, 6)),  # Sunday
    ("weekly", SettlementRules(weekly_weekday=5), WORKED, date(2026, 12, 4)),  # Friday
    ("weekly", SettlementRules(weekly_weekday=3), WORKED, date(2026, 12, 2)),  # that Wednesday
    ("monthly", SettlementRules(), WORKED, date(2026, 12, 31)),
    ("monthly", SettlementRules(monthly_day=10), WORKED, date(2027, 1, 10)),
    ("on_completion", SettlementRules(), date(2026, 12, 20), date(2026, 12, 20)),
    ("on_completion", SettlementRules(on_completion_days=3), WORKED, date(2026, 12, 5)),
])
def test_due_date_by_settlement_rule(settlement, rules, job_end, expected):
    assert due_date(settlement, WORKED, job_end, rules) == expected


def test_due_dates_are_shanghai_days():
    from datetime import UTC, datetime

    # 17:30 UTC on 1 Dec is 01:30 on 2 Dec in Chongqing.
    assert pay.shanghai_date(datetime(2026, 12, 1, 17, 30, tzinfo=UTC)) == date(2026, 12, 2)
    assert pay.days_overdue(date(2026, 12, 2), date(2026, 12, 2)) == 0
    assert pay.days_overdue(date(2026, 12, 2), date(2026, 12, 5)) == 3


@pytest.mark.parametrize("settlement", ["daily", "weekly", "monthly", "on_completion"])
async def test_engagement_due_date_follows_the_jobs_settlement(client, world, clock, settlement):
    h = await hire(world, start=START,
                   wage={"amount": 25000, "unit": "day", "settlement": settlement})
    body = await work(client, h, clock, minutes=300)
    worked = START.date()
    expected = due_date(settlement, worked, worked, SettlementRules())
    assert body["wages"]["due_date"] == expected.isoformat()
    assert body["wages"]["due_fen"] == 25000


async def test_piece_work_reports_pieces_at_check_out(client, world, clock):
    h = await hire(world, start=START, wage={"amount": 150, "unit": "piece",
                                             "settlement": "weekly"})
    clock.set(START)
    await client.post(f"{h.url}/check-in", json={}, headers=auth(h.worker_key))
    clock.set(START + timedelta(hours=4))
    r = await client.post(f"{h.url}/check-out", json={}, headers=auth(h.worker_key))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/pieces"
    r = await client.post(f"{h.url}/check-out", json={"pieces": 120}, headers=auth(h.worker_key))
    assert r.status_code == 200 and r.json()["wages"]["due_fen"] == 18000


# ---- payments ------------------------------------------------------------------------------

async def test_partial_payments_settle_the_engagement(client, world, app, clock):
    h = await hire(world, start=START)
    await work(client, h, clock, minutes=480)
    e = auth(h.employer_key)
    r = await client.post(f"{h.url}/payments", json={"amount": 10000, "method": "cash"}, headers=e)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "completed"
    assert (body["wages"]["paid_fen"], body["wages"]["outstanding_fen"]) == (10000, 14000)
    assert body["wages"]["payment_status"] == "partially_paid"
    r = await client.post(f"{h.url}/payments", json={"amount": 14001, "method": "wechat"},
                          headers=e)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/amount"
    r = await client.post(f"{h.url}/payments", json={"amount": 0, "method": "wechat"}, headers=e)
    assert r.status_code == 422
    r = await client.post(f"{h.url}/payments", json={"amount": 100, "method": "bitcoin"},
                          headers=e)
    assert r.status_code == 422
    r = await client.post(f"{h.url}/payments", json={"amount": 14000, "method": "bank_transfer",
                                                     "reference": "ICBC-778"}, headers=e)
    assert r.status_code == 201
    body = r.json()
    assert body["status"] == "paid" and body["wages"]["outstanding_fen"] == 0
    assert [(p["amount"], p["method"]) for p in body["payments"]] == [
        (10000, "cash"), (14000, "bank_transfer")]
    assert body["payments"][1]["reference"] == "ICBC-778"
    assert (await events_for(app, "engagement", h.id)).count("payment.recorded") == 2
    r = await client.post(f"{h.url}/payments", json={"amount": 1, "method": "cash"}, headers=e)
    assert r.status_code == 409 and r.json()["current_status"] == "paid"
    r = await client.post(f"{h.url}/payments", json={"amount": 1, "method": "cash"},
                          headers=auth(h.worker_key))
    assert r.status_code == 403


async def test_paying_before_the_hours_are_confirmed_settles_on_confirmation(
    client, world, clock
):
    h = await hire(world, start=START)
    await work(client, h, clock, minutes=480, confirm=False)
    e = auth(h.employer_key)
    r = await client.post(f"{h.url}/payments", json={"amount": 24000, "method": "wechat"},
                          headers=e)
    assert r.status_code == 201 and r.json()["status"] == "checked_out"
    r = await client.post(f"{h.url}/hours", json={"decision": "confirm"}, headers=e)
    assert r.json()["status"] == "paid"


# ---- arrears -------------------------------------------------------------------------------

async def _arrears(client, key, **params) -> dict:
    r = await client.get("/v1/reports/wage-arrears", params=params, headers=auth(key))
    assert r.status_code == 200, r.text
    return r.json()


async def test_unpaid_daily_wages_appear_in_arrears_the_day_after(client, world, app, clock):
    employer = await world.employer()
    unpaid = await hire(world, employer=employer, start=START, location=LOCATION)
    paid = await hire(world, employer=employer, start=START, title="装卸工日结")
    await work(client, unpaid, clock, minutes=480)
    clock.now = None
    await work(client, paid, clock, minutes=480)
    r = await client.post(f"{paid.url}/payments", json={"amount": 24000, "method": "cash"},
                          headers=auth(paid.employer_key))
    assert r.status_code == 201
    admin = await world.admin()

    clock.set(START + timedelta(hours=14))  # 23:00 the same day in Chongqing
    report = await _arrears(client, admin, employer_id=employer[0])
    assert report["items"] == [] and report["as_of_date"] == START.date().isoformat()

    clock.set(START + timedelta(hours=16))  # 01:00 the next day
    report = await _arrears(client, admin, employer_id=employer[0])
    assert [i["engagement_id"] for i in report["items"]] == [unpaid.id]
    item = report["items"][0]
    assert item["days_overdue"] == 1 and item["outstanding_fen"] == 24000
    assert item["due_date"] == START.date().isoformat() and item["settlement"] == "daily"
    assert report["total_count"] == 1 and report["total_outstanding_fen"] == 24000

    # Filters and scope: the district, the employer itself, not another employer, not a worker.
    assert (await _arrears(client, admin, employer_id=employer[0],
                           district_code="500103"))["total_count"] == 1
    assert (await _arrears(client, admin, employer_id=employer[0],
                           district_code="500112"))["items"] == []
    own = await _arrears(client, employer[1])
    assert [i["engagement_id"] for i in own["items"]] == [unpaid.id]
    _other_id, other_key = await world.employer()
    assert (await _arrears(client, other_key, employer_id=employer[0]))["items"] == []
    r = await client.get("/v1/reports/wage-arrears", headers=auth(unpaid.worker_key))
    assert r.status_code == 403

    # A partial payment leaves it in arrears with the rest; paying the rest clears it.
    clock.set(START + timedelta(days=3))
    r = await client.post(f"{unpaid.url}/payments", json={"amount": 20000, "method": "cash"},
                          headers=auth(unpaid.employer_key))
    report = await _arrears(client, employer[1])
    assert report["items"][0]["outstanding_fen"] == 4000
    assert report["items"][0]["days_overdue"] == 3
    await client.post(f"{unpaid.url}/payments", json={"amount": 4000, "method": "cash"},
                      headers=auth(unpaid.employer_key))
    assert (await _arrears(client, employer[1]))["items"] == []


async def test_unconfirmed_hours_still_count_and_overdue_raises_one_event(
    client, world, app, clock
):
    h = await hire(world, start=START)
    await work(client, h, clock, minutes=240, confirm=False)
    later = START + timedelta(days=2)
    clock.set(later)
    report = await _arrears(client, h.employer_key)
    assert [i["engagement_id"] for i in report["items"]] == [h.id]
    assert report["items"][0]["status"] == "checked_out"
    for _ in range(2):
        swept = await engagement_housekeeping(app.state.sessionmaker, app.state.settings,
                                              now=later)
        assert swept["wages_overdue"] >= 0
    assert (await events_for(app, "engagement", h.id)).count("wage.overdue") == 1
    async with app.state.sessionmaker() as session:
        event = await session.scalar(
            select(Event).where(Event.type == "wage.overdue", Event.resource_id == h.id)
        )
    assert event.data["outstanding_fen"] == 12000 and event.data["days_overdue"] == 2
    assert event.employer_id == h.employer_id and event.worker_id == h.worker["id"]
