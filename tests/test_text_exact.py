"""Text comes back exactly as sent (issue 12 item 1); only derived keys are folded."""

from __future__ import annotations

from tests.conftest import auth, job_body, make_credit_code, unique

PUNCTUATED = "急招（临时）保洁员：今天能到岗吗？欢迎！"


async def test_job_text_keeps_full_width_punctuation(client, world):
    _eid, key = await world.employer()
    desc = "负责住户日常清洁，工具由公司提供；周末（含节假日）加班另计！"
    address = "渝中区解放碑步行街８号（近地铁２号线）"
    job = await world.job(key, title=PUNCTUATED + str(unique()), description=desc,
                          location={**job_body()["location"], "address": address})
    assert job["title"].startswith(PUNCTUATED)
    assert job["description"] == desc
    again = (await client.get(f"/v1/jobs/{job['id']}", headers=auth(key))).json()
    assert again["title"] == job["title"] and again["description"] == desc
    assert again["location"]["address"] == address


async def test_company_and_market_names_keep_their_registered_spelling(client, world):
    admin = await world.admin()
    name = f"重庆市渝中区好帮手（家政）服务有限公司{unique()}"
    r = await client.post("/v1/employers", json={"name": name, "credit_code": make_credit_code()},
                          headers=auth(admin))
    assert r.status_code == 201, r.text
    assert r.json()["name"] == name
    market = f"渝中区零工市场（解放碑站）{unique()}"
    r = await client.post("/v1/markets", json={"name": market, "scale": "market",
                                               "district_code": "500103"}, headers=auth(admin))
    assert r.status_code == 201, r.text
    assert r.json()["name"] == market


async def test_text_is_trimmed_but_not_rewritten(client, world):
    _eid, key = await world.employer()
    job = await world.job(key, title=f"  ＡＢＣ保洁，１２３{unique()}  ")
    assert job["title"].startswith("ＡＢＣ保洁，１２３") and not job["title"].endswith(" ")


async def test_control_characters_are_refused_naming_the_field(client, world):
    _eid, key = await world.employer()
    r = await client.post("/v1/jobs", json=job_body(description="正常描述\u0007响铃"),
                          headers=auth(key))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    error = r.json()["errors"][0]
    assert error["pointer"] == "/description" and "U+0007" in error["detail"]
    # Line breaks and tabs are text, not controls.
    job = await world.job(key, description="第一行\n第二行\t结束")
    assert job["description"] == "第一行\n第二行\t结束"


async def test_full_width_skill_text_still_matches_and_is_returned_as_sent(client, world):
    _eid, key = await world.employer()
    job = await world.job(key, skills=["保洁"], title=f"保洁（日结）{unique()}")
    worker, _ = await world.worker(skills=[{"name": "家政保洁", "years": 2}])
    assert worker["skills"][0]["raw"] == "家政保洁"
    job2 = await world.job(key, skills=["ＰＬＣ编程"])
    assert job2["skills"][0]["raw"] == "ＰＬＣ编程"
    assert job["title"].startswith("保洁（日结）")


async def test_duplicate_detection_compares_folded_titles(client, world):
    _eid, key = await world.employer()
    n = unique()
    await world.job(key, title=f"急招（临时）搬运工{n}")
    r = await client.post("/v1/jobs", json=job_body(title=f"急招(临时)搬运工{n}"),
                          headers=auth(key))
    assert r.status_code == 409 and r.json()["type"].endswith("duplicate-posting"), r.text
