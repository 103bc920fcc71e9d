"""/docs and /redoc work on a network with no internet: every asset comes from this server."""

import re

import pytest


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_pages_reference_only_local_assets(client, page):
    r = await client.get(page)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", r.text)
    urls += re.findall(r"""(?:url|openapi_url|spec-url)\s*:\s*['"]([^'"]+)['"]""", r.text)
    assert urls, r.text
    remote = [u for u in urls if re.match(r"(?i)(https?:)?//", u)]
    assert remote == [], remote
    for url in {u for u in urls if u.startswith("/")}:
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 100, url
