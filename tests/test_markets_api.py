"""Markets, assessments, verification, ratings and rankings through the real HTTP app."""

from __future__ import annotations

from sqlalchemy import func, select

from app.auth.principal import Role
from app.markets.models import MarketAssessment
from tests.conftest import auth, job_body, unique
from tests.markets_fixtures import (
    DRAFT,
    assess,
    full_values,
    hire,
    make_market,
    market_postings,
    opened,
)


async def _assessment_count(app, market_id: int) -> int:
    async with app.state.sessionmaker() as session:
        return await session.scalar(
            select(func.count()).select_from(MarketAssessment)
            .where(MarketAssessment.market_id == market_id)
        )


def _ind(result: dict, code: str) -> dict:
    return next(i for i in result["indicators"] if i["code"] == code)


# ------------------------------------------------------------------ market profiles


async def test_market_profile_has_scale_mode_location_opening_and_operator(client, world):
    admin = await world.admin()
    body = {"name": f"巫溪县零工驿站{unique()}", "scale": "station",
            "operating_mode": "purchased_service", "district_code": "500238",
            "address": "巫溪县柏杨街道马镇坝社区", "lat": 31.40, "lng": 109.63,
            "opening_date": "2025-03-01", "operator": "重庆某人力资源服务有限公司",
            "service_hotline": "023-51521234", "opening_hours": "周一至周六 07:00-17:00"}
    r = await client.post("/v1/markets", json=body, headers=auth(admin))
    assert r.status_code == 201, r.text
    market = r.json()
    assert {k: market[k] for k in body} == body
    assert market["current_rating"] is None and r.headers["etag"]
    r = await client.get("/v1/markets", params={"scale": "station", "district_code": "500238",
                                                 "operating_mode": "purchased_service"},
                         headers=auth(await world.key(Role.worker)))
    assert market["id"] in [m["id"] for m in r.json()["items"]]
    for bad in ({"operating_mode": "franchise"}, {"opening_date": "2025-13-01"},
                {"service_hotline": "call us"}, {"scale": "mall"}):
        r = await client.post("/v1/markets", json={**body, **bad}, headers=auth(admin))
        assert r.status_code == 422, bad
        assert r.json()["errors"][0]["pointer"] == "/" + next(iter(bad))
    # Only the bureau registers markets.
    _mid, market_key = await world.market()
    assert (await client.post("/v1/markets", json=body, headers=auth(market_key))).status_code == 403


async def test_market_key_changes_only_its_own_contact_details(client, world):
    market_id, key = await make_market(world)
    other_id, _ = await make_market(world)
    r = await client.get(f"/v1/markets/{market_id}", headers=auth(key))
    etag = r.headers["etag"]
    r = await client.patch(f"/v1/markets/{market_id}", json={"address": "渝中区较场口88号",
                                                             "opening_hours": "06:00-18:00"},
                           headers={**auth(key), "If-Match": etag})
    assert r.status_code == 200 and r.json()["address"] == "渝中区较场口88号"
    assert r.headers["etag"] != etag
    # A stale ETag is refused.
    r = await client.patch(f"/v1/markets/{market_id}", json={"operator": "新运营方"},
                           headers={**auth(key), "If-Match": etag})
    assert r.status_code == 412
    # Scale, district, mode and opening date decide the thresholds: the bureau's call.
    r = await client.patch(f"/v1/markets/{market_id}", json={"scale": "station",
                                                             "address": "x"}, headers=auth(key))
    assert r.status_code == 403 and r.json()["errors"] == [{"pointer": "/scale",
                                                            "detail": "admin only"}]
    r = await client.patch(f"/v1/markets/{other_id}", json={"address": "别人的地址"},
                           headers=auth(key))
    assert r.status_code == 404  # another tenant's profile
    r = await client.patch(f"/v1/markets/{market_id}", json={"scale": "station"},
                           headers=auth(await world.admin()))
    assert r.status_code == 200 and r.json()["scale"] == "station"
    r = await client.patch(f"/v1/markets/{market_id}", json={"name": None},
                           headers=auth(await world.admin()))
    assert r.status_code == 422


# ------------------------------------------------------------------ assessments


