"""Posting screening (policy item 十五: no fees asked of workers, lawful wages, no duplicates).

Pure functions: the service feeds them the posting and the settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz, utils

from app.common.text import match_key
from app.reference.wages import minimum_wages

# Money asked of workers before they work, and the schemes that stand in for it. Each is
# matched on the folded text (full-width forms become ASCII), and the phrase that matched is
# what the refusal names.
FEE_TERMS = (
    "押金", "保证金", "培训费", "服装费", "工服费", "工装费", "体检费", "报名费", "中介费",
    "介绍费", "入职费", "办卡费", "资料费", "管理费", "证件费", "上岗费", "信息费", "会员费",
    "办证费", "制卡费", "工牌费", "先交", "预交", "缴纳费用",
)
_SCHEMES = (
    r"扣押\S{0,3}(身份证|证件|毕业证)",
    r"(身份证|证件|毕业证)(原件)?\S{0,2}(押在|扣押|抵押|上交公司|交公司保管|由公司保管)",
    r"培训贷|贷款培训|分期培训|办理\S{0,4}贷款",
    r"先\S{0,2}垫付|需\S{0,2}垫付|垫资",
    r"刷单|刷信誉|刷好评",
    r"[押压]\S{0,3}工资",
    r"自费\S{0,2}(体检|培训|购买|办理)",
)
_FEE = re.compile("|".join([*map(re.escape, FEE_TERMS), *_SCHEMES]))
# Clauses: what a denial or an employer-pays phrase can reach. "押金由公司承担，员工无需缴纳"
# holds two clauses, each honest on its own.
_CLAUSE = re.compile(r"[^。！？!?；;，,\n]+")
_EMPLOYER = r"(公司|单位|企业|用人单位|老板|店里|店家|厂里|厂方|我方|我司|本公司|雇主|平台|甲方)"
_PAYS = r"(承担|负担|负责|支付|报销|出|买单|全包|包|垫付|提供|统一办理|支出)"
# A denial just before the term: 不收任何押金, 无需缴纳保证金, 零押金. What lies between may
# only be words of paying or of the payer (无经验交押金 is not a denial).
_DENY_BEFORE = re.compile(
    r"(不收|不收取|不需|不需要|无需|无须|不用|免收|免交|免除|免|没有|无任何|无|拒绝|严禁|禁止|"
    r"绝不|决不|从不|不会|不存在|零|不交|不缴|不扣|不押|不压|不得|杜绝|谨防|警惕|凡是|凡|不)"
    r"(收取|收|缴纳|交纳|缴|交|支付|付|任何|一切|其他|其它|额外|形式|各种|各类|所谓|的|费用|或|和|、|"
    r"及|员工|求职者|工人|你|您|个人|向|预|先|需|须|要|用|再|另)*$"
)
# The employer pays, or pays the worker, before the term: 公司承担体检费, 另发服装费补贴.
# Nothing between may ask the worker for money (公司提供住宿需交押金 is a request).
_ASKS = r"[^需要交缴先请须收扣]"
_PAID_BEFORE = re.compile(
    _EMPLOYER + r"\S{0,3}" + _PAYS + _ASKS + r"{0,4}$|(补贴|补助|报销|另发|发放|发)" + _ASKS + r"{0,2}$"
)
# …or after it: 押金由公司承担, 服装费补贴50元, 押金：无, 体检费全免.
_PAID_AFTER = re.compile(
    r"^\S{0,6}?(由\S{0,2}" + _EMPLOYER + r"|" + _EMPLOYER + r")\S{0,3}" + _PAYS
    + r"|^\S{0,4}?(补贴|补助|津贴|报销|全免|免收|免除|全部免除|一律不收|一律免|不收|无需|无须|"
    r"不用|不需要|为零|为0|全额报销|没有|免费)"
    r"|^[：:\s]*(无|没有|免|0|零)\s*$|^[：:\s]*[0零]\s*元"
)
# A warning about the practice is not the practice: 谨防刷单诈骗, 凡收取押金的均为诈骗.
_WARNING_AFTER = re.compile(r"(诈骗|骗局|违法|可举报|请举报|均为|都是骗)")


@dataclass(frozen=True)
class FeeFinding:
    term: str  # the phrase that triggered the refusal
    field: str
    clause: str  # the clause it stands in, as sent


def _honest(clause: str, start: int, end: int) -> bool:
    before, after = clause[:start], clause[end:]
    return bool(
        _DENY_BEFORE.search(before) or _PAID_BEFORE.search(before)
        or _PAID_AFTER.search(after) or _WARNING_AFTER.search(after)
    )


def find_fee_request(fields: dict[str, str]) -> FeeFinding | None:
    """First fee, deposit or fee-like scheme a posting asks of workers, skipping denials
    (不收押金), the employer paying (押金由公司承担) and subsidies (服装费补贴50元)."""
    for name, text in fields.items():
        # Folding keeps lengths for CJK text but not always (ligatures), so clauses are cut
        # from the folded text and named from it; the phrase is what the rule matched.
        folded = match_key(text)
        for clause in _CLAUSE.finditer(folded):
            body = clause.group(0)
            for match in _FEE.finditer(body):
                if not _honest(body, match.start(), match.end()):
                    return FeeFinding(match.group(0), name, body.strip())
    return None


def minimum_wage_fen(unit: str, district_code: str | None, settings, today: date) -> int | None:
    """The floor for a posting: its district's tier (reference data), unless the settings
    override that unit for the whole city."""
    override = {
        "hour": settings.min_wage_hour_fen,
        "day": settings.min_wage_day_fen,
        "month": settings.min_wage_month_fen,
    }.get(unit)
    if override is not None:
        return override
    return minimum_wages().floor_fen(unit, district_code, today)


def title_similarity(a: str, b: str) -> float:
    # Compared on the folded keys, so "（急）保洁" and "(急)保洁" are the same title.
    return fuzz.token_set_ratio(match_key(a), match_key(b), processor=utils.default_process)
