from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.auth.models import ApiKey
from app.auth.principal import Role
from tests.conftest import auth


async def test_missing_malformed_and_unknown_keys_are_401_problems(client):
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer nonsense"},
                    {"Authorization": "Bearer gm_live_doesnotexist"}):
        r = await client.get("/v1/jobs", headers=headers)
        assert r.status_code == 401
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["www-authenticate"] == "Bearer"
        assert r.json()["status"] == 401


async def test_admin_issues_key_shown_once_and_stored_only_as_hash(client, world, app):
    admin = await world.admin()
    r = await client.post(
        "/v1/api-keys", json={"name": "渝职聘", "role": "partner"}, headers=auth(admin)
    )
    assert r.status_code == 201, r.text
    created = r.json()
    key = created["key"]
    assert key.startswith("gm_live_") and created["prefix"] == key[:14]
    assert r.headers["cache-control"] == "no-store"
    # The key works, and the listing never shows it again.
    assert (await client.get("/v1/jobs", headers=auth(key))).status_code == 200
    listed = (await client.get("/v1/api-keys?limit=100", headers=auth(admin))).json()["items"]
    mine = next(k for k in listed if k["id"] == created["id"])
    assert "key" not in mine
    async with app.state.sessionmaker() as session:
        row = await session.scalar(select(ApiKey).where(ApiKey.id == created["id"]))
    assert key not in (row.key_hash, row.prefix) and len(row.key_hash) == 64


async def test_revoked_key_stops_working(client, world):
    admin = await world.admin()
    r = await client.post("/v1/api-keys", json={"name": "temp", "role": "inspector"},
                          headers=auth(admin))
    key, key_id = r.json()["key"], r.json()["id"]
    assert (await client.get("/v1/jobs", headers=auth(key))).status_code == 200
    r = await client.delete(f"/v1/api-keys/{key_id}", headers=auth(admin))
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert (await client.get("/v1/jobs", headers=auth(key))).status_code == 401


async def test_expired_key_is_refused(client, world, app):
    key = await world.key(Role.inspector)
    async with app.state.sessionmaker() as session:
        row = (await session.scalars(select(ApiKey).order_by(ApiKey.id.desc()).limit(1))).one()
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        await session.commit()
    assert (await client.get("/v1/jobs", headers=auth(key))).status_code == 401


async def test_only_admins_manage_keys(client, world):
    _eid, employer_key = await world.employer()
    for method, url in (("GET", "/v1/api-keys"), ("POST", "/v1/api-keys"),
                        ("DELETE", "/v1/api-keys/1")):
        r = await client.request(method, url, headers=auth(employer_key),
                                 json={"name": "x", "role": "admin"} if method == "POST" else None)
        assert r.status_code == 403, (method, url, r.text)


async def test_key_for_a_subject_must_name_an_existing_one(client, world):
    admin = await world.admin()
    r = await client.post("/v1/api-keys", json={"name": "x", "role": "employer"},
                          headers=auth(admin))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/subject_id"
    r = await client.post("/v1/api-keys",
                          json={"name": "x", "role": "employer", "subject_id": 999999999},
                          headers=auth(admin))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/subject_id"
    r = await client.post("/v1/api-keys",
                          json={"name": "x", "role": "worker", "scopes": ["keys:admin"]},
                          headers=auth(admin))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/scopes"


async def test_narrow_scopes_are_enforced(client, world):
    employer_id, _ = await world.employer()
    read_only = await world.key(Role.employer, employer_id, scopes=["jobs:read"])
    assert (await client.get("/v1/jobs", headers=auth(read_only))).status_code == 200
    from tests.conftest import job_body

    r = await client.post("/v1/jobs", json=job_body(), headers=auth(read_only))
    assert r.status_code == 403 and "jobs:write" in r.json()["detail"]


async def test_idempotent_key_creation_never_stores_the_secret(client, world, app):
    from app.idempotency.models import IdempotencyRecord

    admin = await world.admin()
    headers = {**auth(admin), "Idempotency-Key": "new-partner-key-1"}
    body = {"name": "重庆人才网", "role": "partner"}
    first = await client.post("/v1/api-keys", json=body, headers=headers)
    assert first.status_code == 201
    key = first.json()["key"]
    async with app.state.sessionmaker() as session:
        stored = list(await session.scalars(select(IdempotencyRecord.body)))
    assert all(key.encode() not in (b or b"") for b in stored)
    again = await client.post("/v1/api-keys", json=body, headers=headers)
    assert again.status_code == 409 and again.headers["idempotent-replayed"] == "true"
    assert key not in again.text