async def test_self_assessment_scores_every_indicator_and_lists_shortfalls(client, world):
    market_id, key = await make_market(world)
    values = full_values(V01={"value": 320, "evidence_url": "https://example.org/v01.jpg"},
                         F03=["seats", "drinking_water"], R05=False)
    r = await assess(client, key, market_id, values, note="2026 年第四季度自评")
    assert r.status_code == 201, r.text
    a = r.json()
    assert r.headers["location"] == f"/v1/assessments/{a['id']}"
    assert a["standard_version"] == DRAFT and a["assessor_role"] == "market"
    assert not a["verified"] and a["submitted_result"] is None
    result = a["result"]
    assert len(result["indicators"]) == 37 and len(result["dimensions"]) == 6
    # No postings yet: the digital dimension scores 0 and every digital indicator is a gap.
    assert _ind(result, "V01")["points"] == 5
    assert _ind(result, "V01")["evidence_url"] == "https://example.org/v01.jpg"
    assert _ind(result, "F03")["points"] == 0 and _ind(result, "R05")["points"] == 0
    assert result["total"] == 84 - 3 - 4 - 2 == a["score"]
    assert result["rating"] == "compliant" == a["rating"]
    gaps = {s["code"]: s for s in result["shortfalls"]}
    assert set(gaps) == {"V01", "F03", "R05", "D01", "D02", "D03", "D04", "D05"}
    assert gaps["V01"]["threshold_missed"] == "≥ 500m²" and gaps["V01"]["points_missing"] == 3
    assert gaps["F03"]["missing_items"] == ["手机充电", "卫生间", "空调或取暖"]
    dims = {d["code"]: d["points"] for d in result["dimensions"]}
    assert dims == {"venue": 17, "facilities": 8, "staff": 14, "rules": 12, "services": 24,
                    "digital": 0}


async def test_remote_county_markets_are_scored_against_relaxed_thresholds(client, world):
    results = {}
    for district in ("500103", "500242"):  # 渝中区, 酉阳县
        market_id, key = await make_market(world, district_code=district, scale="station")
        r = await assess(client, key, market_id, full_values(V01=60, S01=1, SV7=6))
        assert r.status_code == 201, r.text
        results[district] = r.json()["result"]
    city, remote = results["500103"], results["500242"]
    assert not city["relaxed_district"] and remote["relaxed_district"]
    assert [(_ind(city, c)["points"], _ind(remote, c)["points"]) for c in ("V01", "S01", "SV7")] \
        == [(5, 8), (2, 5), (2, 5)]
    assert _ind(remote, "V01")["relaxed"] and not _ind(remote, "V02")["relaxed"]
    assert remote["total"] - city["total"] == 9


async def test_missing_or_typed_in_computed_indicators_are_422_naming_them(client, world, app):
    market_id, key = await make_market(world)
    values = full_values()
    del values["V01"], values["S02"]
    r = await assess(client, key, market_id, values)
    assert r.status_code == 422
    problem = r.json()
    assert problem["detail"] == "missing indicators: V01, S02" and problem["missing"] == ["V01", "S02"]
    assert {e["pointer"] for e in problem["errors"]} == {"/values/V01", "/values/S02"}
    r = await assess(client, key, market_id, full_values(D01=500))
    assert r.status_code == 422
    assert r.json()["errors"] == [{"pointer": "/values/D01",
                                   "detail": "近30日发布岗位数 is computed from platform data; do not send it"}]
    r = await assess(client, key, market_id, full_values(V02=["registration", "spa"]))
    assert r.status_code == 422 and "unknown item(s) spa" in r.json()["errors"][0]["detail"]
    r = await assess(client, key, market_id, full_values(V01="300"))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"].startswith("/values/V01")
    assert await _assessment_count(app, market_id) == 0


async def test_a_market_cannot_assess_another_market(client, world, app):
    market_id, _ = await make_market(world)
    _other_id, other_key = await make_market(world)
    r = await assess(client, other_key, market_id)
    assert r.status_code == 404  # another tenant: as if it did not exist
    _eid, employer_key = await world.employer()
    assert (await assess(client, employer_key, market_id)).status_code == 403
    _w, worker_key = await world.worker()
    assert (await assess(client, worker_key, market_id)).status_code == 403
    assert (await assess(client, other_key, 10**12)).status_code == 404
    assert await _assessment_count(app, market_id) == 0


