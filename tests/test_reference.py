import json
from importlib import resources

import pytest

from app.employers.credit_code import CHARSET, check_character, validate_credit_code
from app.reference.taxonomy import districts, taxonomy
from tests.conftest import auth, make_credit_code


def test_taxonomy_is_large_and_consistent():
    tax = taxonomy()
    assert len(tax.skills) >= 150
    labels = [label for s in tax.skills for label in (s.name, *s.synonyms)]
    assert len(labels) == len(set(labels)), "a label must point at one skill"
    categories = {s.category for s in tax.skills}
    for needed in ("家政服务", "养老护理与健康照护", "网约配送与快递", "建筑装修", "餐饮服务",
                   "仓储物流", "媒体与网络营销", "安保", "园林绿化与环卫"):
        assert needed in categories


@pytest.mark.parametrize(
    ("raw", "expected_name"),
    [("外卖骑手", "网约配送员"), ("清洁工", "保洁员"), ("水电维修", "水电工"),
     ("家政保洁", "保洁员"), ("棒棒", "搬运工"), ("ＫＴＶ服务员", None)],
)
def test_free_text_normalises_to_the_taxonomy(raw, expected_name):
    match = taxonomy().normalise(raw, 80)
    if expected_name is None:
        assert match.skill is not None  # full-width text is NFKC-folded, then found
    else:
        assert match.skill is not None and match.skill.name == expected_name
        assert match.similarity == 100.0


def test_unknown_text_is_kept_without_a_canonical_skill():
    match = taxonomy().normalise("量子计算机调音师", 80)
    assert match.skill is None and match.similarity == 0.0


def test_districts_are_chongqings_38():
    data = districts()
    assert len(data) == 38
    assert data["500103"].name == "渝中区"
    kinds = [d.kind for d in data.values()]
    assert kinds.count("district") == 26 and kinds.count("county") == 8
    assert kinds.count("autonomous_county") == 4
    raw = json.loads(resources.files("app.reference").joinpath("data", "districts.json").read_text())
    assert all(28 < d["lat"] < 32.5 and 105 < d["lng"] < 110.5 for d in raw)


async def test_skill_search_and_district_endpoints(client, world):
    key = await world.admin()
    r = await client.get("/v1/skills", params={"q": "外卖"}, headers=auth(key))
    assert r.status_code == 200
    assert r.json()["items"][0]["name"] == "网约配送员"
    r = await client.get("/v1/skills", headers=auth(key))
    assert len(r.json()["items"]) == len(taxonomy().skills)
    r = await client.get("/v1/districts", headers=auth(key))
    assert len(r.json()["items"]) == 38
    assert (await client.get("/v1/districts/999999", headers=auth(key))).status_code == 404


def test_credit_code_checksum():
    code = make_credit_code("500105")
    assert validate_credit_code(code) == code
    # Any single-character change breaks the check character.
    for i in range(17):
        replacement = CHARSET[(CHARSET.index(code[i]) + 1) % 31]
        if i in range(2, 8) and not replacement.isdigit():
            continue
        changed = code[:i] + replacement + code[i + 1:]
        with pytest.raises(ValueError):
            validate_credit_code(changed)
    assert check_character("91500000MA5U5AB12") in CHARSET
    with pytest.raises(ValueError, match="18"):
        validate_credit_code("123")
    with pytest.raises(ValueError, match="outside"):
        validate_credit_code("91500000MA5U5ABI2O")
