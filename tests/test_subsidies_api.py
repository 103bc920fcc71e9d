"""Flexible-employment subsidy over HTTP: parameters, assessments by id and inline, batches."""

from __future__ import annotations

import csv
import io
import time
from datetime import date

import pytest
from sqlalchemy import insert

from app.workers.models import Worker
from tests.conftest import auth
from tests.engagements_fixtures import hire

BASE = "/v1/subsidies/flexible-employment"
JOB_TYPES = ["家政服务", "transport.ride_hailing", "agri.produce_sales", "retail.sales"]
CAPS = {2025: (80_000, 30_000), 2026: (90_000, 33_000)}


@pytest.fixture
async def admin(world) -> str:
    key = await world.admin()
    for year, (pension, medical) in CAPS.items():
        r = await world.client.post(f"{BASE}/parameters", json={
            "year": year, "pension_lowest_fen": pension, "medical_lowest_fen": medical,
            "eligible_job_types": JOB_TYPES}, headers=auth(key))
        assert r.status_code in (201, 409), r.text
    return key


def months(*spec: tuple[str, int, int]) -> list[dict]:
    return [{"month": m, "pension_paid_fen": p, "medical_paid_fen": md} for m, p, md in spec]


async def driver(world, **profile) -> tuple[dict, str]:
    body = {"occupation": "网约车司机", "target_groups": ["dibao"], "birth_date": "1985-04-02"}
    body.update(profile)
    return await world.worker(**body)


async def test_parameters_crud(world, client, admin):
    r = await client.get(f"{BASE}/parameters/2026", headers=auth(admin))
    assert r.status_code == 200 and r.json()["eligible_job_types"] == sorted(JOB_TYPES)
    etag = r.headers["ETag"]
    r = await client.post(f"{BASE}/parameters", json={
        "year": 2026, "pension_lowest_fen": 1, "medical_lowest_fen": 1,
        "eligible_job_types": ["家政服务"]}, headers=auth(admin))
    assert r.status_code == 409
    r = await client.post(f"{BASE}/parameters", json={
        "year": 2030, "pension_lowest_fen": 1, "medical_lowest_fen": 1,
        "eligible_job_types": ["家政服务", "量子调音"]}, headers=auth(admin))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/eligible_job_types/1"
    r = await client.patch(f"{BASE}/parameters/2026", json={"note": "x"},
                           headers={**auth(admin), "If-Match": '"0.0"'})
    assert r.status_code == 412
    r = await client.patch(f"{BASE}/parameters/2026", json={"note": "2026 基数"},
                           headers={**auth(admin), "If-Match": etag})
    assert r.status_code == 200 and r.json()["note"] == "2026 基数"
    r = await client.post(f"{BASE}/parameters", json={
        "year": 2031, "pension_lowest_fen": 5, "medical_lowest_fen": 5,
        "eligible_job_types": ["家政服务"]}, headers=auth(admin))
    assert r.status_code == 201
    assert (await client.delete(f"{BASE}/parameters/2031", headers=auth(admin))).status_code == 204
    assert (await client.get(f"{BASE}/parameters/2031", headers=auth(admin))).status_code == 404
    _market_id, market_key = await world.market()
    r = await client.post(f"{BASE}/parameters", json={
        "year": 2032, "pension_lowest_fen": 5, "medical_lowest_fen": 5,
        "eligible_job_types": ["家政服务"]}, headers=auth(market_key))
    assert r.status_code == 403
    r = await client.get(f"{BASE}/parameters", headers=auth(market_key))
    assert r.status_code == 200 and {p["year"] for p in r.json()["items"]} >= {2025, 2026}


