import io
import logging

from app.auth.principal import Role
from app.engagements.models import Engagement
from tests.conftest import auth, worker_body


async def test_worker_app_key_registers_one_profile_and_binds(client, world):
    worker, key = await world.worker(phone="13700001111")
    assert worker["phone"] == "13700001111" and worker["phone_masked"] is False
    r = await client.get(f"/v1/workers/{worker['id']}", headers=auth(key))
    assert r.status_code == 200 and r.json()["birth_date"] == "1980-05-01"
    again = await client.post("/v1/workers", json=worker_body(), headers=auth(key))
    assert again.status_code == 409 and again.json()["existing_id"] == worker["id"]


async def test_skills_are_normalised_with_raw_text_kept(world):
    worker, _ = await world.worker(skills=[{"name": "外卖骑手", "years": 2},
                                           {"name": "修量子计算机"}])
    first, second = worker["skills"]
    assert first["raw"] == "外卖骑手" and first["skill_name"] == "网约配送员"
    assert first["similarity"] == 100.0 and first["years"] == 2
    assert second["skill_code"] is None and second["raw"] == "修量子计算机"


async def test_phone_is_masked_for_employers_until_hired(client, world, app):
    worker, _ = await world.worker(phone="13812340000", target_groups=["dibao"])
    employer_id, employer_key = await world.employer()
    r = await client.get(f"/v1/workers/{worker['id']}", headers=auth(employer_key))
    seen = r.json()
    assert seen["phone"] == "138****0000" and seen["phone_masked"] is True
    # Sensitive profile facts stay with the worker, its market and the bureau.
    assert seen["birth_date"] is None and seen["target_groups"] == []
    assert seen["age"] >= 16
    admin = await client.get(f"/v1/workers/{worker['id']}", headers=auth(await world.admin()))
    assert admin.json()["phone"] == "13812340000" and admin.json()["target_groups"] == ["dibao"]
    # Once the employer has hired the worker, the number is revealed to that employer only.
    job = await world.job(employer_key)
    async with app.state.sessionmaker() as session:
        from datetime import datetime

        session.add(Engagement(
            job_id=job["id"], worker_id=worker["id"], employer_id=employer_id, status="hired",
            starts_at=datetime.fromisoformat(job["starts_at"]),
            ends_at=datetime.fromisoformat(job["ends_at"]),
        ))
        await session.commit()
    r = await client.get(f"/v1/workers/{worker['id']}", headers=auth(employer_key))
    assert r.json()["phone"] == "13812340000"
    _other, other_key = await world.employer()
    r = await client.get(f"/v1/workers/{worker['id']}", headers=auth(other_key))
    assert r.json()["phone"] == "138****0000"


async def test_other_workers_and_partners_cannot_see_a_worker(client, world):
    worker, _ = await world.worker()
    _other, other_key = await world.worker()
    partner = await world.key(Role.partner)
    r = await client.get(f"/v1/workers/{worker['id']}", headers=auth(other_key))
    assert r.status_code == 404
    # Partners have no business with worker profiles at all: the operation is refused.
    r = await client.get(f"/v1/workers/{worker['id']}", headers=auth(partner))
    assert r.status_code == 403
    r = await client.patch(f"/v1/workers/{worker['id']}", json={"name": "李四"},
                           headers=auth(other_key))
    assert r.status_code == 404


async def test_market_front_desk_registers_and_manages_walk_in_workers(client, world):
    market_id, market_key = await world.market()
    r = await client.post("/v1/workers", json=worker_body(phone="13500002222"),
                          headers=auth(market_key))
    assert r.status_code == 201 and r.json()["registered_by_market_id"] == market_id
    worker_id = r.json()["id"]
    listed = await client.get("/v1/workers", headers=auth(market_key))
    assert [w["id"] for w in listed.json()["items"]] == [worker_id]
    r = await client.patch(f"/v1/workers/{worker_id}", json={"max_travel_km": 25},
                           headers=auth(market_key))
    assert r.status_code == 200 and r.json()["max_travel_km"] == 25
    _m2, other_market = await world.market()
    r = await client.get(f"/v1/workers/{worker_id}", headers=auth(other_market))
    assert r.status_code == 404


async def test_home_is_coarsened_and_deactivation_hides_from_employers(client, world):
    worker, key = await world.worker(home_location={"lat": 29.563456, "lng": 106.551234})
    assert worker["home_location"] == {"lat": 29.563, "lng": 106.551, "district_code": "500103"}
    _eid, employer_key = await world.employer()
    seen = (await client.get(f"/v1/workers/{worker['id']}", headers=auth(employer_key))).json()
    assert seen["home_location"]["lat"] == 29.56
    r = await client.post(f"/v1/workers/{worker['id']}/deactivate", headers=auth(key))
    assert r.status_code == 200 and r.json()["status"] == "inactive"
    r = await client.get(f"/v1/workers/{worker['id']}", headers=auth(employer_key))
    assert r.status_code == 404


async def test_phone_numbers_and_keys_never_reach_the_logs(client, world):
    # Everything the service logs goes through the root handler's formatter; tee it.
    root = logging.getLogger()
    buffer = io.StringIO()
    tee = logging.StreamHandler(buffer)
    tee.setFormatter(next(h for h in root.handlers if getattr(h, "gigmarket", False)).formatter)
    root.addHandler(tee)
    worker, key = await world.worker(phone="13966667777", name="王小二")
    await client.get(f"/v1/workers/{worker['id']}", headers=auth(key))
    await client.patch(f"/v1/workers/{worker['id']}", json={"phone": "13966668888"},
                       headers=auth(key))
    await client.post("/v1/workers", json=worker_body(phone="bad-13966669999"), headers=auth(key))
    import structlog

    try:
        structlog.get_logger("test").info("oops", note="call 13966667777", key=key)
        logging.getLogger("third.party").warning("sms to 13966667777 failed")
    finally:
        root.removeHandler(tee)
    logs = buffer.getvalue()
    assert "request" in logs  # the access log did run
    for secret in ("13966667777", "13966668888", "13966669999", key):
        assert secret not in logs
