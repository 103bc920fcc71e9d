"""District codes agree with coordinates (issue 12 item 3); minimum wage by district tier
(item 5)."""

from __future__ import annotations

from datetime import date

import pytest

from app.common.geo import district_for_point
from app.config import Settings
from app.jobs.screening import minimum_wage_fen
from app.reference.taxonomy import districts
from app.reference.wages import minimum_wages
from tests.conftest import auth, job_body, unique

YUBEI_AIRPORT = {"lat": 29.7200, "lng": 106.6400}  # a point in 渝北 (500112)
WUXI = {"lat": 31.3966, "lng": 109.6289}  # 巫溪 (500238), a second-tier county


async def test_a_code_the_point_contradicts_is_refused(client, world):
    _eid, key = await world.employer()
    location = {**YUBEI_AIRPORT, "address": "渝北区机场路", "district_code": "500238"}
    r = await client.post("/v1/jobs", json=job_body(location=location), headers=auth(key))
    assert r.status_code == 422, r.text
    error = r.json()["errors"][0]
    assert error["pointer"] == "/location/district_code"
    assert "巫溪县" in error["detail"] and "渝北区 500112" in error["detail"]


async def test_the_district_is_derived_when_missing(client, world):
    _eid, key = await world.employer()
    job = await world.job(key, location={**YUBEI_AIRPORT, "address": "渝北区机场路"})
    assert job["location"]["district_code"] == "500112"


async def test_an_honest_code_near_a_border_is_accepted(client, world):
    _eid, key = await world.employer()
    # 观音桥, 江北 (500105), a few km from 渝北's centre: either neighbour is believable.
    for code in ("500105", "500112"):
        job = await world.job(key, location={"lat": 29.575, "lng": 106.53,
                                             "address": "江北区观音桥", "district_code": code})
        assert job["location"]["district_code"] == code


async def test_workers_and_markets_are_checked_too(client, world):
    r = await client.post("/v1/workers", json={
        "name": "李明", "phone": "13912340000", "birth_date": "1985-01-01", "gender": "male",
        "skills": [{"name": "保洁"}], "max_travel_km": 10,
        "home_location": {**YUBEI_AIRPORT, "district_code": "500238"},
    }, headers=auth(await world.admin()))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/home_location/district_code"
    r = await client.post("/v1/markets", json={
        "name": f"渝北零工市场{unique()}", "scale": "market", "district_code": "500238",
        **YUBEI_AIRPORT,
    }, headers=auth(await world.admin()))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/district_code"


def test_every_district_accepts_points_around_its_centre():
    for d in districts().values():
        for dlat in (-0.15, 0, 0.15):
            for dlng in (-0.15, 0, 0.15):
                assert district_for_point(d.lat + dlat, d.lng + dlng, d.code) == d.code


def test_far_codes_are_refused_everywhere():
    for d in districts().values():
        far = max(districts().values(), key=lambda o: (o.lat - d.lat) ** 2 + (o.lng - d.lng) ** 2)
        with pytest.raises(ValueError, match=far.code):
            district_for_point(d.lat, d.lng, far.code)


def test_every_district_has_one_tier_and_every_standard_a_source():
    data = minimum_wages()
    assert set(data.tier_of) == set(districts())
    for standard in data.standards:
        assert standard.source and set(standard.tiers) == {1, 2}
        assert standard.tiers[1]["hour_fen"] > standard.tiers[2]["hour_fen"]


def test_the_standard_in_force_is_chosen_by_date():
    settings = Settings()
    assert minimum_wage_fen("hour", "500103", settings, date(2024, 6, 1)) == 2100
    assert minimum_wage_fen("hour", "500103", settings, date(2025, 6, 1)) == 2300
    assert minimum_wage_fen("hour", "500238", settings, date(2025, 6, 1)) == 2200
    assert minimum_wage_fen("month", "500238", settings, date(2025, 6, 1)) == 223000
    assert minimum_wage_fen("piece", "500103", settings, date(2025, 6, 1)) is None


def test_the_settings_override_applies_everywhere():
    settings = Settings(min_wage_hour_fen=2500)
    for code in ("500103", "500238"):
        assert minimum_wage_fen("hour", code, settings, date(2026, 1, 1)) == 2500
    assert minimum_wage_fen("month", "500238", settings, date(2026, 1, 1)) == 223000


async def test_postings_are_screened_against_their_districts_tier(client, world):
    _eid, key = await world.employer()
    wage = {"amount": 2200, "unit": "hour", "settlement": "daily"}
    job = await world.job(key, wage=wage, location={**WUXI, "address": "巫溪县城厢镇"})
    assert job["location"]["district_code"] == "500238"
    r = await client.post("/v1/jobs", json=job_body(wage=wage), headers=auth(key))  # 渝中
    assert r.status_code == 422 and r.json()["minimum_fen"] == 2300, r.text
    # Moving the second-tier posting to 渝中 re-screens its wage.
    r = await client.patch(
        f"/v1/jobs/{job['id']}",
        json={"location": {"lat": 29.563, "lng": 106.5516, "address": "渝中区解放碑"}},
        headers={**auth(key), "If-Match": (await client.get(
            f"/v1/jobs/{job['id']}", headers=auth(key))).headers["ETag"]},
    )
    assert r.status_code == 422 and r.json()["reason"] == "below_minimum_wage", r.text
