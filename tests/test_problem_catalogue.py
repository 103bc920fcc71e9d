"""Every problem type the code can answer has its page in docs/problems/."""

from __future__ import annotations

import re
from pathlib import Path

from tests.problem_slugs import all_slugs, slugs_in

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "docs" / "problems"
# Slugs built at run time: Starlette's HTTP errors use the status phrase (404 → not-found).
DERIVED = {"method-not-allowed", "not-found"}
HEAD = re.compile(
    r"# (?P<slug>[a-z0-9-]+)\n- status: (?P<status>[1-5]\d\d)\n- title \(en\): .+\n"
    r"- title \(zh-CN\): .+\n"
)


def test_scanner_finds_slugs_in_each_form():
    source = '''
class Gone(Problem):
    status, slug, title = 410, "gone-for-good", "Gone"
raise Conflict("x", slug="job-full")
problem_response(503, "Unavailable", "db down", "not-ready")
await send_problem(send, 413, "Too large", "big", "content-too-large")
PROBLEM = {"status": 503, "slug": "database-unavailable"}
'''
    assert slugs_in(source) == {"gone-for-good", "job-full", "not-ready", "content-too-large",
                                "database-unavailable"}


def test_every_slug_raised_has_a_page():
    raised = set(all_slugs(ROOT)) | DERIVED
    assert len(raised) > 30
    missing = sorted(s for s in raised if not (PAGES / f"{s}.md").exists())
    assert not missing, f"write docs/problems/<slug>.md for: {missing}"


def test_pages_follow_the_format_and_the_index_lists_them():
    index = (PAGES / "README.md").read_text(encoding="utf-8")
    for page in sorted(PAGES.glob("*.md")):
        if page.name == "README.md":
            continue
        text = page.read_text(encoding="utf-8")
        head = HEAD.match(text)
        assert head and head["slug"] == page.stem, page.name
        assert "\nWhen" in text and "\nWhat to do" in text, page.name
        assert f"({page.name})" in index, f"{page.name} is not in docs/problems/README.md"
