"""Complaints (item 十五), licensed agencies and household employers (item 八)."""

from __future__ import annotations

from datetime import timedelta

from app.auth.principal import Role
from app.engagements.sweeps import engagement_housekeeping
from tests.conftest import auth, job_body, make_credit_code, unique
from tests.engagements_fixtures import events_for, hire, shanghai, spot


async def _file(client, key: str, subject: dict, category: str = "fees_asked") -> dict:
    r = await client.post("/v1/complaints", json={
        "subject": subject, "category": category,
        "description": "招聘时要求先交500元“服装押金”，否则不让上岗。"}, headers=auth(key))
    assert r.status_code == 201, r.text
    return r.json()


async def _decide(client, key: str, complaint_id: int, **body) -> dict:
    r = await client.post(f"/v1/complaints/{complaint_id}/decision",
                          json={"outcome": "substantiated", "note": "经核实属实。", **body},
                          headers=auth(key))
    assert r.status_code == 200, r.text
    return r.json()


async def test_complaint_lifecycle_suspends_the_posting_and_blocks_repeat_offenders(
    app, client, world,
):
    district = "500112"  # 渝北区: a district of its own, so the case goes to this market
    market_id, market_key = await world.market(district)
    _, other_market_key = await world.market("500106")
    employer_id, employer_key = await world.employer()
    r = await client.patch(f"/v1/employers/{employer_id}", json={"district_code": district},
                           headers=auth(employer_key))
    assert r.status_code == 200, r.text
    job = await world.job(employer_key, location={**spot(), "district_code": district})
    _, worker_key = await world.worker()

    c = await _file(client, worker_key, {"type": "job", "id": job["id"]})
    assert c["status"] == "assigned" and c["assigned_market_id"] == market_id
    assert c["employer_id"] == employer_id and c["overdue"] is False
    assert c["description"] == "招聘时要求先交500元“服装押金”，否则不让上岗。"
    assert await events_for(app, "complaint", c["id"]) == ["complaint.filed"]
    url = f"/v1/complaints/{c['id']}"
    assert (await client.get(url, headers=auth(other_market_key))).status_code == 404
    assert (await client.get(url, headers=auth(worker_key))).status_code == 200
    assert (await client.get(url, headers=auth(employer_key))).status_code == 200
    r = await client.post(f"{url}/decision", json={"outcome": "substantiated", "note": "x"},
                          headers=auth(other_market_key))
    assert r.status_code == 404
    r = await client.post(f"{url}/decision", json={"outcome": "substantiated", "note": "x"},
                          headers=auth(employer_key))
    assert r.status_code == 403

    # Handed to an inspector, who decides it.
    inspector_key = await world.key(Role.inspector)
    r = await client.get("/v1/api-keys", headers=auth(await world.admin()))
    inspector_id = max(k["id"] for k in r.json()["items"] if k["role"] == "inspector")
    r = await client.post(f"{url}/assignment", json={"inspector_key_id": inspector_id},
                          headers=auth(market_key))
    assert r.status_code == 200, r.text
    decided = await _decide(client, inspector_key, c["id"], suspend_posting=True)
    assert decided["status"] == "substantiated" and decided["posting_suspended"] is True
    r = await client.get(f"/v1/jobs/{job['id']}", headers=auth(employer_key))
    assert r.json()["status"] == "suspended" and r.json()["suspension_reason"] == f"complaint {c['id']}"
    r = await client.get(f"/v1/jobs/{job['id']}", headers=auth(worker_key))
    assert r.status_code == 404  # off the market
    r = await client.post(f"{url}/decision", json={"outcome": "unsubstantiated", "note": "x"},
                          headers=auth(inspector_key))
    assert r.status_code == 409 and r.json()["type"].endswith("/complaint-decided")
    r = await client.get(f"/v1/employers/{employer_id}", headers=auth(employer_key))
    assert r.json()["substantiated_complaints"] == 1 and r.json()["posting_blocked_at"] is None

    # An unsubstantiated one leaves no mark; two more substantiated reach the threshold (3).
    c2 = await _file(client, worker_key, {"type": "employer", "id": employer_id}, "wage_arrears")
    r = await client.post(f"/v1/complaints/{c2['id']}/decision",
                          json={"outcome": "unsubstantiated", "note": "工资已按时发放。"},
                          headers=auth(market_key))
    assert r.status_code == 200 and r.json()["status"] == "unsubstantiated"
    for category in ("discrimination", "fake_posting"):
        c3 = await _file(client, market_key, {"type": "employer", "id": employer_id}, category)
        await _decide(client, market_key, c3["id"])
    r = await client.get(f"/v1/employers/{employer_id}", headers=auth(employer_key))
    assert r.json()["substantiated_complaints"] == 3 and r.json()["posting_blocked_at"]
    assert "employer.posting_blocked" in await events_for(app, "employer", employer_id)
    r = await client.post("/v1/jobs", json=job_body(), headers=auth(employer_key))
    assert r.status_code == 422 and r.json()["reason"] == "employer_blocked"

    r = await client.get("/v1/complaints/statistics", headers=auth(market_key))
    rows = {row["category"]: row for row in r.json()["items"]}
    assert rows["fees_asked"]["substantiated"] == 1 and rows["wage_arrears"]["unsubstantiated"] == 1
    assert {row["district_code"] for row in r.json()["items"]} == {district}
    r = await client.get("/v1/complaints", params={"employer_id": employer_id},
                         headers=auth(employer_key))
    assert len(r.json()["items"]) == 4


