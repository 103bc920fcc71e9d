"""Unknown query parameters answer 422 naming the parameter, on every operation; the events
feed pages with `cursor` like every other list (and still accepts the deprecated `after`)."""

import re

from tests.conftest import auth


async def test_every_operation_refuses_an_unknown_query_parameter(client, app, world):
    key = await world.admin()
    checked = 0
    for path, operations in app.openapi()["paths"].items():
        url = re.sub(r"\{[^}]+\}", "1", path)
        for method in operations:
            r = await client.request(method.upper(), url, params={"zz_unknown": "1"},
                                     headers=auth(key))
            assert r.status_code == 422, (method, path, r.status_code, r.text)
            problem = r.json()
            assert r.headers["content-type"] == "application/problem+json"
            assert problem["errors"][0] == {
                "parameter": "zz_unknown", "in": "query",
                "detail": problem["errors"][0]["detail"]}, (method, path, problem)
            assert "zz_unknown" in problem["detail"]
            checked += 1
    assert checked > 50


async def test_unknown_parameters_come_after_authentication(client):
    r = await client.get("/v1/jobs", params={"zz_unknown": "1"})
    assert r.status_code == 401


async def test_documented_parameters_still_work(client, world):
    key = await world.admin()
    r = await client.get("/v1/jobs", params={"limit": 2}, headers=auth(key))
    assert r.status_code == 200
    r = await client.get("/healthz")
    assert r.status_code == 200
    r = await client.get("/healthz", params={"verbose": "1"})
    assert r.status_code == 422 and r.json()["errors"][0]["parameter"] == "verbose"


async def test_event_feed_pages_with_cursor_and_still_accepts_after(client, world):
    key = await world.admin()
    first = await client.get("/v1/events", params={"limit": 1}, headers=auth(key))
    assert first.status_code == 200, first.text
    cursor = first.json()["next_cursor"]
    by_cursor = await client.get("/v1/events", params={"limit": 5, "cursor": cursor},
                                 headers=auth(key))
    by_after = await client.get("/v1/events", params={"limit": 5, "after": cursor},
                                headers=auth(key))
    assert by_cursor.status_code == by_after.status_code == 200
    assert by_cursor.json() == by_after.json()
    start = await client.get("/v1/events", params={"limit": 5}, headers=auth(key))
    if start.json()["items"]:
        assert by_cursor.json()["items"] != start.json()["items"][:5] or not by_cursor.json()[
            "items"]
    bad = await client.get("/v1/events", params={"cursor": "garbage"}, headers=auth(key))
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["parameter"] == "cursor"
    both = await client.get("/v1/events", params={"cursor": cursor, "after": "x"},
                            headers=auth(key))
    assert both.status_code == 422
    operation = (await client.get("/openapi.json")).json()["paths"]["/v1/events"]["get"]
    after = next(p for p in operation["parameters"] if p["name"] == "after")
    assert after.get("deprecated") is True
