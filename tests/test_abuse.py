"""Rate limits, security headers and CORS, on an app instance with small limits."""

import secrets

import httpx
import pytest
from sqlalchemy import event

from app.auth.principal import Role
from app.main import create_app
from tests.conftest import auth


@pytest.fixture
async def strict_client(settings):
    strict = settings.model_copy(update={
        "rate_limit_per_key": "3/minute", "rate_limit_per_address": "2/minute",
        "cors_origins": ["https://www.example-partner.cn"],
    })
    app = create_app(strict)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://gigmarket.test") as c:
        yield c
    await app.state.engine.dispose()


async def test_per_key_limit_answers_429_with_retry_after(strict_client, world):
    key = await world.admin()
    other = await world.key(Role.inspector)
    codes = [(await strict_client.get("/v1/jobs", headers=auth(key))).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = await strict_client.get("/v1/jobs", headers=auth(key))
    assert r.status_code == 429 and r.headers["content-type"] == "application/problem+json"
    assert 1 <= int(r.headers["retry-after"]) <= 60
    # Another key has its own budget; health probes are never limited.
    assert (await strict_client.get("/v1/jobs", headers=auth(other))).status_code == 200
    for _ in range(5):
        assert (await strict_client.get("/healthz")).status_code == 200


async def test_unauthenticated_callers_are_limited_per_address(strict_client):
    codes = [(await strict_client.get("/v1/districts")).status_code for _ in range(3)]
    assert codes == [401, 401, 429]


async def test_security_headers_and_cors(client, strict_client, world):
    r = await client.get("/v1/jobs", headers=auth(await world.admin()))
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-request-id"]
    preflight = await strict_client.options("/v1/jobs", headers={
        "Origin": "https://www.example-partner.cn", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Idempotency-Key"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://www.example-partner.cn"
    foreign = await strict_client.options("/v1/jobs", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in foreign.headers


async def _client_from(app, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 5000))
    return httpx.AsyncClient(transport=transport, base_url="http://gigmarket.test")


@pytest.fixture(scope="module")
async def strict_app(settings):
    strict = settings.model_copy(update={
        "rate_limit_per_key": "1000/minute", "rate_limit_per_address": "5/minute",
    })
    app = create_app(strict)
    yield app
    await app.state.engine.dispose()


async def test_made_up_tokens_share_the_address_limit_and_are_looked_up_at_most_that_often(
    strict_app, world
):
    from sqlalchemy import event

    lookups = 0

    def count(conn, cursor, statement, *args) -> None:
        nonlocal lookups
        lookups += "api_keys" in statement

    key = await world.admin()
    async with await _client_from(strict_app, "198.51.100.23") as c:
        assert (await c.get("/v1/jobs", headers=auth(key))).status_code == 200
    sync_engine = strict_app.state.engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", count)
    try:
        async with await _client_from(strict_app, "198.51.100.23") as c:
            codes = [
                (await c.get("/v1/jobs", headers=auth("gm_live_" + secrets.token_urlsafe(32))))
                .status_code for _ in range(500)
            ]
    finally:
        event.remove(sync_engine, "before_cursor_execute", count)
    assert codes[:5] == [401] * 5
    assert set(codes[5:]) == {429}
    assert lookups <= 5
    # A verified key from the same address keeps its own budget (its first request did not
    # count against the address either).
    async with await _client_from(strict_app, "198.51.100.23") as c:
        assert (await c.get("/v1/jobs", headers=auth(key))).status_code == 200


async def test_unauthenticated_post_with_idempotency_key_writes_nothing(client, app, world):
    from sqlalchemy import event

    writes: list[str] = []

    def watch(conn, cursor, statement, *args) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement)

    sync_engine = app.state.engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", watch)
    try:
        for headers in ({}, auth("gm_live_" + secrets.token_urlsafe(32)), auth("not-a-key")):
            r = await client.post("/v1/jobs", json={"title": "x"},
                                  headers={**headers, "Idempotency-Key": secrets.token_hex(8)})
            assert r.status_code == 401, r.text
        assert writes == []
        # With a valid key the same header is honoured: a claim is written.
        key = await world.admin()
        writes.clear()
        r = await client.post("/v1/jobs", json={"title": "x"},
                              headers={**auth(key), "Idempotency-Key": secrets.token_hex(8)})
        assert r.status_code == 422
        assert any("idempotency_keys" in w for w in writes)
    finally:
        event.remove(sync_engine, "before_cursor_execute", watch)


async def test_revoked_key_stops_at_once_here_and_within_the_cache_time_elsewhere(
    settings, client, world
):
    import asyncio

    other = create_app(settings.model_copy(update={"key_cache_seconds": 0.3}))
    admin = await world.admin()
    key = await world.key(Role.inspector)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=other),
                                 base_url="http://gigmarket.test") as elsewhere:
        assert (await elsewhere.get("/v1/jobs", headers=auth(key))).status_code == 200
        r = await client.get("/v1/api-keys?limit=100", headers=auth(admin))
        key_id = next(k["id"] for k in r.json()["items"] if key.startswith(k["prefix"]))
        assert (await client.delete(f"/v1/api-keys/{key_id}", headers=auth(admin))).is_success
        assert (await client.get("/v1/jobs", headers=auth(key))).status_code == 401
        await asyncio.sleep(0.35)
        assert (await elsewhere.get("/v1/jobs", headers=auth(key))).status_code == 401
    await other.state.engine.dispose()


async def test_made_up_bearer_tokens_share_the_address_limit(settings):
    """500 requests from one address, each with a fresh random token: only the address's
    budget gets through to authentication, the rest are refused before any key lookup."""
    import secrets

    app = create_app(settings.model_copy(update={
        "rate_limit_per_key": "1000/minute", "rate_limit_per_address": "20/minute"}))
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 5000))
    lookups: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        if "api_keys" in statement:
            lookups.append(statement)

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://gigmarket.test") as c:
            codes = [
                (await c.get("/v1/jobs", headers=auth(f"gm_live_{secrets.token_urlsafe(32)}"))
                 ).status_code
                for _ in range(500)
            ]
    finally:
        await app.state.engine.dispose()
    assert codes.count(401) == 20 and codes.count(429) == 480
    assert codes[:20] == [401] * 20
    assert 0 < len(lookups) <= 2 * 20  # past the address budget, no key lookups at all


async def test_a_verified_key_gets_its_own_bucket(settings, world):
    key = await world.admin()
    app = create_app(settings.model_copy(update={
        "rate_limit_per_key": "10/minute", "rate_limit_per_address": "2/minute"}))
    transport = httpx.ASGITransport(app=app, client=("203.0.113.10", 5000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://gigmarket.test") as c:
            codes = [(await c.get("/v1/jobs", headers=auth(key))).status_code for _ in range(8)]
            anonymous = (await c.get("/v1/jobs")).status_code
    finally:
        await app.state.engine.dispose()
    assert codes == [200] * 8 and anonymous == 401  # a valid key never uses the address budget