async def test_complaints_about_what_the_caller_cannot_see_are_refused(client, world):
    h = await hire(world)
    _, stranger = await world.worker()
    r = await client.post("/v1/complaints", json={
        "subject": {"type": "engagement", "id": h.id}, "category": "wage_arrears",
        "description": "拖欠工资"}, headers=auth(stranger))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/subject/id"
    c = await _file(client, h.worker_key, {"type": "engagement", "id": h.id}, "wage_arrears")
    assert c["engagement_id"] == h.id and c["job_id"] == h.job["id"]
    r = await client.get(f"/v1/complaints/{c['id']}", headers=auth(stranger))
    assert r.status_code == 404


async def _agency(client, world, **extra) -> tuple[int, str]:
    admin = await world.admin()
    r = await client.post("/v1/employers", json={
        "name": f"重庆劳务派遣有限公司{unique()}", "credit_code": make_credit_code(),
        "kind": "agency", **extra}, headers=auth(admin))
    assert r.status_code == 201, r.text
    agency_id = r.json()["id"]
    await client.post(f"/v1/employers/{agency_id}/verification", json={"status": "verified"},
                      headers=auth(admin))
    return agency_id, await world.key(Role.employer, agency_id)


def _posting(**overrides) -> dict:
    start = shanghai(9, 9)
    body = {"title": f"仓库分拣{unique()}", "location": spot(), "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=8)).isoformat(), **overrides}
    return job_body(**body)


async def test_agencies_post_only_with_a_valid_licence_and_lapsed_ones_are_suspended(
    app, client, world,
):
    agency_id, key = await _agency(client, world)
    r = await client.post("/v1/jobs", json=_posting(), headers=auth(key))
    assert r.status_code == 422 and r.json()["reason"] == "agency_licence_invalid"
    expiry = (shanghai(0, 9).date() + timedelta(days=30)).isoformat()
    r = await client.patch(f"/v1/employers/{agency_id}",
                           json={"licence_no": "渝人社许可〔2024〕0123号", "licence_expiry_date": expiry},
                           headers=auth(key))
    assert r.status_code == 200 and r.json()["licence_no"] == "渝人社许可〔2024〕0123号"
    r = await client.post("/v1/jobs", json=_posting(), headers=auth(key))
    assert r.status_code == 201, r.text
    job_id = r.json()["id"]

    # The sweep leaves a valid licence alone, then suspends once it has lapsed.
    await engagement_housekeeping(app.state.sessionmaker, app.state.settings)
    assert (await client.get(f"/v1/jobs/{job_id}", headers=auth(key))).json()["status"] == "open"
    r = await client.patch(f"/v1/employers/{agency_id}",
                           json={"licence_expiry_date": "2026-01-31"}, headers=auth(key))
    assert r.status_code == 200
    done = await engagement_housekeeping(app.state.sessionmaker, app.state.settings)
    assert done["agency_jobs_suspended"] >= 1
    r = await client.get(f"/v1/jobs/{job_id}", headers=auth(key))
    assert r.json()["status"] == "suspended" and r.json()["suspension_reason"] == "licence_expired"
    assert "employer.licence_expired" in await events_for(app, "employer", agency_id)
    assert "job.suspended" in await events_for(app, "job", job_id)
    r = await client.post("/v1/jobs", json=_posting(), headers=auth(key))
    assert r.status_code == 422


async def test_postings_for_others_record_the_chain_and_flag_subcontracting(client, world):
    expiry = (shanghai(0, 9).date() + timedelta(days=365)).isoformat()
    _, key = await _agency(client, world, licence_no="渝人社许可〔2025〕0456号",
                           licence_expiry_date=expiry)
    middle_id, _ = await _agency(client, world)
    client_id, client_key = await world.employer()
    r = await client.post("/v1/jobs", json=_posting(on_behalf_of={"employer_id": client_id}),
                          headers=auth(key))
    assert r.status_code == 201, r.text
    assert r.json()["on_behalf_of_employer_id"] == client_id
    assert r.json()["subcontract_flagged"] is False and len(r.json()["subcontract_chain"]) == 2
    r = await client.post("/v1/jobs", json=_posting(on_behalf_of={
        "employer_id": client_id, "via_employer_ids": [middle_id]}), headers=auth(key))
    assert r.status_code == 201, r.text
    assert r.json()["subcontract_flagged"] is True
    assert r.json()["subcontract_chain"][0] == client_id and r.json()["subcontract_chain"][1] == middle_id
    r = await client.post("/v1/jobs", json=_posting(on_behalf_of={
        "employer_id": client_id, "via_employer_ids": [999999]}), headers=auth(key))
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "/on_behalf_of/via_employer_ids/0"
    r = await client.post("/v1/jobs", json=_posting(on_behalf_of={"employer_id": middle_id}),
                          headers=auth(client_key))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/on_behalf_of"


async def test_households_register_without_a_credit_code_within_household_limits(client, world):
    _, market_key = await world.market("500103")
    body = {"name": "陈桂兰", "kind": "individual", "contact_phone": "13698765432",
            "district_code": "500103"}
    r = await client.post("/v1/employers", json={**body, "kind": "employer"},
                          headers=auth(market_key))
    assert r.status_code == 422
    r = await client.post("/v1/employers", json={k: v for k, v in body.items()
                                                 if k != "district_code"},
                          headers=auth(market_key))
    assert r.status_code == 422
    r = await client.post("/v1/employers", json=body, headers=auth(market_key))
    assert r.status_code == 201, r.text
    household = r.json()
    assert household["credit_code"] is None and household["name"] == "陈桂兰"
    # The market checks the person's identity (verification), then the household posts.
    r = await client.post(f"/v1/employers/{household['id']}/verification",
                          json={"status": "verified", "note": "已现场核验身份证"},
                          headers=auth(market_key))
    assert r.status_code == 200
    key = await world.key(Role.employer, household["id"])
    inspector = await world.key(Role.inspector)
    r = await client.get(f"/v1/employers/{household['id']}", headers=auth(inspector))
    assert r.json()["contact_phone"] != "13698765432"  # masked for others
    r = await client.post("/v1/jobs", json=_posting(title=f"家庭保洁{unique()}", headcount=4),
                          headers=auth(key))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/headcount"
    r = await client.post("/v1/jobs", json=_posting(title=f"家庭保洁{unique()}", headcount=1,
                                                    skills=["家政保洁"]), headers=auth(key))
    assert r.status_code == 201 and r.json()["status"] == "open"
    r = await client.patch(f"/v1/jobs/{r.json()['id']}", json={"headcount": 5}, headers=auth(key))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/headcount"
    r = await client.patch(f"/v1/employers/{household['id']}", json={"kind": "agency"},
                           headers=auth(key))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/kind"
    r = await client.patch(f"/v1/employers/{household['id']}",
                           json={"licence_no": "渝人社许可〔2025〕9号"}, headers=auth(key))
    assert r.status_code == 422


async def test_complaint_handling_feeds_the_markets_compliance_metrics(app, client, world):
    from app.complaints.metrics import market_complaint_values
    from app.db import utcnow

    district = "500113"  # 巴南区: this market is the district's first
    market_id, market_key = await world.market(district)
    employer_id, employer_key = await world.employer()
    await client.patch(f"/v1/employers/{employer_id}", json={"district_code": district},
                       headers=auth(employer_key))
    _, worker_key = await world.worker()
    decided = await _file(client, worker_key, {"type": "employer", "id": employer_id})
    await _decide(client, market_key, decided["id"])
    await _file(client, worker_key, {"type": "employer", "id": employer_id}, "wage_arrears")
    async with app.state.sessionmaker() as session:
        now = await market_complaint_values(session, market_id, utcnow(), 30)
        later = await market_complaint_values(session, market_id, utcnow() + timedelta(days=20),
                                              30)
    # Now only the decided one is due (on time); past the other's deadline it counts as late.
    assert now == {"complaints_received": 2, "complaints_on_time_share": 100.0}
    assert later == {"complaints_received": 2, "complaints_on_time_share": 50.0}
