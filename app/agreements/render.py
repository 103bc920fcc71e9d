"""Renders an agreement from the engagement's terms: pure (no I/O beyond the template)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

KIND_TITLES = {
    "labour_contract": ("劳动合同", "合同"),
    "written_agreement": ("书面协议", "协议"),
    "part_time_contract": ("非全日制用工劳动合同", "合同"),
    "civil_agreement": ("民事协议", "协议"),
}
EMPLOYMENT_ZH = {"part_time": "非全日制", "temporary": "临时性", "seasonal": "阶段性"}
SETTLEMENT_ZH = {"daily": "日结", "weekly": "周结", "monthly": "月结", "on_completion": "完工结"}
UNIT_ZH = {"hour": "小时", "day": "天", "piece": "件", "month": "月"}
PROTECTION_ZH = {
    "work_injury": "工伤保险", "occupational_injury_pilot": "新就业形态就业人员职业伤害保障",
    "commercial_accident": "商业意外伤害保险", "none": "暂无",
}

_env = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html", "j2"]), undefined=StrictUndefined,
)


def wage_text(amount_fen: int, unit: str) -> str:
    return f"每{UNIT_ZH.get(unit, unit)} {amount_fen // 100}.{amount_fen % 100:02d} 元"


def render(kind: str, terms: dict) -> tuple[str, str]:
    """The HTML document and its SHA-256 (hex) over the UTF-8 bytes."""
    title, noun = KIND_TITLES[kind]
    html = _env.get_template("agreement.html.j2").render(title=title, noun=noun, t=terms)
    return html, hashlib.sha256(html.encode("utf-8")).hexdigest()
