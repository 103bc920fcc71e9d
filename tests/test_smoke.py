from tests.conftest import auth


async def test_health_and_readiness(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    r = await client.get("/readyz")
    assert r.status_code == 200 and r.json()["database"] == "ok"


async def test_employer_posts_and_reads_a_job(client, world):
    _employer_id, key = await world.employer()
    job = await world.job(key)
    assert job["status"] == "open"
    assert job["skills"][0]["skill_name"] == "保洁员"
    r = await client.get(f"/v1/jobs/{job['id']}", headers=auth(key))
    assert r.status_code == 200 and r.headers["etag"]
