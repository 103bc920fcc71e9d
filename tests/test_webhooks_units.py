"""Pure cores: retry decisions, Retry-After, address rules, signing, type patterns."""

from __future__ import annotations

import ipaddress
import random
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from standardwebhooks.webhooks import Webhook

from app.webhooks.audience import type_matches
from app.webhooks.netguard import AllowList, check_url
from app.webhooks.schedule import decide, parse_retry_after
from app.webhooks.signing import envelope_bytes, headers_for, new_secret

SCHEDULE = [0, 5, 300, 1800, 7200, 18000, 36000, 36000]


def test_only_2xx_succeeds_and_the_schedule_is_followed():
    assert decide(1, 200, None, SCHEDULE, 0).status == "succeeded"
    assert decide(1, 204, None, SCHEDULE, 0).status == "succeeded"
    delays = [decide(n, 500, None, SCHEDULE, 0).delay_seconds for n in range(1, 8)]
    assert delays == [5, 300, 1800, 7200, 18000, 36000, 36000]
    assert decide(8, 500, None, SCHEDULE, 0).status == "failed"
    for code in (None, 301, 302, 400, 404, 429, 500):
        assert decide(1, code, None, SCHEDULE, 0).status == "pending"
    gone = decide(1, 410, None, SCHEDULE, 0)
    assert gone.status == "failed" and gone.disable_endpoint


def test_jitter_stays_within_its_band():
    rng = random.Random(7)
    delays = {decide(3, 500, None, SCHEDULE, 0.1, rng).delay_seconds for _ in range(200)}
    assert min(delays) >= 1800 * 0.9 and max(delays) <= 1800 * 1.1 and len(delays) > 100


def test_retry_after_only_on_429_and_503_and_never_shortens():
    assert decide(1, 429, 120, SCHEDULE, 0).delay_seconds == 120
    assert decide(1, 503, 120, SCHEDULE, 0).delay_seconds == 120
    assert decide(1, 500, 120, SCHEDULE, 0).delay_seconds == 5
    assert decide(3, 503, 1, SCHEDULE, 0).delay_seconds == 1800
    now = datetime(2026, 11, 28, 8, tzinfo=UTC)
    assert parse_retry_after("30", now) == 30
    assert parse_retry_after(format_datetime(now + timedelta(minutes=2), usegmt=True), now) == 120
    assert parse_retry_after("999999999", now) == 24 * 3600
    assert parse_retry_after("soon", now) is None and parse_retry_after(None, now) is None


@pytest.mark.parametrize("address,allowed", [
    ("8.8.8.8", True), ("2606:4700:4700::1111", True), ("10.1.2.3", False),
    ("172.16.0.1", False), ("192.168.0.1", False), ("127.0.0.1", False), ("::1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("224.0.0.1", False),
    ("fc00::1", False), ("fe80::1", False), ("::ffff:10.0.0.1", False), ("::ffff:8.8.8.8", True),
])
def test_only_public_addresses_unless_allow_listed(address, allowed):
    ip = ipaddress.ip_address(address)
    assert AllowList().address_allowed(ip) is allowed
    assert AllowList.parse(["10.0.0.0/8"]).address_allowed(ipaddress.ip_address("10.1.2.3"))


def test_url_rules():
    allow = AllowList.parse(["127.0.0.1", "hooks.internal"])
    assert check_url("https://example.com/hook", AllowList()) == ("example.com", 443)
    assert check_url("http://127.0.0.1:8080/x", allow) == ("127.0.0.1", 8080)
    assert check_url("http://hooks.internal/x", allow) == ("hooks.internal", 80)
    for bad in ("http://example.com/", "ftp://example.com/", "https:///x",
                "https://u:p@example.com/", "https://example.com/#frag",
                "https://example.com:99999/"):
        with pytest.raises(ValueError):
            check_url(bad, allow)


def test_signatures_verify_with_the_reference_library_for_every_secret():
    old, new = new_secret(), new_secret()
    body = envelope_bytes("evt_1", "job.created", datetime.now(UTC), {"id": 1, "名称": "保洁"})
    headers = headers_for([new, old], "evt_1", int(time.time()), body)
    for secret in (old, new):
        assert Webhook(secret).verify(body, headers)["data"]["名称"] == "保洁"
    assert headers["webhook-signature"].count("v1,") == 2


def test_type_patterns():
    assert type_matches(["*"], "job.created")
    assert type_matches(["job.*"], "job.created") and not type_matches(["job.*"], "jobs.x")
    assert type_matches(["engagement.completed"], "engagement.completed")
    assert not type_matches(["job.created"], "job.closed")