async def test_only_inspectors_verify_and_the_verified_score_counts(client, world):
    market_id, key = await make_market(world)
    a = (await assess(client, key, market_id, full_values(V01=600))).json()
    assert a["result"]["total"] == 84
    inspector = await world.key(Role.inspector)
    verification = {"values": full_values(V01=260, F01=False, S02=["registration", "policy"]),
                    "note": "现场测量面积 260 平方米；信息屏未安装"}
    for who in (key, await world.admin(), (await world.employer())[1]):
        r = await client.post(f"/v1/assessments/{a['id']}/verify", json=verification,
                              headers=auth(who))
        assert r.status_code == 403, r.text
    # An inspector must send a value for every typed-in indicator.
    partial = {"values": {"V01": {"value": 260}}}
    r = await client.post(f"/v1/assessments/{a['id']}/verify", json=partial, headers=auth(inspector))
    assert r.status_code == 422 and "missing indicators" in r.json()["detail"]
    before = (await client.get(f"/v1/assessments/{a['id']}", headers=auth(key))).headers["etag"]
    r = await client.post(f"/v1/assessments/{a['id']}/verify", json=verification,
                          headers=auth(inspector))
    assert r.status_code == 200, r.text
    assert r.headers["etag"] != before
    v = r.json()
    assert v["verified"] and v["verified_at"] and v["verification_note"].startswith("现场测量")
    assert v["submitted_result"]["total"] == 84 and v["result"]["total"] == 84 - 3 - 3 - 2
    assert v["score"] == 76 and v["rating"] == "compliant" and v["result"]["verified"]
    assert [(d["code"], d["submitted"], d["verified"], d["delta"]) for d in v["differences"]] == [
        ("V01", 600, 260, -3.0), ("F01", True, False, -3.0),
        ("S02", ["registration", "policy", "rights"], ["registration", "policy"], -2.0),
    ]
    r = await client.post(f"/v1/assessments/{a['id']}/verify", json=verification,
                          headers=auth(inspector))
    assert r.status_code == 409
    r = await client.get(f"/v1/markets/{market_id}", headers=auth(key))
    current = r.json()["current_rating"]
    assert current == {**current, "assessment_id": a["id"], "score": 76, "verified": True,
                       "rating": "compliant"}


async def test_demonstration_needs_verification_and_three_months_open(client, world):
    inspector = await world.key(Role.inspector)
    for months, expected in ((4, "demonstration"), (2, "compliant")):
        market_id, key = await make_market(world, opening_date=opened(months))
        for job in await market_postings(world, key, 2):
            await hire(world, job)
        a = (await assess(client, key, market_id)).json()
        assert a["result"]["total"] == 96, a["result"]["shortfalls"]
        assert a["rating"] == "compliant"
        assert a["result"]["rating_notes"][0] == "示范评定须经核验人员现场核验"
        r = await client.post(f"/v1/assessments/{a['id']}/verify",
                              json={"values": full_values()}, headers=auth(inspector))
        v = r.json()
        assert v["score"] == 96 and v["rating"] == expected, (months, v["result"]["rating_notes"])
        if expected == "compliant":
            assert "运营未满 3 个月" in v["result"]["rating_notes"][0]
        assert v["differences"] == []


async def test_an_inspection_is_verified_as_made_and_a_veto_fails_it(client, world):
    market_id, _key = await make_market(world)
    inspector = await world.key(Role.inspector)
    r = await assess(client, inspector, market_id, full_values(RV1=True))
    assert r.status_code == 201
    a = r.json()
    assert a["assessor_role"] == "inspector" and a["verified"] and a["rating"] == "failed"
    assert a["result"]["vetoes"] == ["RV1"] and a["score"] == 84
    r = await client.post(f"/v1/assessments/{a['id']}/verify", json={"values": full_values()},
                          headers=auth(inspector))
    assert r.status_code == 409


async def test_computed_indicators_follow_the_markets_postings(client, world):
    market_id, key = await make_market(world)

    async def digital() -> dict:
        r = await assess(client, key, market_id)
        assert r.status_code == 201, r.text
        return {i["code"]: i["value"] for i in r.json()["result"]["indicators"]
                if i["source"] == "computed"}

    assert await digital() == {"D01": 0, "D02": None, "D03": None, "D04": None, "D05": False}
    jobs = await market_postings(world, key, 3)
    assert await digital() == {"D01": 3, "D02": 100.0, "D03": None, "D04": 0.0, "D05": False}
    await hire(world, jobs[0], after_hours=5)
    await hire(world, jobs[1], after_hours=9)
    assert await digital() == {"D01": 3, "D02": 100.0, "D03": 7.0, "D04": 66.7, "D05": True}
    # A posting without a described duty lowers the share with complete information.
    await market_postings(world, key, 1, description="")
    got = await digital()
    assert got["D01"] == 4 and got["D02"] == 75.0 and got["D04"] == 50.0
    # Postings awaiting review are not published; other markets' postings are not ours; an
    # employer's own postings are not the market's.
    unverified_id, _ = await world.employer(verified=False)
    r = await client.post("/v1/jobs", json=job_body(employer_id=unverified_id), headers=auth(key))
    assert r.status_code == 201 and r.json()["status"] == "pending_review"
    _other, other_key = await make_market(world)
    await market_postings(world, other_key, 2)
    _eid, employer_key = await world.employer()
    await world.job(employer_key)
    assert (await digital())["D01"] == 4


