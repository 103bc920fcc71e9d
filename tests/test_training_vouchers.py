"""Item 十二's 满天星 vouchers: eligibility as data, one per year, expiry, cancel and re-issue,
and the quota and single redemption held under concurrent requests from several app instances
(each with its own engine, as separate API processes would be)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

from sqlalchemy import func, select

from app.db import utcnow
from app.training.models import Enrolment, Voucher, VoucherProgramme
from tests.conftest import auth
from tests.test_engagements_concurrency import INSTANCES, InFlight, instances
from tests.training_fixtures import course, institution

_years = itertools.count(2061)


async def programme(client, admin: str, *, quota: int = 10_000, **rules) -> int:
    year = next(_years)
    r = await client.put(f"/v1/training/voucher-programmes/{year}",
                         json={"quota": quota, "rules": rules}, headers=auth(admin))
    assert r.status_code == 200, r.text
    return year


async def test_default_quota_and_rules_are_admin_set(world, client):
    admin = await world.admin()
    year = next(_years)
    r = await client.put(f"/v1/training/voucher-programmes/{year}", json={}, headers=auth(admin))
    assert r.status_code == 200
    body = r.json()
    assert body["quota"] == 10_000 and body["remaining"] == 10_000
    assert body["rules"]["per_worker"] == 1
    _m, market = await world.market()
    r = await client.put(f"/v1/training/voucher-programmes/{year}", json={"quota": 5},
                         headers=auth(market))
    assert r.status_code == 403
    r = await client.put(f"/v1/training/voucher-programmes/{year}", json={"quota": -1},
                         headers=auth(admin))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/quota"


async def test_eligibility_rules_and_one_per_year(world, client):
    admin = await world.admin()
    year = await programme(client, admin, target_groups=["age_4050", "poverty_alleviated"])
    outsider, outsider_key = await world.worker(target_groups=[])
    r = await client.post("/v1/training/vouchers", json={"worker_id": outsider["id"], "year": year},
                          headers=auth(outsider_key))
    assert r.status_code == 409 and r.json()["type"] == "/problems/voucher-not-eligible"
    worker, wkey = await world.worker(target_groups=["age_4050"])
    r = await client.post("/v1/training/vouchers", json={"worker_id": worker["id"], "year": year},
                          headers=auth(wkey))
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["status"] == "issued"
    r = await client.post("/v1/training/vouchers", json={"worker_id": worker["id"], "year": year},
                          headers=auth(admin))
    assert r.status_code == 409 and r.json()["type"] == "/problems/voucher-not-eligible"
    # The rules may allow two a year.
    r = await client.put(f"/v1/training/voucher-programmes/{year}", json={
        "rules": {"target_groups": ["age_4050"], "per_worker": 2}}, headers=auth(admin))
    assert r.status_code == 200 and r.json()["issued_count"] == 1
    r = await client.post("/v1/training/vouchers", json={"worker_id": worker["id"], "year": year},
                          headers=auth(admin))
    assert r.status_code == 201
    # An inactive worker is not eligible while registered_only holds.
    other, okey = await world.worker(target_groups=["age_4050"])
    await client.post(f"/v1/workers/{other['id']}/deactivate", headers=auth(okey))
    r = await client.post("/v1/training/vouchers", json={"worker_id": other["id"], "year": year},
                          headers=auth(admin))
    assert r.status_code == 409 and r.json()["type"] == "/problems/voucher-not-eligible"
    # Another worker may not claim for someone else.
    r = await client.post("/v1/training/vouchers", json={"worker_id": worker["id"], "year": year},
                          headers=auth(outsider_key))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/worker_id"


async def test_redeem_rules_expiry_cancel_and_reissue(world, client, app):
    admin = await world.admin()
    year = await programme(client, admin, quota=2, validity_days=30)
    _i, inst_key = await institution(world)
    online = await course(world, inst_key)
    offline = await course(world, inst_key, delivery="offline", district_code="500103")
    _u, unlisted_key = await institution(world, voucher_eligible=False)
    unlisted = await course(world, unlisted_key)
    worker, wkey = await world.worker()
    r = await client.post("/v1/training/vouchers", json={"worker_id": worker["id"], "year": year},
                          headers=auth(wkey))
    voucher = r.json()
    url = f"/v1/training/vouchers/{voucher['id']}"
    for c in (offline, unlisted):
        r = await client.post(f"{url}/redeem", json={"course_id": c["id"]}, headers=auth(wkey))
        assert r.status_code == 409, r.text
        assert r.json()["type"] == "/problems/course-not-voucher-eligible"
    _o, other_key = await world.worker()
    r = await client.post(f"{url}/redeem", json={"course_id": online["id"]},
                          headers=auth(other_key))
    assert r.status_code == 404
    # Past its expiry the voucher reads as expired and cannot be used.
    app.state.clock = lambda: utcnow() + timedelta(days=31)
    try:
        r = await client.get(url, headers=auth(wkey))
        assert r.json()["status"] == "expired"
        r = await client.post(f"{url}/redeem", json={"course_id": online["id"]},
                              headers=auth(wkey))
        assert r.status_code == 409 and r.json()["type"] == "/problems/voucher-unusable"
        # Re-issued: the expired one is cancelled, the new one takes its quota place.
        r = await client.post(f"{url}/reissue", headers=auth(admin))
        assert r.status_code == 201, r.text
        new = r.json()
        assert new["replaces_voucher_id"] == voucher["id"] and new["status"] == "issued"
        r = await client.post(f"{url}/reissue", headers=auth(admin))
        assert r.status_code == 409
    finally:
        app.state.clock = None
    r = await client.get(f"/v1/training/voucher-programmes/{year}", headers=auth(admin))
    assert r.json()["issued_count"] == 1
    new_url = f"/v1/training/vouchers/{new['id']}"
    r = await client.post(f"{new_url}/redeem", json={"course_id": online["id"]},
                          headers=auth(wkey))
    assert r.status_code == 200 and r.json()["status"] == "redeemed"
    assert r.json()["enrolment_id"] is not None
    r = await client.post(f"{new_url}/cancel", json={"reason": "误发"}, headers=auth(admin))
    assert r.status_code == 409  # redeemed
    # Cancel frees the place; re-issue of a cancelled voucher takes one again.
    other, okey = await world.worker()
    r = await client.post("/v1/training/vouchers", json={"worker_id": other["id"], "year": year},
                          headers=auth(okey))
    second = r.json()
    r = await client.post("/v1/training/vouchers", json={"worker_id": worker["id"] + 0,
                                                         "year": year}, headers=auth(admin))
    assert r.status_code == 409  # worker already holds this year's voucher
    r = await client.post(f"/v1/training/vouchers/{second['id']}/cancel",
                          json={"reason": "本人放弃（电话确认）"}, headers=auth(admin))
    assert r.status_code == 200 and r.json()["cancel_reason"] == "本人放弃（电话确认）"
    r = await client.get(f"/v1/training/voucher-programmes/{year}", headers=auth(admin))
    assert r.json()["issued_count"] == 1
    r = await client.post(f"/v1/training/vouchers/{second['id']}/reissue", headers=auth(admin))
    assert r.status_code == 201
    r = await client.get(f"/v1/training/voucher-programmes/{year}", headers=auth(admin))
    assert r.json()["issued_count"] == 2 and r.json()["remaining"] == 0


async def test_fifty_concurrent_issues_for_the_last_voucher_issue_one(world, client, app,
                                                                      settings):
    admin = await world.admin()
    year = await programme(client, admin, quota=3)
    for _ in range(2):
        w, key = await world.worker()
        r = await client.post("/v1/training/vouchers", json={"worker_id": w["id"], "year": year},
                              headers=auth(key))
        assert r.status_code == 201
    claimants = [await world.worker() for _ in range(50)]
    stats = InFlight()
    async with instances(settings, stats) as clients:
        responses = await asyncio.gather(*[
            clients[i % INSTANCES].post("/v1/training/vouchers",
                                        json={"worker_id": w["id"], "year": year},
                                        headers=auth(key))
            for i, (w, key) in enumerate(claimants)
        ])
    codes = sorted(r.status_code for r in responses)
    assert stats.peak > 10, f"requests did not overlap (peak {stats.peak})"
    assert codes.count(201) == 1, codes
    assert {r.json()["type"] for r in responses if r.status_code != 201} == {
        "/problems/voucher-quota-exhausted"}
    async with app.state.sessionmaker() as session:
        issued = await session.scalar(select(func.count()).select_from(Voucher).where(
            Voucher.year == year))
        counter = await session.scalar(select(VoucherProgramme.issued_count).where(
            VoucherProgramme.year == year))
    assert issued == counter == 3


async def test_fifty_concurrent_redemptions_of_one_voucher_redeem_once(world, client, app,
                                                                       settings):
    admin = await world.admin()
    year = await programme(client, admin, quota=1)
    _i, inst_key = await institution(world)
    courses = [await course(world, inst_key) for _ in range(5)]
    worker, wkey = await world.worker()
    r = await client.post("/v1/training/vouchers", json={"worker_id": worker["id"], "year": year},
                          headers=auth(wkey))
    voucher = r.json()
    stats = InFlight()
    async with instances(settings, stats) as clients:
        responses = await asyncio.gather(*[
            clients[i % INSTANCES].post(f"/v1/training/vouchers/{voucher['id']}/redeem",
                                        json={"course_id": courses[i % 5]["id"]},
                                        headers=auth(wkey))
            for i in range(50)
        ])
    codes = sorted(r.status_code for r in responses)
    assert stats.peak > 10, f"requests did not overlap (peak {stats.peak})"
    assert codes.count(200) == 1, codes
    assert {r.json()["type"] for r in responses if r.status_code != 200} == {
        "/problems/voucher-unusable"}, [r.text for r in responses if r.status_code != 200][:3]
    async with app.state.sessionmaker() as session:
        enrolments = await session.scalar(select(func.count()).select_from(Enrolment).where(
            Enrolment.voucher_id == voucher["id"]))
    assert enrolments == 1
