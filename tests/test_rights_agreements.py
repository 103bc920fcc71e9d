"""Written agreements (item 十六) and injury cover per engagement (item 十四), on the real app."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from app.auth.principal import Role
from tests.conftest import auth, make_credit_code, unique
from tests.engagements_fixtures import (  # noqa: F401 - clock_fixture is the clock
    clock_fixture,
    events_for,
    hire,
    job_at,
    offer_and_accept,
    shanghai,
)


async def _sign(client, url: str, side: str, key: str) -> dict:
    r = await client.post(f"{url}/agreement/signing-codes", json={"side": side}, headers=auth(key))
    assert r.status_code == 201, r.text
    r = await client.post(f"{url}/agreement/signatures",
                          json={"side": side, "code": r.json()["code"]}, headers=auth(key))
    assert r.status_code == 200, r.text
    return r.json()


async def test_unsigned_agreement_blocks_check_in_until_both_sides_sign(app, client, world, clock):
    h = await hire(world, agreement_required=True, employment_type="part_time", hours=4)
    assert h.job["agreement_required"] is True
    start = datetime.fromisoformat(h.job["starts_at"])
    clock.set(start + timedelta(minutes=1))
    r = await client.post(f"{h.url}/check-in", json={}, headers=auth(h.worker_key))
    assert r.status_code == 409, r.text
    assert r.json()["type"].endswith("/agreement-unsigned")
    assert r.json()["agreement_status"] == "missing"

    # The worker side cannot draw it up; the employer does, from the engagement's terms.
    r = await client.post(f"{h.url}/agreement", json={"kind": "part_time_contract"},
                          headers=auth(h.worker_key))
    assert r.status_code == 403
    r = await client.post(f"{h.url}/agreement",
                          json={"kind": "part_time_contract", "rest_text": "每工作2小时休息15分钟"},
                          headers=auth(h.employer_key))
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["status"] == "awaiting_signatures" and a["terms"]["wage_amount_fen"] == 3000
    doc = await client.get(a["document_url"], headers=auth(h.worker_key))
    assert doc.status_code == 200 and doc.headers["content-type"].startswith("text/html")
    assert hashlib.sha256(doc.content).hexdigest() == a["sha256"] == doc.headers["x-content-sha256"]
    assert "非全日制用工劳动合同" in doc.text and "每工作2小时休息15分钟" in doc.text
    r = await client.post(f"{h.url}/agreement", json={"kind": "civil_agreement"},
                          headers=auth(h.employer_key))
    assert r.status_code == 409 and r.json()["type"].endswith("/agreement-exists")

    # Each side signs only as itself, with a code issued to its own key.
    r = await client.post(f"{h.url}/agreement/signing-codes", json={"side": "worker"},
                          headers=auth(h.employer_key))
    assert r.status_code == 403
    r = await client.post(f"{h.url}/agreement/signing-codes", json={"side": "worker"},
                          headers=auth(h.worker_key))
    code = r.json()["code"]
    r = await client.post(f"{h.url}/agreement/signatures",
                          json={"side": "worker", "code": "0000000000"}, headers=auth(h.worker_key))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/code"
    r = await client.post(f"{h.url}/agreement/signatures",
                          json={"side": "worker", "code": code}, headers=auth(h.worker_key))
    assert r.status_code == 200 and r.json()["worker_signed_at"] and r.json()["status"] != "signed"
    r = await client.post(f"{h.url}/agreement/signatures",  # one time
                          json={"side": "worker", "code": code}, headers=auth(h.worker_key))
    assert r.status_code == 409
    r = await client.post(f"{h.url}/check-in", json={}, headers=auth(h.worker_key))
    assert r.status_code == 409 and r.json()["agreement_status"] == "awaiting_signatures"

    signed = await _sign(client, h.url, "employer", h.employer_key)
    assert signed["status"] == "signed" and signed["sha256"] == a["sha256"]
    assert await events_for(app, "agreement", a["id"]) == ["agreement.created", "agreement.signed"]
    again = await client.get(a["document_url"], headers=auth(h.employer_key))
    assert again.content == doc.content  # immutable
    r = await client.post(f"{h.url}/check-in", json={}, headers=auth(h.worker_key))
    assert r.status_code == 200, r.text


async def test_jobs_without_the_flag_check_in_unsigned(client, world, clock):
    h = await hire(world)
    clock.set(datetime.fromisoformat(h.job["starts_at"]) + timedelta(minutes=1))
    r = await client.post(f"{h.url}/check-in", json={}, headers=auth(h.worker_key))
    assert r.status_code == 200, r.text
    r = await client.get(f"{h.url}/agreement", headers=auth(h.worker_key))
    assert r.status_code == 404


async def test_part_timer_with_two_employers_needs_cover_from_each(client, world):
    start = shanghai(6, 8)
    worker, worker_key = await world.worker()
    hires = []
    for hour in (0, 5):  # two part-time jobs the same day, two employers
        employer_id, employer_key = await world.employer()
        job = await world.job(employer_key, **job_at(start + timedelta(hours=hour),
                                                      start + timedelta(hours=hour + 4),
                                                      employment_type="part_time"))
        e = await offer_and_accept(client, employer_key, job["id"], worker["id"], worker_key)
        hires.append((employer_id, employer_key, e))
    (a_id, a_key, a), (b_id, b_key, b) = hires
    for _, key, e in hires:
        r = await client.get(f"/v1/engagements/{e['id']}/protection", headers=auth(key))
        assert r.status_code == 200, r.text
        assert r.json()["type"] is None
        assert r.json()["gaps"] == ["no_own_cover_with_other_employer"]

    cover = {"type": "work_injury", "insurer": "中国人民财产保险股份有限公司重庆市分公司",
             "policy_no": "PICC-2026-0001", "from_date": start.date().isoformat(),
             "evidence_url": "https://example.org/policies/0001.pdf"}
    r = await client.put(f"/v1/engagements/{a['id']}/protection", json=cover,
                         headers=auth(worker_key))
    assert r.status_code == 403  # the worker side records no employer's cover
    r = await client.put(f"/v1/engagements/{a['id']}/protection", json=cover, headers=auth(a_key))
    assert r.status_code == 200, r.text
    assert r.json()["gaps"] == [] and r.json()["insurer"] == cover["insurer"]
    # B's gap stays: A's cover is not B's.
    r = await client.get(f"/v1/engagements/{b['id']}/protection", headers=auth(b_key))
    assert r.json()["gaps"] == ["no_own_cover_with_other_employer"]
    # Cover that ends before the work does not count.
    late = {**cover, "from_date": (start.date() + timedelta(days=1)).isoformat()}
    r = await client.put(f"/v1/engagements/{b['id']}/protection", json=late, headers=auth(b_key))
    assert r.json()["gaps"] == ["no_own_cover_with_other_employer"]
    r = await client.put(f"/v1/engagements/{b['id']}/protection",
                         json={**cover, "to_date": "2020-01-01"}, headers=auth(b_key))
    assert r.status_code == 422
    r = await client.put(f"/v1/engagements/{b['id']}/protection", json=cover, headers=auth(b_key))
    assert r.json()["gaps"] == []

    # The register reports it, per employer and worker.
    admin = await world.admin()
    r = await client.get("/v1/reports/new-forms", params={
        "from_date": start.date().isoformat(), "to_date": start.date().isoformat()},
        headers=auth(admin))
    assert r.status_code == 200, r.text
    mine = [row for row in r.json()["items"] if row["worker_ref"] == str(worker["id"])]
    assert {row["employer_id"] for row in mine} == {a_id, b_id}
    assert all(row["protection_types"] == ["work_injury"] for row in mine)


async def test_a_single_employer_part_timer_is_not_flagged(client, world):
    h = await hire(world, start=shanghai(7, 9), employment_type="part_time", hours=4)
    r = await client.get(f"{h.url}/protection", headers=auth(h.employer_key))
    assert r.json()["gaps"] == [] and r.json()["job_declares_protection"] is False


async def test_pilot_platforms_report_pilot_cover(client, world):
    admin = await world.admin()
    r = await client.post("/v1/employers", json={
        "name": "北京三快在线科技有限公司", "credit_code": make_credit_code(), "kind": "platform"},
        headers=auth(admin))
    assert r.status_code == 201, r.text
    platform_id = r.json()["id"]
    await client.post(f"/v1/employers/{platform_id}/verification", json={"status": "verified"},
                      headers=auth(admin))
    key = await world.key(Role.employer, platform_id)
    h = await hire(world, employer=(platform_id, key), start=shanghai(8, 10),
                   title=f"网约配送员{unique()}")
    r = await client.get(f"{h.url}/protection", headers=auth(key))
    assert r.json()["gaps"] == ["pilot_cover_not_reported"]
    r = await client.put(f"{h.url}/protection", json={"type": "commercial_accident"},
                         headers=auth(key))
    assert r.json()["gaps"] == ["pilot_cover_not_reported"]
    r = await client.put(f"{h.url}/protection", json={"type": "occupational_injury_pilot"},
                         headers=auth(key))
    assert r.json()["gaps"] == []
    day = shanghai(8, 10).date().isoformat()
    r = await client.get("/v1/reports/new-forms", params={
        "format": "csv", "occupation": "rider", "from_date": day, "to_date": day},
        headers=auth(key))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.text.strip().splitlines()
    assert lines[0].lstrip("\ufeff").startswith("source,employer_id,employer_name")
    assert len(lines) == 2 and "occupational_injury_pilot" in lines[1]


async def test_partners_report_their_workers_idempotently(client, world):
    admin = await world.admin()
    r = await client.post("/v1/api-keys", json={"role": "partner", "name": "平台对接"},
                          headers=auth(admin))
    partner_id, partner = r.json()["id"], r.json()["key"]
    employer_id, employer_key = await world.employer()
    source = f"plat{secrets.token_hex(3)}"
    r = await client.post(f"/v1/partners/{source}/grants",
                          json={"partner_key_id": partner_id, "employer_id": employer_id},
                          headers=auth(employer_key))
    assert r.status_code == 201, r.text
    week = shanghai(0, 9).date() - timedelta(days=shanghai(0, 9).weekday())
    body = {"employer_id": employer_id, "worker_ref": "R-000123", "occupation": "truck_driver",
            "agreement_kind": "written_agreement", "week_start_date": week.isoformat(),
            "weekly_minutes": 2880, "protection": {"type": "commercial_accident"},
            "arrears_fen": 12000}
    url = f"/v1/partners/{source}/engagements/TRIP-0001"
    first = await client.put(url, json=body, headers=auth(partner))
    assert first.status_code == 201, first.text
    again = await client.put(url, json=body, headers=auth(partner))
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    other_id, _ = await world.employer()
    r = await client.put(url.replace("0001", "0002"), json={**body, "employer_id": other_id},
                         headers=auth(partner))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/employer_id"
    r = await client.get("/v1/reports/new-forms", headers=auth(employer_key))
    rows = [row for row in r.json()["items"] if row["source"] == source]
    assert len(rows) == 1 and rows[0]["weekly_minutes"] == 2880 and rows[0]["arrears_fen"] == 12000


async def test_concurrent_drafts_make_one_agreement(app, client, world):
    import asyncio

    h = await hire(world, start=shanghai(10, 9))
    results = await asyncio.gather(*[
        client.post(f"{h.url}/agreement", json={"kind": kind}, headers=auth(h.employer_key))
        for kind in ("written_agreement", "civil_agreement", "labour_contract", "written_agreement")
    ])
    codes = sorted(r.status_code for r in results)
    assert codes == [201, 409, 409, 409], [r.text for r in results]
    created = next(r.json() for r in results if r.status_code == 201)
    assert await events_for(app, "agreement", created["id"]) == ["agreement.created"]


async def test_bad_input_is_a_problem_naming_the_field(client, world):
    h = await hire(world, start=shanghai(11, 9))
    admin = await world.admin()
    r = await client.get("/v1/reports/new-forms",
                         params={"from_date": "9999-12-30", "to_date": "9999-12-31"},
                         headers=auth(admin))
    assert r.status_code == 422 and r.json()["errors"][0]["parameter"] == "to_date"
    r = await client.put(f"{h.url}/protection", json={
        "type": "work_injury", "evidence_url": "https://example.org/" + "a" * 600},
        headers=auth(h.employer_key))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/evidence_url"
    r = await client.post(f"{h.url}/agreement", json={"kind": "written_agreement",
                                                      "rest_text": "午休\x00一小时"},
                          headers=auth(h.employer_key))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/rest_text"
