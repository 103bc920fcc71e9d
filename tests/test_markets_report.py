"""The printable report: its SVG radar chart checked by parsing, and by a headless-browser
screenshot where Chromium is installed."""

from __future__ import annotations

import asyncio
import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.auth.principal import Role
from app.markets.report import radar_svg
from tests.conftest import auth
from tests.markets_fixtures import assess, full_values, make_market

SVG = "{http://www.w3.org/2000/svg}"
CHROMIUM = Path("/usr/bin/chromium")
SCORE_STROKE = (0x0F, 0x76, 0x6E)  # #0f766e, a colour nothing else on the page uses


def _svg(html: str) -> ET.Element:
    match = re.search(r"<svg\b.*?</svg>", html, re.S)
    assert match, "the report holds no SVG"
    return ET.fromstring(match.group(0))


def _points(text: str) -> list[tuple[float, float]]:
    return [tuple(map(float, p.split(","))) for p in text.split()]


def _check_radar(svg: ET.Element, dimensions: list[dict]) -> None:
    n = len(dimensions)
    cx, cy, radius = (float(svg.get(k)) for k in ("data-cx", "data-cy", "data-radius"))
    assert len(svg.findall(f".//{SVG}line[@class='axis']")) == n
    rings = svg.findall(f".//{SVG}polygon[@class='ring']")
    assert len(rings) == 5 and all(len(_points(r.get("points"))) == n for r in rings)
    outer = _points(rings[-1].get("points"))
    assert all(math.isclose(math.dist((cx, cy), p), radius, abs_tol=0.02) for p in outer)
    score = svg.find(f".//{SVG}polygon[@id='radar-score']")
    vertices = _points(score.get("points"))
    assert len(vertices) == n
    for i, (dim, (x, y)) in enumerate(zip(dimensions, vertices, strict=True)):
        r = math.dist((cx, cy), (x, y))
        assert math.isclose(r / radius, dim["ratio"], abs_tol=0.001), dim
        if r > 1:  # the axis angle: clockwise from twelve o'clock, 360/n apart
            angle = math.degrees(math.atan2(y - cy, x - cx))
            assert math.isclose((angle + 90) % 360, (360 * i / n) % 360, abs_tol=0.1)
    labels = ["".join(t.itertext()) for t in svg.findall(f".//{SVG}text[@class='label']")]
    assert labels == [f"{d['name']}{d['points']:g}/{d['max_points']:g}" for d in dimensions]
    circles = svg.findall(f".//{SVG}circle[@class='vertex']")
    assert [c.get("data-dimension") for c in circles] == [d["code"] for d in dimensions]


def test_radar_geometry_on_its_own():
    dims = [{"code": c, "name": c, "points": p, "max_points": m, "ratio": p / m}
            for c, p, m in (("a", 10, 20), ("b", 12, 12), ("c", 0, 14), ("d", 7, 14),
                            ("e", 24, 24), ("f", 4, 16))]
    _check_radar(ET.fromstring(radar_svg(dims)), dims)
    # The drawing is data-driven: another shape moves the vertices.
    assert radar_svg(dims) != radar_svg([{**d, "ratio": 1.0} for d in dims])


async def _report(client, world, name: str, values: dict) -> tuple[dict, str]:
    market_id, key = await make_market(world, name=name)
    a = (await assess(client, key, market_id, values)).json()
    inspector = await world.key(Role.inspector)
    v = (await client.post(f"/v1/assessments/{a['id']}/verify",
                           json={"values": full_values(**{**values, "V02": ["registration"]})},
                           headers=auth(inspector))).json()
    r = await client.get(f"/v1/assessments/{a['id']}/report", headers=auth(key))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    return v, r.text


async def test_report_shows_market_scores_radar_and_shortfalls(client, world):
    values = full_values(V01=120, F01=False, F03=["seats"], SV7=12, R06=False)
    v, html = await _report(client, world, "报告测试<script>alert(1)</script>零工市场", values)
    result = v["result"]
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert f'<div class="total" id="total">{result["total"]:g}</div>' in html
    assert 'id="rating">达标<' in html or 'id="rating">待改进<' in html
    assert "公共就业服务机构运营" in html and "渝中区" in html and "cq-draft-2024" in html
    assert len(re.findall(r"<tr><td>[A-Z]+\d+ ", html.split('id="shortfalls"')[1].split("</table>")[0])) \
        == len(result["shortfalls"])
    assert "核验差异（1 项）" in html and "功能分区" in html
    _check_radar(_svg(html), result["dimensions"])


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium")
async def test_report_radar_renders_in_a_headless_browser(client, world, tmp_path):
    from PIL import Image

    values = full_values(V01=100, V02=["registration"], F01=False, F03=["seats"], S01=1,
                         S02=["registration"], SV7=3, SV2=0)
    _v, html = await _report(client, world, "截图测试零工市场", values)
    page = tmp_path / "report.html"
    page.write_text(html, "utf-8")
    shot = tmp_path / "report.png"
    profile = tmp_path / "profile"
    await asyncio.to_thread(
        subprocess.run,
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--user-data-dir={profile}", "--window-size=1000,1300", f"--screenshot={shot}",
         page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    keep = Path("/tmp/gigmarket-report-screenshot.png")
    shutil.copy(shot, keep)  # for a person to look at
    image = Image.open(shot).convert("RGB")
    assert image.size == (1000, 1300)
    pixels = image.load()
    teal = [(x, y) for x in range(image.width) for y in range(image.height)
           if all(abs(c - s) <= 12 for c, s in zip(pixels[x, y], SCORE_STROKE, strict=True))]
    assert len(teal) > 400, "the score polygon's outline is not on the page"
    # The outline's extent matches the polygon's: same aspect within a few pixels.
    svg = _svg(html)
    xs, ys = zip(*_points(svg.find(f".//{SVG}polygon[@id='radar-score']").get("points")), strict=True)
    rx, ry = zip(*teal, strict=True)
    assert abs((max(rx) - min(rx)) - (max(xs) - min(xs))) <= 10
    assert abs((max(ry) - min(ry)) - (max(ys) - min(ys))) <= 10
    # Text was drawn (dark pixels well beyond the chart): the page is not blank.
    dark = sum(1 for x in range(0, image.width, 2) for y in range(0, image.height, 2)
               if sum(pixels[x, y]) < 150)
    assert dark > 2000
