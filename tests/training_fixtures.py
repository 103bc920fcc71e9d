"""Helpers for the training tests: catalogue entries, courses and keys through the real API."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from app.auth.principal import Role
from tests.conftest import auth, make_credit_code, unique


async def institution(world, *, voucher_eligible: bool = True, delivery: str = "both"
                      ) -> tuple[int, str]:
    """A published institution (created by the admin) and a key acting for it."""
    r = await world.client.post("/v1/training/institutions", json={
        "name": f"重庆数字技能培训学校{unique()}", "credit_code": make_credit_code(),
        "licence_no": f"渝人社培{secrets.token_hex(3)}", "district_codes": ["500103"],
        "delivery": delivery, "voucher_eligible": voucher_eligible,
    }, headers=auth(await world.admin()))
    assert r.status_code == 201, r.text
    return r.json()["id"], await world.key(Role.institution, r.json()["id"])


def course_body(**overrides) -> dict:
    start = date.today() + timedelta(days=7)
    body = {
        "title": f"网络营销与直播运营{unique()}", "skill_codes": ["media.live_host"],
        "hours": 8, "delivery": "online", "digital_skills": True,
        "starts_on_date": start.isoformat(), "ends_on_date": (start + timedelta(days=5)).isoformat(),
        "capacity": 50, "price_fen": 80_000, "subsidy_level": "初级",
    }
    body.update(overrides)
    return body


async def course(world, institution_key: str, **overrides) -> dict:
    r = await world.client.post("/v1/training/courses", json=course_body(**overrides),
                                headers=auth(institution_key))
    assert r.status_code == 201, r.text
    return r.json()
