"""Endpoint management: the secret shown once, ownership (others get 404), updates with
If-Match, disable/enable/delete, secret rotation with overlap, the test event, URL safety."""

from __future__ import annotations

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.auth.principal import Role
from tests.conftest import auth

pytest_plugins = ["tests.webhooks_fixtures"]


async def test_create_shows_the_secret_once_and_only_the_owner_sees_it(
    wh_world, wh_client, subscribe
):
    employer_id, key = await wh_world.employer()
    endpoint, _path = await subscribe(key, ["job.created", "job.*"])
    assert endpoint["secret"].startswith("whsec_") and endpoint["enabled"] is True
    assert endpoint["event_types"] == ["job.created", "job.*"]

    r = await wh_client.get(f"/v1/webhook-endpoints/{endpoint['id']}", headers=auth(key))
    assert r.status_code == 200 and "secret" not in r.json() and r.headers["etag"]
    # Another key of the same employer sees it; another employer and a partner do not.
    same = await wh_world.key(Role.employer, employer_id)
    assert (await wh_client.get(f"/v1/webhook-endpoints/{endpoint['id']}",
                                headers=auth(same))).status_code == 200
    _other_id, other = await wh_world.employer()
    partner = await wh_world.key(Role.partner)
    for k in (other, partner):
        r = await wh_client.get(f"/v1/webhook-endpoints/{endpoint['id']}", headers=auth(k))
        assert r.status_code == 404
        r = await wh_client.delete(f"/v1/webhook-endpoints/{endpoint['id']}", headers=auth(k))
        assert r.status_code == 404
        listed = (await wh_client.get("/v1/webhook-endpoints", headers=auth(k))).json()
        assert endpoint["id"] not in [e["id"] for e in listed["items"]]
    listed = (await wh_client.get("/v1/webhook-endpoints", headers=auth(key))).json()
    assert [e["id"] for e in listed["items"]] == [endpoint["id"]]
    # A worker key has no webhook scope.
    worker = await wh_world.key(Role.worker)
    assert (await wh_client.get("/v1/webhook-endpoints", headers=auth(worker))).status_code == 403


async def test_update_with_if_match_disable_enable_delete(wh_world, wh_client, subscribe):
    _eid, key = await wh_world.employer()
    endpoint, _ = await subscribe(key)
    url = f"/v1/webhook-endpoints/{endpoint['id']}"
    etag = (await wh_client.get(url, headers=auth(key))).headers["etag"]
    r = await wh_client.patch(url, json={"description": "x"},
                              headers={**auth(key), "If-Match": '"0.0"'})
    assert r.status_code == 412
    r = await wh_client.patch(url, json={"description": "订单回调", "event_types": ["job.*"]},
                              headers={**auth(key), "If-Match": etag})
    assert r.status_code == 200 and r.json()["description"] == "订单回调"
    assert r.json()["event_types"] == ["job.*"] and r.headers["etag"] != etag
    r = await wh_client.patch(url, json={"event_types": ["Job Created"]}, headers=auth(key))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/event_types/0"
    r = await wh_client.patch(url, json={"url": None}, headers=auth(key))
    assert r.status_code == 422

    r = await wh_client.post(f"{url}/disable", headers=auth(key))
    assert r.json()["enabled"] is False and r.json()["disabled_reason"]
    r = await wh_client.post(f"{url}/test", headers=auth(key))
    assert r.status_code == 409
    r = await wh_client.patch(url, json={"enabled": True}, headers=auth(key))
    assert r.json()["enabled"] is True and r.json()["disabled_reason"] is None
    assert (await wh_client.delete(url, headers=auth(key))).status_code == 204
    assert (await wh_client.get(url, headers=auth(key))).status_code == 404


@pytest.mark.parametrize("url", [
    "https://10.0.0.5/hook", "https://127.0.0.1/hook", "https://[::1]/hook",
    "https://169.254.169.254/latest/meta-data", "https://192.168.1.10/hook",
    "https://[::ffff:10.0.0.1]/hook", "https://100.64.0.1/hook", "https://0.0.0.0/hook",
    "https://localhost/hook", "http://8.8.8.8/hook", "ftp://8.8.8.8/hook",
    "https://user:pw@8.8.8.8/hook", "https://nonexistent.invalid/hook",
])
async def test_private_and_non_https_urls_are_refused(client, world, url):
    """The default settings (no allow-list): only https to public addresses."""
    _eid, key = await world.employer()
    r = await client.post("/v1/webhook-endpoints", json={"url": url}, headers=auth(key))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["pointer"] == "/url"


