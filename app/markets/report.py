"""The printable assessment report: an HTML page with an SVG radar chart drawn here.

Pure: takes the stored assessment result and the market's details, returns text.
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from jinja2 import Environment, PackageLoader, select_autoescape

from app.markets.standard_model import Standard, fmt

RATING_LABELS = {
    "demonstration": "示范", "compliant": "达标", "needs_improvement": "待改进", "failed": "不合格",
}
SCALE_LABELS = {"market": "零工市场", "station": "零工驿站"}
MODE_LABELS = {
    "public_agency": "公共就业服务机构运营", "agency_window": "依托现有机构设立专门窗口",
    "purchased_service": "政府购买服务",
}
ASSESSOR_LABELS = {"market": "市场自评", "inspector": "核验人员现场检查", "admin": "人社部门录入"}


def _xy(cx: float, cy: float, r: float, i: int, n: int) -> tuple[float, float]:
    """Axis i of n, clockwise from twelve o'clock."""
    angle = -math.pi / 2 + 2 * math.pi * i / n
    return cx + r * math.cos(angle), cy + r * math.sin(angle)


def _points(pairs: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.2f},{y:.2f}" for x, y in pairs)


def radar_svg(dimensions: list[dict[str, Any]], size: int = 420) -> str:
    """A radar (spider) chart of each dimension's share of its points, as standalone SVG.

    Every vertex carries data-dimension and data-ratio so the drawing can be checked.
    """
    n = len(dimensions)
    cx = cy = size / 2
    radius = size * 0.32
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="radar" viewBox="0 0 {size} {size}" '
        f'width="{size}" height="{size}" role="img" aria-label="六个维度得分率雷达图" '
        f'data-cx="{cx:g}" data-cy="{cy:g}" data-radius="{radius:g}">',
        '<g class="grid" fill="none" stroke="#c8ccd2" stroke-width="1">',
    ]
    for level in (0.2, 0.4, 0.6, 0.8, 1.0):
        ring = [_xy(cx, cy, radius * level, i, n) for i in range(n)]
        parts.append(f'<polygon class="ring" data-level="{level:g}" points="{_points(ring)}"/>')
    parts.append("</g>")
    parts.append('<g class="axes" stroke="#9aa1ab" stroke-width="1">')
    for i in range(n):
        x, y = _xy(cx, cy, radius, i, n)
        parts.append(f'<line class="axis" x1="{cx:g}" y1="{cy:g}" x2="{x:.2f}" y2="{y:.2f}"/>')
    parts.append("</g>")
    ratios = [max(0.0, min(1.0, float(d["ratio"]))) for d in dimensions]
    shape = [_xy(cx, cy, radius * r, i, n) for i, r in enumerate(ratios)]
    parts.append(
        f'<polygon id="radar-score" class="score" points="{_points(shape)}" '
        'fill="rgba(15,118,110,0.25)" stroke="#0f766e" stroke-width="3" stroke-linejoin="round"/>'
    )
    for i, (d, (x, y)) in enumerate(zip(dimensions, shape, strict=True)):
        parts.append(
            f'<circle class="vertex" cx="{x:.2f}" cy="{y:.2f}" r="4" fill="#0f766e" '
            f'data-dimension="{escape(d["code"])}" data-ratio="{ratios[i]:.4f}"/>'
        )
    for i, d in enumerate(dimensions):
        x, y = _xy(cx, cy, radius + 34, i, n)
        anchor = "middle" if abs(x - cx) < 1 else ("start" if x > cx else "end")
        parts.append(
            f'<text class="label" x="{x:.2f}" y="{y:.2f}" text-anchor="{anchor}" '
            f'font-size="15" fill="#1f2933">'
            f'<tspan x="{x:.2f}" font-weight="bold">{escape(d["name"])}</tspan>'
            f'<tspan x="{x:.2f}" dy="18" font-size="13">'
            f'{fmt(d["points"])}/{fmt(d["max_points"])}</tspan></text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


@cache
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("app.markets", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["num"] = fmt
    return env


def display_value(value: Any, indicator: dict[str, Any], standard: Standard | None) -> str:
    if value is None:
        return "—（数据不足）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        spec = standard.indicator(indicator["code"]) if standard else None
        names = {i.code: i.name for i in spec.items} if spec else {}
        return "、".join(names.get(v, v) for v in value) or "无"
    return f"{fmt(value)}{indicator.get('unit') or ''}"


def render_report(
    *, assessment: dict[str, Any], market: dict[str, Any], standard: Standard | None,
    generated_at: datetime,
) -> str:
    result = assessment["result"]
    names = {d["code"]: d["name"] for d in result["dimensions"]}
    rows = [
        {**i, "display": display_value(i["value"], i, standard),
         "dimension_name": names.get(i["dimension"], i["dimension"])}
        for i in result["indicators"]
    ]
    by_code = {i["code"]: i for i in result["indicators"]}
    diffs = [
        {**d, "submitted_display": display_value(d["submitted"], by_code[d["code"]], standard),
         "verified_display": display_value(d["verified"], by_code[d["code"]], standard)}
        for d in assessment.get("differences") or [] if d["code"] in by_code
    ]
    return _env().get_template("report.html.j2").render(
        a={**assessment, "differences": diffs}, r=result, market=market, standard=standard, indicators=rows,
        radar=radar_svg(result["dimensions"]), generated_at=generated_at,
        rating_label=RATING_LABELS.get(result["rating"], result["rating"]),
        scale_label=SCALE_LABELS.get(market["scale"], market["scale"]),
        mode_label=MODE_LABELS.get(market.get("operating_mode") or "", "未登记"),
        assessor_label=ASSESSOR_LABELS.get(assessment["assessor_role"], "—"),
        dimension_names=names,
    )
