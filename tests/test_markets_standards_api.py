"""Standard versions through the API, on a database of their own (publishing a version makes
it current for every later assessment on that database)."""

from __future__ import annotations

import copy

from app.auth.principal import Role
from tests.conftest import auth
from tests.markets_fixtures import (  # noqa: F401 - fixtures
    DRAFT,
    assess,
    full_values,
    isolated,
    isolated_database,
    make_market,
)


def _stricter(version: str) -> dict:
    """The draft with a stricter venue-area indicator (1,000 m² for full marks)."""
    from tests.markets_fixtures import draft

    doc = copy.deepcopy(draft().model_dump(mode="json"))
    doc["version"], doc["title"], doc["status"] = version, "重庆市零工市场指标体系（2025 试行）", "trial"
    v01 = next(i for i in doc["indicators"] if i["code"] == "V01")
    v01["thresholds"]["market"] = [{"at_least": 500, "points": 5, "at_most": None},
                                   {"at_least": 1000, "points": 8, "at_most": None}]
    return doc


async def test_standards_are_served_and_admins_publish_new_versions(isolated):  # noqa: F811
    world, client = isolated, isolated.client
    admin = await world.admin()
    market_id, key = await make_market(world)
    inspector = await world.key(Role.inspector)

    r = await client.get("/v1/compliance/standards", headers=auth(key))
    assert r.status_code == 200
    assert [(s["version"], s["source"], s["current"]) for s in r.json()["items"]] == [(DRAFT, "builtin", True)]
    assert r.json()["next_cursor"] is None
    r = await client.get(f"/v1/compliance/standards/{DRAFT}", headers=auth(key))
    doc = r.json()
    assert doc["current"] and doc["indicator_count"] == 37
    assert sum(d["points"] for d in doc["standard"]["dimensions"]) == 100
    assert (await client.get("/v1/compliance/standards/nope", headers=auth(key))).status_code == 404

    old = (await assess(client, key, market_id, full_values(V01=600))).json()
    assert old["standard_version"] == DRAFT and old["result"]["total"] == 84

    new = _stricter("cq-2025-trial")
    for who in (key, inspector):
        r = await client.post("/v1/compliance/standards", json=new, headers=auth(who))
        assert r.status_code == 403
    broken = copy.deepcopy(new)
    broken["dimensions"][0]["points"] = 25
    r = await client.post("/v1/compliance/standards", json=broken, headers=auth(admin))
    assert r.status_code == 422
    assert "dimension points must sum to 100 (they sum to 105)" in r.json()["detail"]
    r = await client.post("/v1/compliance/standards", json={**new, "version": DRAFT},
                          headers=auth(admin))
    assert r.status_code == 409
    r = await client.post("/v1/compliance/standards", json=new, headers=auth(admin))
    assert r.status_code == 201, r.text
    assert r.json()["current"] and r.json()["source"] == "published"
    assert r.headers["location"] == "/v1/compliance/standards/cq-2025-trial"
    r = await client.post("/v1/compliance/standards", json=new, headers=auth(admin))
    assert r.status_code == 409 and "never change" in r.json()["detail"]
    listed = (await client.get("/v1/compliance/standards", headers=auth(key))).json()["items"]
    assert [(s["version"], s["current"]) for s in listed] == [(DRAFT, False), ("cq-2025-trial", True)]

    # New assessments use the new version; the old one keeps the version it was scored against.
    fresh = (await assess(client, key, market_id, full_values(V01=600))).json()
    assert fresh["standard_version"] == "cq-2025-trial" and fresh["result"]["total"] == 81
    again = (await client.get(f"/v1/assessments/{old['id']}", headers=auth(key))).json()
    assert again["standard_version"] == DRAFT and again["result"]["total"] == 84
    # Verifying the old assessment scores it against its own version too.
    r = await client.post(f"/v1/assessments/{old['id']}/verify",
                          json={"values": full_values(V01=600)}, headers=auth(inspector))
    assert r.status_code == 200 and r.json()["result"]["standard_version"] == DRAFT
    assert r.json()["result"]["total"] == 84
    # A market self-assesses against the current version; an inspector may name an older one.
    r = await assess(client, key, market_id, full_values(), standard_version=DRAFT)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/standard_version"
    r = await assess(client, inspector, market_id, full_values(V01=600), standard_version=DRAFT)
    assert r.status_code == 201 and r.json()["result"]["total"] == 84
    r = await assess(client, inspector, market_id, full_values(), standard_version="v-none")
    assert r.status_code == 422
    # The report of the old assessment still renders against its version.
    r = await client.get(f"/v1/assessments/{old['id']}/report", headers=auth(key))
    assert r.status_code == 200 and DRAFT in r.text
