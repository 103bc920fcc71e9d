"""API conventions partners rely on: idempotency, pagination, problems for bad input."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth.service import hash_key
from app.db import utcnow
from app.employers.models import Employer
from app.events.models import Event
from app.idempotency.models import IdempotencyRecord
from app.jobs.models import Job, JobSkill
from app.workers.models import Worker, WorkerSkill
from tests.conftest import SECRET, auth, in_days, job_body, make_credit_code, worker_body


async def _counts(app) -> dict[str, int]:
    async with app.state.sessionmaker() as session:
        return {
            m.__tablename__: await session.scalar(select(func.count()).select_from(m))
            for m in (Employer, Job, JobSkill, Worker, WorkerSkill, Event)
        }


async def test_idempotent_replay_returns_the_stored_response(client, world, app):
    _eid, key = await world.employer()
    headers = {**auth(key), "Idempotency-Key": "create-job-0001"}
    body = job_body()
    first = await client.post("/v1/jobs", json=body, headers=headers)
    assert first.status_code == 201
    before = await _counts(app)
    again = await client.post("/v1/jobs", json=body, headers=headers)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert await _counts(app) == before
    # The same key with another body is a client bug, not a replay.
    other = await client.post("/v1/jobs", json={**body, "headcount": 7}, headers=headers)
    assert other.status_code == 422 and other.json()["type"] == "/problems/idempotency-key-reused"
    assert await _counts(app) == before
    # Keys belong to one API key: another caller may use the same string.
    _eid2, key2 = await world.employer()
    r = await client.post("/v1/jobs", json=job_body(),
                          headers={**auth(key2), "Idempotency-Key": "create-job-0001"})
    assert r.status_code == 201 and "idempotent-replayed" not in r.headers


async def test_concurrent_retries_create_exactly_once(client, world):
    _eid, key = await world.employer()
    concurrent_key = {**auth(key), "Idempotency-Key": "race-1"}
    body = job_body()
    results = await asyncio.gather(*[
        client.post("/v1/jobs", json=body, headers=concurrent_key) for _ in range(5)
    ])
    codes = sorted(r.status_code for r in results)
    created = [r for r in results if r.status_code == 201 and "idempotent-replayed" not in r.headers]
    assert len(created) == 1, codes
    assert set(codes) <= {201, 409}


async def test_in_flight_claim_with_same_body_answers_409(client, world, app):
    _eid, key = await world.employer()
    body = job_body()
    # Claim the key exactly as the middleware would, then leave it in flight.
    import hashlib
    import json

    raw = json.dumps(body).encode()
    fingerprint = hashlib.sha256(b"\0".join([b"/v1/jobs", b"", raw])).hexdigest()
    async with app.state.sessionmaker() as session:
        now = utcnow()
        session.add(IdempotencyRecord(
            owner_hash=hash_key(SECRET.encode(), key), key="inflight-2", fingerprint=fingerprint,
            state="in_flight", created_at=now, expires_at=now + timedelta(hours=24),
        ))
        await session.commit()
    r = await client.post("/v1/jobs", content=raw,
                          headers={**auth(key), "Idempotency-Key": "inflight-2",
                                   "Content-Type": "application/json"})
    assert r.status_code == 409 and r.json()["type"] == "/problems/idempotency-in-flight"


async def test_expired_idempotency_keys_are_purged(app):
    from app.idempotency.middleware import purge_expired

    async with app.state.sessionmaker() as session:
        past = utcnow() - timedelta(hours=30)
        session.add_all([
            IdempotencyRecord(owner_hash="o" * 64, key=f"old-{i}", fingerprint="f" * 64,
                              state="done", created_at=past, expires_at=past + timedelta(hours=24))
            for i in range(20)
        ])
        await session.commit()
    assert await purge_expired(app.state.sessionmaker) >= 20
    async with app.state.sessionmaker() as session:
        left = await session.scalar(select(func.count()).select_from(IdempotencyRecord).where(
            IdempotencyRecord.expires_at <= utcnow()))
    assert left == 0


async def test_pagination_has_no_duplicates_or_gaps_while_rows_are_inserted(client, world):
    employer_id, key = await world.employer()
    original = [await world.job(key, title=f"分页测试岗位{i}", starts_at=in_days(3 + i),
                                ends_at=in_days(3 + i, 17)) for i in range(7)]
    seen: list[int] = []
    cursor = None
    inserted = 0
    while True:
        params = {"employer_id": employer_id, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        r = await client.get("/v1/jobs", params=params, headers=auth(key))
        assert r.status_code == 200
        page = r.json()
        seen += [j["id"] for j in page["items"]]
        # Someone posts between our page requests.
        await world.job(key, title=f"新插入岗位{inserted}", starts_at=in_days(20 + inserted),
                        ends_at=in_days(20 + inserted, 17))
        inserted += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)), "no duplicates"
    assert {j["id"] for j in original} <= set(seen), "no gaps"
    assert seen == sorted(seen, reverse=True)


async def test_foreign_cursor_is_a_422_naming_the_parameter(client, world):
    key = await world.admin()
    for cursor in ("garbage!", "eyJpZCI6ICJ4In0", "W10"):
        r = await client.get("/v1/jobs", params={"cursor": cursor}, headers=auth(key))
        assert r.status_code == 422 and r.json()["errors"][0]["parameter"] == "cursor"


async def test_oversized_body_is_413(client, world):
    _eid, key = await world.employer()
    body = job_body(description="很" * 600_000)  # ~1.8 MB of UTF-8
    r = await client.post("/v1/jobs", json=body, headers=auth(key))
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"


def _location(**kw):
    base = {"lat": 29.563, "lng": 106.5516, "address": "渝中区解放碑", "district_code": "500103"}
    return {**base, **kw}


# (what, method, path, body, status, pointer): each must answer a problem and write nothing.
JOB_CASES = [
    ("missing title", {"title": None}, "/title"),
    ("blank title", {"title": "   "}, "/title"),
    ("title too long", {"title": "岗" * 121}, "/title"),
    ("unknown employment type", {"employment_type": "full_time"}, "/employment_type"),
    ("no skills", {"skills": []}, "/skills"),
    ("too many skills", {"skills": [f"技能{i}" for i in range(11)]}, "/skills"),
    ("zero headcount", {"headcount": 0}, "/headcount"),
    ("headcount as text", {"headcount": "三"}, "/headcount"),
    ("headcount as a numeric string", {"headcount": "3"}, "/headcount"),
    ("urgent as 0", {"urgent": 0}, "/urgent"),
    ("huge headcount", {"headcount": 100000}, "/headcount"),
    ("latitude outside Chongqing", {"location": _location(lat=39.9)}, "/location/lat"),
    ("longitude not a number", {"location": _location(lng="东经")}, "/location/lng"),
    ("unknown district", {"location": _location(district_code="110101")},
     "/location/district_code"),
    ("missing address", {"location": {"lat": 29.5, "lng": 106.5}}, "/location/address"),
    ("ends before starts", {"ends_at": in_days(1)}, "/ends_at"),
    ("naive start time", {"starts_at": "2030-01-01T08:00:00"}, "/starts_at"),
    ("start in the past", {"starts_at": in_days(-3), "ends_at": in_days(1)}, "/starts_at"),
    ("not a date", {"starts_at": "tomorrow"}, "/starts_at"),
    ("unix timestamp instead of RFC 3339", {"starts_at": 1893456000}, "/starts_at"),
    ("zero wage", {"wage": {"amount": 0, "unit": "hour", "settlement": "daily"}},
     "/wage/amount"),
    ("fractional fen", {"wage": {"amount": 30.5, "unit": "hour", "settlement": "daily"}},
     "/wage/amount"),
    ("unknown wage unit", {"wage": {"amount": 3000, "unit": "week", "settlement": "daily"}},
     "/wage/unit"),
    ("unknown settlement", {"wage": {"amount": 3000, "unit": "hour", "settlement": "yearly"}},
     "/wage/settlement"),
    ("missing wage", {"wage": None}, "/wage"),
    ("age range reversed", {"requirements": {"min_age": 40, "max_age": 30}},
     "/requirements/max_age"),
    ("child labour age", {"requirements": {"min_age": 14}}, "/requirements/min_age"),
    ("unknown gender", {"requirements": {"gender": "any"}}, "/requirements/gender"),
    ("unknown field", {"salary": 100}, "/salary"),
    ("shift outside the job", {"shifts": [{"starts_at": in_days(5), "ends_at": in_days(5, 12)}]},
     "/shifts"),
    ("radius negative", {"radius_km": -1}, "/radius_km"),
    ("urgent not boolean", {"urgent": "very"}, "/urgent"),
]
WORKER_CASES = [
    ("landline phone", {"phone": "023-6388888"}, "/phone"),
    ("short phone", {"phone": "1381234"}, "/phone"),
    ("too young", {"birth_date": "2015-01-01"}, "/birth_date"),
    ("bad date", {"birth_date": "1980-02-30"}, "/birth_date"),
    ("date as a number", {"birth_date": 19800501}, "/birth_date"),
    ("unknown gender", {"gender": "x"}, "/gender"),
    ("home outside Chongqing", {"home_location": {"lat": 23.1, "lng": 113.3}},
     "/home_location/lat"),
    ("travel radius zero", {"max_travel_km": 0}, "/max_travel_km"),
    ("availability end before start",
     {"availability": [{"weekday": 1, "start": "18:00", "end": "08:00"}]}, "/availability/0/end"),
    ("weekday 8", {"availability": [{"weekday": 8, "start": "08:00", "end": "18:00"}]},
     "/availability/0/weekday"),
    ("bad clock", {"availability": [{"weekday": 1, "start": "8am", "end": "18:00"}]},
     "/availability/0/start"),
    ("unknown target group", {"target_groups": ["vip"]}, "/target_groups/0"),
    ("skill years negative", {"skills": [{"name": "保洁", "years": -2}]}, "/skills/0/years"),
    ("id card number field", {"id_card": "500101198001010011"}, "/id_card"),
]


@pytest.mark.parametrize(("what", "patch", "pointer"), JOB_CASES, ids=[c[0] for c in JOB_CASES])
async def test_bad_job_input_is_a_problem_naming_the_field(client, world, app, what, patch,
                                                           pointer):
    _eid, key = await world.employer()
    body = job_body()
    for field, value in patch.items():
        if value is None:
            body.pop(field, None)
        else:
            body[field] = value
    before = await _counts(app)
    r = await client.post("/v1/jobs", json=body, headers=auth(key))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert {"type", "title", "status", "detail"} <= problem.keys()
    assert pointer in [e.get("pointer") for e in problem["errors"]], problem
    assert await _counts(app) == before


@pytest.mark.parametrize(("what", "patch", "pointer"), WORKER_CASES,
                         ids=[c[0] for c in WORKER_CASES])
async def test_bad_worker_input_is_a_problem_naming_the_field(client, world, app, what, patch,
                                                              pointer):
    _market_id, key = await world.market()
    before = await _counts(app)
    r = await client.post("/v1/workers", json=worker_body(**patch), headers=auth(key))
    assert r.status_code == 422, r.text
    assert pointer in [e.get("pointer") for e in r.json()["errors"]], r.json()
    assert await _counts(app) == before


async def test_malformed_json_and_bad_employer_codes(client, world, app):
    admin = await world.admin()
    before = await _counts(app)
    r = await client.post("/v1/employers", content=b"{not json",
                          headers={**auth(admin), "Content-Type": "application/json"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    good = make_credit_code()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    r = await client.post("/v1/employers", json={"name": "某公司", "credit_code": bad},
                          headers=auth(admin))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/credit_code"
    assert "checksum" in r.json()["errors"][0]["detail"]
    r = await client.get("/v1/jobs", params={"limit": 1000}, headers=auth(admin))
    assert r.status_code == 422 and r.json()["errors"][0]["parameter"] == "limit"
    r = await client.get("/v1/jobs", params={"near": "somewhere"}, headers=auth(admin))
    assert r.status_code == 422 and r.json()["errors"][0]["parameter"] == "near"
    r = await client.get("/v1/jobs/not-a-number", headers=auth(admin))
    assert r.status_code == 422 and r.json()["errors"][0]["parameter"] == "job_id"
    assert await _counts(app) == before


async def test_identifiers_are_nfkc_normalised(client, world):
    # Phone numbers have one canonical spelling; free text is kept as sent (test_text_exact).
    worker, _ = await world.worker(phone="１３８００００１２３４")
    assert worker["phone"] == "13800001234"


async def test_duplicate_credit_code_is_409(client, world):
    admin = await world.admin()
    code = make_credit_code()
    first = await client.post("/v1/employers", json={"name": "甲公司", "credit_code": code},
                              headers=auth(admin))
    again = await client.post("/v1/employers", json={"name": "乙公司", "credit_code": code},
                              headers=auth(admin))
    assert first.status_code == 201 and again.status_code == 409
    assert again.json()["existing_id"] == first.json()["id"]


async def test_authentication_is_checked_before_parameters(client):
    r = await client.get("/v1/jobs", params={"limit": 1000, "cursor": "bogus"})
    assert r.status_code == 401


async def test_method_not_allowed_lists_every_method_of_the_path(client, world):
    r = await client.delete("/v1/jobs/1", headers=auth(await world.admin()))
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, PATCH"
    assert r.headers["content-type"] == "application/problem+json"


async def test_ids_beyond_64_bits_are_422_not_500(client, world):
    key = await world.admin()
    for url in ("/v1/jobs/507250634502059455531712512", "/v1/workers/99999999999999999999",
                "/v1/jobs?employer_id=99999999999999999999"):
        r = await client.get(url, headers=auth(key))
        assert r.status_code == 422, url


async def test_unauthenticated_idempotent_posts_write_nothing(client, world, app):
    """Counted at the database: not one INSERT, UPDATE or DELETE (a claim released at once
    would leave the row count equal, so the statements are what is counted)."""
    from sqlalchemy import event

    writes: list[str] = []

    def record(conn, cursor, statement, params, context, executemany) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            writes.append(statement)

    async def rows() -> int:
        async with app.state.sessionmaker() as session:
            return await session.scalar(select(func.count()).select_from(IdempotencyRecord))

    before = await rows()
    event.listen(app.state.engine.sync_engine, "before_cursor_execute", record)
    try:
        for i, headers in enumerate([
            {},  # no key at all
            auth("gm_live_" + "x" * 43),  # made up
            auth("not-even-a-key"),
            {"Authorization": "Basic dXNlcjpwdw=="},
        ]):
            for _ in range(2):
                r = await client.post("/v1/jobs", json=job_body(),
                                      headers={**headers, "Idempotency-Key": f"anon-{i}"})
                assert r.status_code == 401, r.text
                assert "idempotent-replayed" not in r.headers
        assert writes == []
    finally:
        event.remove(app.state.engine.sync_engine, "before_cursor_execute", record)
    assert await rows() == before
    # A live key still claims its key (the middleware is not simply off).
    _eid, key = await world.employer()
    r = await client.post("/v1/jobs", json=job_body(),
                          headers={**auth(key), "Idempotency-Key": "authed-1"})
    assert r.status_code == 201, r.text
    assert await rows() == before + 1