async def test_delivery_time_check_refuses_an_address_no_longer_allowed(
    drain, wh_app, wh_world, wh_client, receiver, subscribe, make_dispatcher
):
    """Saved while loopback was allowed; the dispatcher checks again on every connection."""
    _eid, key = await wh_world.employer()
    endpoint, path = await subscribe(key)
    strict = wh_app.state.settings.model_copy(update={"webhook_allow_list": []})
    r = await wh_client.post(f"/v1/webhook-endpoints/{endpoint['id']}/test", headers=auth(key))
    assert r.status_code == 202
    await drain(make_dispatcher(settings=strict, schedule=[0, 60]), lambda: True)
    assert receiver.at(path) == []
    r = await wh_client.get(f"/v1/webhook-endpoints/{endpoint['id']}/deliveries",
                            headers=auth(key))
    [attempt] = r.json()["items"][0]["attempts"]
    assert attempt["status_code"] is None and "not allowed" in attempt["error"]

    # A name resolves only to allowed addresses; an IP literal (which aiohttp connects to
    # without asking the resolver) is checked before the request.
    from app.webhooks.netguard import AddressNotAllowed, AllowList, GuardedResolver, vet_literal

    public_only = AllowList.parse(["8.8.8.8/32"])
    with pytest.raises(AddressNotAllowed):
        await GuardedResolver(public_only).resolve("localhost", receiver.port)
    with pytest.raises(AddressNotAllowed):
        vet_literal("127.0.0.1", public_only)
    [loopback] = await GuardedResolver(AllowList.parse(["127.0.0.0/8"])).resolve(
        "127.0.0.1", receiver.port)
    assert loopback["host"] == "127.0.0.1" and loopback["hostname"] == "127.0.0.1"


async def test_rotation_signs_with_both_secrets_during_the_overlap(
    drain, wh_world, wh_client, receiver, subscribe, make_dispatcher
):
    _eid, key = await wh_world.employer()
    endpoint, path = await subscribe(key, ["nothing.matches"])
    url = f"/v1/webhook-endpoints/{endpoint['id']}"
    old = endpoint["secret"]
    r = await wh_client.post(f"{url}/rotate-secret", json={"overlap_seconds": 3600},
                             headers=auth(key))
    assert r.status_code == 200 and r.json()["previous_secret_expires_at"]
    new = r.json()["secret"]
    assert new != old and new.startswith("whsec_")

    r = await wh_client.post(f"{url}/test", headers=auth(key))
    assert r.status_code == 202
    test_event = r.json()["event_id"]
    await drain(make_dispatcher(), lambda: len(receiver.at(path)) >= 1)
    [req] = receiver.at(path)
    assert len(req.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        payload = Webhook(secret).verify(req.body, req.headers)
        assert payload["type"] == "webhook.test" and payload["id"] == test_event

    # Rotating without overlap: only the newest secret signs.
    r = await wh_client.post(f"{url}/rotate-secret", json={"overlap_seconds": 0},
                             headers=auth(key))
    newest = r.json()["secret"]
    assert r.json()["previous_secret_expires_at"] is None
    await wh_client.post(f"{url}/test", headers=auth(key))
    await drain(make_dispatcher(), lambda: len(receiver.at(path)) >= 2)
    req = receiver.at(path)[1]
    Webhook(newest).verify(req.body, req.headers)
    for secret in (old, new):
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(req.body, req.headers)


async def test_test_event_goes_only_to_its_endpoint(drain, wh_world, wh_client, receiver, subscribe,
                                                    make_dispatcher):
    _eid, key = await wh_world.employer()
    first, first_path = await subscribe(key, ["webhook.test"])
    _second, second_path = await subscribe(key, ["webhook.test"])
    r = await wh_client.post(f"/v1/webhook-endpoints/{first['id']}/test", headers=auth(key))
    await drain(make_dispatcher(), lambda: len(receiver.at(first_path)) >= 1)
    assert receiver.at(second_path) == []
    [req] = receiver.at(first_path)
    assert req.headers["webhook-id"] == r.json()["event_id"]