async def test_worker_by_id_uses_profile_and_occupation(world, client, admin):
    worker, worker_key = await driver(world)
    body = {"worker_id": worker["id"], "as_of_date": "2026-03-10",
            "contributions": months(("2025-12", 100_000, 40_000), ("2026-01", 60_000, 20_000))}
    r = await client.post(f"{BASE}/assessments", json=body, headers=auth(admin))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["eligible"] and out["qualifying_group"] == "dibao"
    assert "transport.ride_hailing" in out["job_types"]
    assert out["parameter_year"] == 2026 and out["parameter_years"] == [2025, 2026]
    assert [m["subsidy_fen"] for m in out["months"]] == [73_333, 53_333]
    assert out["total_subsidy_fen"] == 126_666
    assert (out["period_start_month"], out["period_end_month"]) == ("2025-12", "2028-11")
    assert out["months_remaining"] == 33 and out["retirement_extension"] is False
    assert out["statutory_retirement_month"] == "2043-04"  # 1985-04 + 55y + 36m (female 55)
    # The worker may assess itself; another worker's key may not see it.
    r = await client.post(f"{BASE}/assessments", json=body, headers=auth(worker_key))
    assert r.status_code == 200
    _other, other_key = await world.worker()
    r = await client.post(f"{BASE}/assessments", json=body, headers=auth(other_key))
    assert r.status_code == 404
    _market_id, market_key = await world.market()
    r = await client.post(f"{BASE}/assessments", json=body, headers=auth(market_key))
    assert r.status_code == 404
    # A market assesses the workers registered at its own front desk.
    walk_in, _ = await world.worker(market_key, occupation="网约车司机", target_groups=["dibao"])
    r = await client.post(f"{BASE}/assessments", json={**body, "worker_id": walk_in["id"]},
                          headers=auth(market_key))
    assert r.status_code == 200 and r.json()["eligible"]


async def test_job_types_from_engagements(world, client, admin):
    h = await hire(world)  # a 保洁 job: housekeeping.cleaner, category 家政服务
    r = await client.patch(f"/v1/workers/{h.worker['id']}", json={
        "target_groups": ["zero_employment_family"]}, headers=auth(admin))
    assert r.status_code == 200, r.text
    body = {"worker_id": h.worker["id"], "as_of_date": "2026-02-01",
            "contributions": months(("2026-01", 50_000, 10_000))}
    out = (await client.post(f"{BASE}/assessments", json=body, headers=auth(admin))).json()
    assert {"housekeeping.cleaner", "家政服务"} <= set(out["job_types"]) and out["eligible"]
    # A worker with neither engagements nor an occupation fails the job-type rule.
    plain, _ = await world.worker(target_groups=["dibao"])
    body["worker_id"] = plain["id"]
    out = (await client.post(f"{BASE}/assessments", json=body, headers=auth(admin))).json()
    rule = next(x for x in out["rules"] if x["name"] == "job_type")
    assert not out["eligible"] and not rule["passed"] and "none recorded" in rule["reason"]


async def test_missing_parameters_refused(world, client, admin):
    worker, _ = await driver(world)
    r = await client.post(f"{BASE}/assessments", json={
        "worker_id": worker["id"], "as_of_date": "2026-03-10",
        "contributions": months(("2024-12", 1, 1))}, headers=auth(admin))
    assert r.status_code == 422
    assert r.json()["type"] == "/problems/subsidy-parameters-missing"
    assert r.json()["missing_years"] == [2024]
    r = await client.post(f"{BASE}/assessments", json={
        "worker_id": worker["id"], "as_of_date": "2033-01-10"}, headers=auth(admin))
    assert r.status_code == 422 and r.json()["missing_years"] == [2033]


