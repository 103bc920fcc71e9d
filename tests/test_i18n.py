"""Problems in Simplified Chinese for `Accept-Language: zh-CN`, English otherwise."""

import ast
import pathlib
import re

import pytest

from app.common.i18n import EN, FIELD_ERRORS_ZH, TITLES_ZH, ZH, preferred_language
from tests.conftest import auth, job_body

APP = pathlib.Path(__file__).resolve().parent.parent / "app"
# Where a slug is passed by position: (callee, index of the slug argument).
POSITIONAL = {"problem_response": 3, "send_problem": 4, "_Outcome": 3, "problem_body": 3}
HAN = re.compile(r"[\u4e00-\u9fff]")


def raised_slugs() -> dict[str, str]:
    """Every problem slug written in app/: slug=…, class attributes, dicts, positional."""
    found: dict[str, str] = {}

    def add(node, where) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.setdefault(node.value, where)

    for path in APP.rglob("*.py"):
        where = str(path.relative_to(APP.parent))
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg == "slug":
                        add(kw.value, where)
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                index = POSITIONAL.get(name)
                if index is not None and len(node.args) > index:
                    add(node.args[index], where)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                        for name, value in zip(target.elts, node.value.elts, strict=False):
                            if getattr(name, "id", None) == "slug":
                                add(value, where)
                    elif getattr(target, "id", None) == "slug":
                        add(node.value, where)
            elif isinstance(node, ast.Dict):
                for k, v in zip(node.keys, node.values, strict=False):
                    if isinstance(k, ast.Constant) and k.value == "slug":
                        add(v, where)
    return found


def test_every_slug_raised_in_app_has_a_chinese_title():
    slugs = raised_slugs()
    assert len(slugs) > 30  # the scan finds them (a broken scan must not pass vacuously)
    assert {"database-unavailable", "rate-limited", "posting-rejected"} <= set(slugs)
    missing = {s: where for s, where in slugs.items() if s not in TITLES_ZH}
    assert missing == {}, f"add these to app/common/i18n.py TITLES_ZH: {missing}"
    assert all(HAN.search(title) for title in TITLES_ZH.values())


def test_documented_problem_types_have_a_chinese_title_in_the_catalogue():
    """docs/problems/<slug>.md (written per new slug) and the catalogue agree."""
    docs = pathlib.Path(__file__).resolve().parent.parent / "docs" / "problems"
    pages = [p for p in sorted(docs.glob("*.md")) if p.stem != "README"]
    assert pages
    for page in pages:
        assert page.stem in TITLES_ZH, f"{page.stem}: add its zh title to TITLES_ZH"
        documented = re.search(r"^- title \(zh-CN\): (.+)$", page.read_text(), re.M)
        assert documented, f"{page.name}: no '- title (zh-CN):' line"
        assert documented.group(1).strip() == TITLES_ZH[page.stem], page.name


@pytest.mark.parametrize(("header", "language"), [
    (None, EN), ("", EN), ("zh-CN", ZH), ("zh", ZH), ("zh-Hans-CN", ZH), ("ZH-cn", ZH),
    ("en-US,en;q=0.9", EN), ("zh-CN,zh;q=0.9,en;q=0.8", ZH), ("en;q=0.9, zh-CN;q=0.8", EN),
    ("zh-CN;q=0.5, en;q=0.4", ZH), ("en, zh-CN", EN), ("zh-CN;q=0, en", EN),
    ("fr, zh-CN;q=0.3", ZH), ("zh-TW", EN), ("zh-CN;q=abc", EN), ("*;q=0.5, zh-CN;q=0.4", EN),
    ("de-DE", EN),
])
def test_accept_language_q_values(header, language):
    assert preferred_language(header) == language


ZH_HEADERS = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}


async def test_problems_in_chinese_and_english(client, world):
    r = await client.get("/v1/jobs", headers=ZH_HEADERS)
    assert r.status_code == 401
    assert r.json()["title"] == "未认证" and HAN.search(r.json()["detail"])
    assert r.headers["content-language"] == ZH
    r = await client.get("/v1/jobs")
    assert r.json()["title"] == "Unauthorized" and not HAN.search(r.json()["detail"])
    assert r.headers["content-language"] == EN

    key = await world.admin()
    r = await client.get("/v1/jobs/999999999", headers={**auth(key), **ZH_HEADERS})
    assert r.status_code == 404 and r.json()["title"] == "未找到"
    r = await client.get("/v1/no-such-thing", headers={**auth(key), **ZH_HEADERS})
    assert r.status_code == 404 and r.json()["title"] == "未找到"
    # From raw middleware (outside FastAPI's handlers) too.
    r = await client.post("/v1/jobs", json=job_body(), headers={
        **auth(key), **ZH_HEADERS, "Idempotency-Key": "x" * 300})
    assert r.status_code == 400 and r.json()["title"] == "幂等键无效"
    assert HAN.search(r.json()["detail"]) and r.headers["content-language"] == ZH


async def test_field_errors_in_chinese(client, world):
    key = await world.admin()
    body = job_body()
    body["title"] = ""
    body["headcount"] = 0
    del body["description"]
    body["wage"] = {**body["wage"], "amount": "lots"}
    zh = await client.post("/v1/jobs", json=body, headers={**auth(key), **ZH_HEADERS})
    en = await client.post("/v1/jobs", json=body, headers=auth(key))
    assert zh.status_code == en.status_code == 422
    assert zh.json()["title"] == "校验失败" and en.json()["title"] == "Validation failed"
    zh_errors, en_errors = zh.json()["errors"], en.json()["errors"]
    assert [e["pointer"] for e in zh_errors] == [e["pointer"] for e in en_errors]
    assert len(zh_errors) >= 3
    for error in zh_errors:
        assert HAN.search(error["detail"]), error
        assert not re.search(r"[A-Za-z]{4,}", error["detail"]), error  # no English left
    for error in en_errors:
        assert not HAN.search(error["detail"]), error
    assert zh.json()["detail"].startswith(zh_errors[0]["pointer"] + "：")
    assert HAN.search(zh.json()["detail"])

    r = await client.get("/v1/jobs", params={"limit": 0}, headers={**auth(key), **ZH_HEADERS})
    assert r.status_code == 422
    assert r.json()["errors"] == [{"parameter": "limit", "in": "query", "detail": "须大于或等于 1"}]
    r = await client.get("/v1/jobs", params={"bogus": 1}, headers={**auth(key), **ZH_HEADERS})
    assert r.status_code == 422 and r.json()["errors"][0]["detail"].startswith("未知参数")


def test_every_field_template_is_chinese():
    assert all(HAN.search(t) for t in FIELD_ERRORS_ZH.values())
