"""Skill text with several entries is split; unknown entries are reported (issue 12 item 2)."""

from __future__ import annotations

import pytest

from app.reference.skills import normalise_skills, split_skill_text
from app.reference.taxonomy import taxonomy
from tests.conftest import auth

# A place of its own, so workers seeded by other tests do not crowd the matches.
HOME = {"lat": 31.0500, "lng": 109.5000}


@pytest.mark.parametrize(("raw", "parts"), [
    ("搬运、装卸", ["搬运", "装卸"]),
    ("电工/焊工", ["电工", "焊工"]),
    ("保洁，做饭;带孩子", ["保洁", "做饭", "带孩子"]),
    ("叉车司机 收银员", ["叉车司机", "收银员"]),
    ("月嫂；育婴员／催乳师,钟点工", ["月嫂", "育婴员", "催乳师", "钟点工"]),
    ("水电工", ["水电工"]),
])
def test_skill_text_is_split_on_common_separators(raw, parts):
    assert split_skill_text(raw) == parts


@pytest.mark.parametrize(("raw", "code"), [
    ("会做饭", "housekeeping.home_cook"),
    ("做饭", "housekeeping.home_cook"),
    ("搬运", "handling.porter"),
    ("装卸", "handling.porter"),
    ("能开叉车", "transport.forklift"),
    ("会搞卫生", "housekeeping.cleaner"),
])
def test_colloquial_skills_are_recognised(raw, code):
    match = taxonomy().normalise(raw, 80)
    assert match.skill is not None and match.skill.code == code


def test_one_row_per_taxonomy_skill():
    matches = normalise_skills(["搬运、装卸", "会做饭"], 80)
    assert [m.skill.code for m in matches] == ["handling.porter", "housekeeping.home_cook"]


async def test_worker_reports_unrecognised_entries_and_is_matched(client, world):
    _eid, ekey = await world.employer()
    worker, _key = await world.worker(
        skills=[{"name": "搬运、装卸", "years": 4}, {"name": "会做饭 量子计算机调音", "years": 1}],
        home_location={"lat": HOME["lat"] + 0.01, "lng": HOME["lng"]},
    )
    codes = [s["skill_code"] for s in worker["skills"]]
    assert codes == ["handling.porter", "housekeeping.home_cook", None]
    assert [s["years"] for s in worker["skills"]] == [4, 1, 1]
    assert worker["unrecognised_skills"] == ["量子计算机调音"]
    job = await world.job(ekey, skills=["搬运工"], location={**HOME, "address": "巫山县某街道"})
    r = await client.get(f"/v1/jobs/{job['id']}/matches", headers=auth(ekey))
    assert r.status_code == 200, r.text
    assert worker["id"] in [i["id"] for i in r.json()["items"]]


async def test_job_reports_unrecognised_entries(client, world):
    _eid, ekey = await world.employer()
    job = await world.job(ekey, skills=["保洁、会做饭", "火星采矿"])
    assert [s["skill_code"] for s in job["skills"]] == [
        "housekeeping.cleaner", "housekeeping.home_cook", None,
    ]
    assert job["unrecognised_skills"] == ["火星采矿"]
    again = (await client.get(f"/v1/jobs/{job['id']}", headers=auth(ekey))).json()
    assert again["unrecognised_skills"] == ["火星采矿"]
