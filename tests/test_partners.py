"""Partner ingestion: grants, idempotent PUT by external id, screening, DELETE closes."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from app.events.models import Event
from tests.conftest import auth, job_body


async def _partner(client, world) -> tuple[int, str]:
    r = await client.post("/v1/api-keys", json={"role": "partner", "name": "渝职聘"},
                          headers=auth(await world.admin()))
    assert r.status_code == 201, r.text
    return r.json()["id"], r.json()["key"]


async def _job_events(app, job_id: int) -> list[str]:
    async with app.state.sessionmaker() as session:
        return list(await session.scalars(
            select(Event.type).where(Event.resource_type == "job", Event.resource_id == job_id)
            .order_by(Event.id)
        ))


async def test_partner_puts_postings_idempotently_and_closes_them(app, client, world):
    source = f"yzp{secrets.token_hex(3)}"
    partner_id, partner = await _partner(client, world)
    employer_id, employer_key = await world.employer()
    r = await client.post(f"/v1/partners/{source}/grants",
                          json={"partner_key_id": partner_id, "employer_id": employer_id},
                          headers=auth(employer_key))
    assert r.status_code == 201, r.text
    url = f"/v1/partners/{source}/jobs/YZP-10001"
    body = job_body(employer_id=employer_id)

    r = await client.put(url, json=body, headers=auth(partner))
    assert r.status_code == 201, r.text
    job = r.json()
    assert (job["source"], job["external_id"], job["status"]) == (source, "YZP-10001", "open")
    assert job["employer_id"] == employer_id
    # Like any other posting: public to other principals.
    other_id, other_key = await world.employer()
    assert (await client.get(f"/v1/jobs/{job['id']}", headers=auth(other_key))).status_code == 200

    r = await client.put(url, json=body, headers=auth(partner))
    assert r.status_code == 200 and r.json()["updated_at"] == job["updated_at"]
    assert await _job_events(app, job["id"]) == ["job.created"]  # no second event

    changed = {**body, "title": body["title"] + "（周末）",
               "wage": {"amount": 3500, "unit": "hour", "settlement": "daily"},
               "employment_type": "part_time"}
    r = await client.put(url, json=changed, headers=auth(partner))
    assert r.status_code == 200, r.text
    assert r.json()["title"].endswith("（周末）") and r.json()["wage"]["amount"] == 3500
    assert r.json()["employment_type"] == "part_time"
    assert await _job_events(app, job["id"]) == ["job.created", "job.updated"]
    r = await client.put(url, json={**changed, "employer_id": other_id}, headers=auth(partner))
    assert r.status_code == 403  # no grant for that employer

    r = await client.delete(url, headers=auth(partner))
    assert r.status_code == 204
    r = await client.get(f"/v1/jobs/{job['id']}", headers=auth(employer_key))
    assert r.json()["status"] == "closed"
    assert (await client.delete(url, headers=auth(partner))).status_code == 204
    assert await _job_events(app, job["id"]) == ["job.created", "job.updated", "job.closed"]
    r = await client.delete(f"/v1/partners/{source}/jobs/NOPE", headers=auth(partner))
    assert r.status_code == 404


async def test_partner_needs_a_grant_and_screening_applies(client, world):
    source = f"yzp{secrets.token_hex(3)}"
    partner_id, partner = await _partner(client, world)
    _rival_id, rival = await _partner(client, world)
    employer_id, employer_key = await world.employer()
    url = f"/v1/partners/{source}/jobs/A1"

    r = await client.put(url, json=job_body(employer_id=employer_id), headers=auth(partner))
    assert r.status_code == 403
    r = await client.post(f"/v1/partners/{source}/grants",
                          json={"partner_key_id": partner_id, "employer_id": employer_id},
                          headers=auth(await world.admin()))
    assert r.status_code == 201
    # Another employer cannot grant for this one; a source belongs to one partner key.
    _x, x_key = await world.employer()
    r = await client.post(f"/v1/partners/{source}/grants",
                          json={"partner_key_id": partner_id, "employer_id": employer_id},
                          headers=auth(x_key))
    assert r.status_code == 403
    r = await client.post(f"/v1/partners/{source}/grants",
                          json={"partner_key_id": _rival_id, "employer_id": _x},
                          headers=auth(x_key))
    assert r.status_code == 409
    # The rival partner cannot push into this source.
    r = await client.put(url, json=job_body(employer_id=employer_id), headers=auth(rival))
    assert r.status_code == 403

    fee = job_body(employer_id=employer_id, description="入职需先交押金200元")
    r = await client.put(url, json=fee, headers=auth(partner))
    assert r.status_code == 422 and r.json()["reason"] == "fee_requested"
    low = job_body(employer_id=employer_id,
                   wage={"amount": 1000, "unit": "hour", "settlement": "daily"})
    r = await client.put(url, json=low, headers=auth(partner))
    assert r.status_code == 422 and r.json()["reason"] == "below_minimum_wage"
    r = await client.put(url, json=job_body(), headers=auth(partner))
    assert r.status_code == 422  # employer_id is required
    r = await client.put(f"/v1/partners/{source}/jobs/bad%20id",
                         json=job_body(employer_id=employer_id), headers=auth(partner))
    assert r.status_code == 422
    # An employer key is not a partner.
    r = await client.put(url, json=job_body(employer_id=employer_id), headers=auth(employer_key))
    assert r.status_code == 403

    r = await client.get(f"/v1/partners/{source}/grants", headers=auth(partner))
    assert [g["employer_id"] for g in r.json()["items"]] == [employer_id]
    r = await client.delete(f"/v1/partners/{source}/grants/{employer_id}",
                            headers=auth(employer_key))
    assert r.status_code == 204
    r = await client.put(url, json=job_body(employer_id=employer_id), headers=auth(partner))
    assert r.status_code == 403


async def test_ids_beyond_64_bits_are_a_422_naming_the_field(client, world):
    """Found by schemathesis: an id past BIGINT reached the database and came back as a 500."""
    employer_id, employer_key = await world.employer()
    too_big = 2**63
    r = await client.post("/v1/partners/yzp/grants",
                          json={"partner_key_id": too_big, "employer_id": employer_id},
                          headers=auth(employer_key))
    assert r.status_code == 422, r.text
    assert [e["pointer"] for e in r.json()["errors"]] == ["/partner_key_id"]
    r = await client.get(f"/v1/reports/wage-arrears?employer_id={too_big}",
                         headers=auth(await world.admin()))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["parameter"] == "employer_id"