async def test_inline_facts_4050(client, admin, world):
    facts = {"birth_date": "1975-05-01", "gender": "male", "hukou_chongqing": True,
             "registered_unemployed_date": "2025-11-20", "job_types": ["农产品销售"]}
    body = {"facts": facts, "as_of_date": "2026-02-19",
            "contributions": months(("2026-01", 90_000, 33_000))}
    out = (await client.post(f"{BASE}/assessments", json=body, headers=auth(admin))).json()
    assert not out["eligible"]  # 3 months are reached on 2026-02-20
    body["as_of_date"] = "2026-02-20"
    out = (await client.post(f"{BASE}/assessments", json=body, headers=auth(admin))).json()
    assert out["eligible"] and out["qualifying_group"] == "age_4050"
    assert out["months"][0]["subsidy_fen"] == 82_000
    # A man born 1975-05: 124 cohort months after 1965-01, 124 // 4 + 1 = 32 months of delay.
    assert out["statutory_retirement_age"] == "62y8m"
    r = await client.post(f"{BASE}/assessments", json={**body, "worker_id": 1},
                          headers=auth(admin))
    assert r.status_code == 422
    r = await client.post(f"{BASE}/assessments", json={
        **body, "contributions": [{"month": "2026-13", "pension_paid_fen": 1,
                                    "medical_paid_fen": 1}]}, headers=auth(admin))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/contributions/0/month"
    r = await client.post(f"{BASE}/assessments", json={
        **body, "contributions": [
            {"month": "2026-01", "months": 3, "pension_paid_fen": 1, "medical_paid_fen": 1},
            {"month": "2026-02", "pension_paid_fen": 1, "medical_paid_fen": 1}]},
        headers=auth(admin))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/contributions"


async def test_batch_json_and_csv(world, client, admin):
    a, _ = await driver(world)
    b, _ = await world.worker(target_groups=["dibao"])  # no job type
    body = {"as_of_date": "2026-03-10", "items": [
        {"worker_id": a["id"], "contributions": months(("2026-01", 60_000, 20_000))},
        {"worker_id": b["id"], "contributions": months(("2026-01", 60_000, 20_000))},
    ]}
    r = await client.post(f"{BASE}/assessments/batch", json=body, headers=auth(admin))
    assert r.status_code == 200, r.text
    assert r.json()["summary"] == {"assessed": 2, "eligible": 1, "total_subsidy_fen": 53_333}
    for extra in ({"params": {"format": "csv"}}, {"headers": {"Accept": "text/csv"}}):
        r = await client.post(f"{BASE}/assessments/batch", json=body,
                              headers={**auth(admin), **extra.get("headers", {})},
                              params=extra.get("params"))
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert [(x["worker_id"], x["eligible"], x["total_subsidy_fen"]) for x in rows] == [
            (str(a["id"]), "true", "53333"), (str(b["id"]), "false", "0")]
        assert rows[1]["failed_rules"] == "job_type"
    body["items"].append({"worker_id": 9_000_000_000})
    r = await client.post(f"{BASE}/assessments/batch", json=body, headers=auth(admin))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/items/2/worker_id"


async def test_batch_of_ten_thousand_workers_under_ten_seconds(app, client, admin):
    """Issue 7 asks for this bound explicitly; it is kept generous (the work takes ~1–2 s)."""
    async with app.state.sessionmaker() as session:
        result = await session.execute(insert(Worker).returning(Worker.id), [
            {"name": f"批量{i}", "phone": "13900000000", "birth_date": date(1970 + i % 30, 1 + i % 12, 5),
             "gender": ("male", "female")[i % 2], "home_lat": 29.56, "home_lng": 106.55,
             "max_travel_km": 10.0, "target_groups": [["dibao"], [], ["poverty_alleviated"]][i % 3],
             "hukou_chongqing": True, "registered_unemployed_date": date(2025, 1, 1),
             "occupation": "网约车司机", "occupation_code": "transport.ride_hailing",
             "status": "active", "certificates": []}
            for i in range(10_000)
        ])
        ids = list(result.scalars())
        await session.commit()
    items = [{"worker_id": i, "contributions": [
        {"month": "2026-01", "pension_paid_fen": 60000, "medical_paid_fen": 20000}]}
        for i in ids]
    started = time.perf_counter()
    r = await client.post(f"{BASE}/assessments/batch",
                          json={"as_of_date": "2026-03-10", "items": items}, headers=auth(admin))
    elapsed = time.perf_counter() - started
    assert r.status_code == 200, r.text[:500]
    summary = r.json()["summary"]
    assert summary["assessed"] == 10_000
    assert summary["eligible"] == sum(1 for i in range(10_000) if i % 3 != 1 or (
        (1970 + i % 30 <= 1976 and i % 2 == 0) or (1970 + i % 30 <= 1986 and i % 2 == 1)))
    assert elapsed < 10, f"batch of 10 000 took {elapsed:.1f} s"
