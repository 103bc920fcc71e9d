"""Posting screening (policy item 十五: no fees asked of workers, lawful wages, no duplicates).

Pure functions: the service feeds them the posting and the settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, utils

from app.common.text import match_key

# Money asked of workers before they work: deposits and fees of every common kind.
FEE_TERMS = (
    "押金", "保证金", "培训费", "服装费", "工服费", "工装费", "体检费", "报名费", "中介费",
    "介绍费", "入职费", "办卡费", "资料费", "管理费", "住宿押金", "证件费", "上岗费", "信息费",
    "会员费", "先交", "预交", "缴纳费用",
)
_FEE = re.compile("|".join(map(re.escape, FEE_TERMS)))
# "不收押金", "无需任何培训费", "免体检费": a denial a few characters before the term.
_DENIAL = re.compile(r"(不|无|免|没有|拒绝|严禁|禁止|绝不|不会)[^，。,.;；!！\n]{0,6}$")


@dataclass(frozen=True)
class FeeFinding:
    term: str
    field: str


def find_fee_request(fields: dict[str, str]) -> FeeFinding | None:
    """First fee or deposit a posting asks of workers, skipping denials such as 不收押金."""
    for name, text in fields.items():
        for match in _FEE.finditer(text):
            if not _DENIAL.search(text[max(0, match.start() - 8) : match.start()]):
                return FeeFinding(match.group(0), name)
    return None


def minimum_wage_fen(unit: str, settings) -> int | None:
    return {
        "hour": settings.min_wage_hour_fen,
        "day": settings.min_wage_day_fen,
        "month": settings.min_wage_month_fen,
    }.get(unit)


def title_similarity(a: str, b: str) -> float:
    # Compared on the folded keys, so "（急）保洁" and "(急)保洁" are the same title.
    return fuzz.token_set_ratio(match_key(a), match_key(b), processor=utils.default_process)
