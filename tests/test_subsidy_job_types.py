"""Policy measure 五's job types in its own words (issue 12 item 6)."""

from __future__ import annotations

from app.employers.credit_code import check_character
from tests.conftest import auth, unique
from tests.engagements_fixtures import hire

BASE = "/v1/subsidies/flexible-employment"
POLICY = ["家政服务", "个体工商户雇工", "农副产品和日常生活用品销售", "网约车驾驶"]


def individual_business_code() -> str:
    body = "92500103" + f"{unique():09d}"[-9:]
    return body + check_character(body)


async def test_the_policy_list_is_accepted_verbatim(client, world):
    admin = await world.admin()
    r = await client.get("/v1/subsidy-job-types", headers=auth(admin))
    assert r.status_code == 200 and [t["name"] for t in r.json()["items"]] == POLICY
    # Pasted as the policy writes it, one entry or four.
    for year, types in ((2027, ["家政服务、个体工商户雇工、农副产品和日常生活用品销售、网约车驾驶等"]),
                        (2028, POLICY)):
        r = await client.post(f"{BASE}/parameters", json={
            "year": year, "pension_lowest_fen": 90_000, "medical_lowest_fen": 33_000,
            "eligible_job_types": types}, headers=auth(admin))
        assert r.status_code in (201, 409), r.text
        got = await client.get(f"{BASE}/parameters/{year}", headers=auth(admin))
        assert got.json()["eligible_job_types"] == sorted(POLICY)
    r = await client.post(f"{BASE}/parameters", json={
        "year": 2029, "pension_lowest_fen": 1, "medical_lowest_fen": 1,
        "eligible_job_types": ["家政服务、量子调音"]}, headers=auth(admin))
    assert r.status_code == 422 and "量子调音" in r.json()["errors"][0]["detail"]
    assert r.json()["errors"][0]["pointer"] == "/eligible_job_types/0"


async def test_work_for_an_individual_business_counts_as_its_employee(client, world):
    admin = await world.admin()
    await client.post(f"{BASE}/parameters", json={
        "year": 2027, "pension_lowest_fen": 90_000, "medical_lowest_fen": 33_000,
        "eligible_job_types": POLICY}, headers=auth(admin))
    r = await client.post("/v1/employers", json={
        "name": f"渝中区老王面馆{unique()}", "credit_code": individual_business_code()},
        headers=auth(admin))
    assert r.status_code == 201, r.text
    employer_id = r.json()["id"]
    r = await client.post(f"/v1/employers/{employer_id}/verification",
                          json={"status": "verified"}, headers=auth(admin))
    assert r.status_code == 200, r.text
    from app.auth.principal import Role
    key = await world.key(Role.employer, employer_id)
    h = await hire(world, employer=(employer_id, key), skills=["搬运工"])
    await client.patch(f"/v1/workers/{h.worker['id']}", json={"target_groups": ["dibao"]},
                       headers=auth(admin))
    body = {"worker_id": h.worker["id"], "as_of_date": "2027-02-01",
            "contributions": [{"month": "2027-01", "pension_paid_fen": 50_000,
                               "medical_paid_fen": 10_000}]}
    r = await client.post(f"{BASE}/assessments", json=body, headers=auth(admin))
    assert r.status_code == 200, r.text
    out = r.json()
    assert "个体工商户雇工" in out["job_types"] and out["eligible"], out


async def test_inline_facts_name_the_policy_types_or_skills_that_count(client, world):
    admin = await world.admin()
    await client.post(f"{BASE}/parameters", json={
        "year": 2027, "pension_lowest_fen": 90_000, "medical_lowest_fen": 33_000,
        "eligible_job_types": POLICY}, headers=auth(admin))
    for job_types, expected in ((["农副产品和日常生活用品销售"], "农副产品和日常生活用品销售"),
                                (["收银员"], "农副产品和日常生活用品销售"),
                                (["网约车司机"], "网约车驾驶"),
                                (["保姆"], "家政服务")):
        facts = {"birth_date": "1975-05-01", "gender": "male", "hukou_chongqing": True,
                 "registered_unemployed_date": "2026-06-01", "job_types": job_types}
        body = {"facts": facts, "as_of_date": "2027-02-01",
                "contributions": [{"month": "2027-01", "pension_paid_fen": 50_000,
                                   "medical_paid_fen": 10_000}]}
        r = await client.post(f"{BASE}/assessments", json=body, headers=auth(admin))
        assert r.status_code == 200, r.text
        assert expected in r.json()["job_types"] and r.json()["eligible"], (job_types, r.json())