async def test_history_and_current_rating(client, world):
    market_id, key = await make_market(world)
    inspector = await world.key(Role.inspector)
    first = (await assess(client, key, market_id)).json()
    r = await client.get(f"/v1/markets/{market_id}", headers=auth(await world.key(Role.worker)))
    assert r.json()["current_rating"]["assessment_id"] == first["id"]
    assert not r.json()["current_rating"]["verified"]
    await client.post(f"/v1/assessments/{first['id']}/verify",
                      json={"values": full_values(V03=False)}, headers=auth(inspector))
    # A later self-assessment does not displace the verified rating.
    later = (await assess(client, key, market_id, full_values(V01=10))).json()
    r = await client.get(f"/v1/markets/{market_id}", headers=auth(key))
    assert r.json()["current_rating"]["assessment_id"] == first["id"]
    assert r.json()["current_rating"]["score"] == 81
    r = await client.get(f"/v1/markets/{market_id}/assessments", headers=auth(key))
    assert r.status_code == 200
    history = r.json()["items"]
    assert [h["id"] for h in history] == [later["id"], first["id"]]
    assert history[1]["verified"] and history[1]["submitted_score"] == 84 and history[1]["score"] == 81
    # Assessment details are for the market, inspectors and admins.
    _other, other_key = await make_market(world)
    assert (await client.get(f"/v1/markets/{market_id}/assessments",
                             headers=auth(other_key))).status_code == 404
    for path in (f"/v1/assessments/{first['id']}", f"/v1/assessments/{first['id']}/report"):
        assert (await client.get(path, headers=auth(other_key))).status_code == 404
        assert (await client.get(path, headers=auth(inspector))).status_code == 200
    r = await client.get(f"/v1/markets/{market_id}/assessments", params={"limit": 1},
                         headers=auth(await world.admin()))
    assert len(r.json()["items"]) == 1 and r.json()["next_cursor"]


async def test_rankings_by_district_scale_and_rating(client, world):
    district = "500152"  # 潼南区: only this test puts rated markets there
    inspector = await world.key(Role.inspector)
    scores = {}
    for label, scale, values in (
        ("a", "market", full_values()),                          # 84
        ("b", "station", full_values(V03=False)),                # 81
        ("c", "market", full_values(V01=0, F01=False, S01=0)),   # 68
        ("d", "station", full_values()),                         # 84, verified
        ("e", "market", full_values(RV2=True)),                  # failed
    ):
        market_id, key = await make_market(world, district_code=district, scale=scale)
        a = (await assess(client, key, market_id, values)).json()
        scores[label] = (market_id, a["score"], a["rating"])
        if label == "d":
            await client.post(f"/v1/assessments/{a['id']}/verify", json={"values": values},
                              headers=auth(inspector))
    worker_key = (await world.worker())[1]

    async def ranking(**params) -> list[tuple[int, int, float, str]]:
        r = await client.get("/v1/compliance/rankings",
                             params={"district_code": district, **params}, headers=auth(worker_key))
        assert r.status_code == 200, r.text
        return [(i["position"], i["market"]["id"], i["score"], i["rating"]) for i in r.json()["items"]]

    by = {k: v[0] for k, v in scores.items()}
    # Rating first (a failed market ranks last whatever its score), then score, then id.
    assert await ranking() == [
        (1, by["a"], 84, "compliant"), (2, by["d"], 84, "compliant"),
        (3, by["b"], 81, "compliant"), (4, by["c"], 68, "needs_improvement"),
        (5, by["e"], 84, "failed"),
    ]
    assert [m for _p, m, _s, _r in await ranking(scale="station")] == [by["d"], by["b"]]
    assert [m for _p, m, _s, _r in await ranking(rating="failed")] == [by["e"]]
    assert [m for _p, m, _s, _r in await ranking(verified="true")] == [by["d"]]
    # Cursor paging: positions continue, nothing repeats or goes missing.
    seen, cursor = [], None
    while True:
        params = {"district_code": district, "limit": 2, **({"cursor": cursor} if cursor else {})}
        r = await client.get("/v1/compliance/rankings", params=params, headers=auth(worker_key))
        page = r.json()
        seen += [(i["position"], i["market"]["id"]) for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [(p, m) for p, m, _s, _r in await ranking()]
    r = await client.get("/v1/compliance/rankings", params={"cursor": "eyJzIjoiTmFOIn0"},
                         headers=auth(worker_key))
    assert r.status_code == 422
