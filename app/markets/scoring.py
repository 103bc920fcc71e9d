"""Scoring an assessment against a standard: pure functions, no I/O, testable alone.

Points are exact decimals so a total of 89.9 is never 89.90000000000001 and a boundary such as
90 is decided exactly. The result is a plain dataclass tree that serialises to JSON.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from app.markets.standard_model import Indicator, RatingRules, Standard, Tier, dec, fmt

Rating = Literal["demonstration", "compliant", "needs_improvement", "failed"]
RATINGS: tuple[Rating, ...] = ("demonstration", "compliant", "needs_improvement", "failed")
Value = bool | int | float | list[str] | None


# ------------------------------------------------------------------------ input checks


def _check_value(ind: Indicator, value: Any) -> str | None:
    """Why `value` is not acceptable for `ind`, or None."""
    kind = ind.value_type
    if kind == "boolean":
        return None if isinstance(value, bool) else "expects true or false"
    if kind == "count":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "expects a list of item codes"
        known = {item.code for item in ind.items}
        unknown = [v for v in value if v not in known]
        if unknown:
            return f"unknown item(s) {', '.join(unknown)}; choose from {', '.join(sorted(known))}"
        if len(set(value)) != len(value):
            return "lists an item more than once"
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "expects a number" + (f" ({ind.unit})" if ind.unit else "")
    if value != value or value in (float("inf"), float("-inf")):
        return "expects a finite number"
    if ind.min_value is not None and value < ind.min_value:
        return f"must be at least {fmt(ind.min_value)}"
    if ind.max_value is not None and value > ind.max_value:
        return f"must be at most {fmt(ind.max_value)}"
    return None


def input_errors(standard: Standard, values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(indicator code, problem) for every missing, unknown, computed or ill-typed value.

    `values` holds what a person typed in: every non-computed indicator, nothing else.
    """
    errors: list[tuple[str, str]] = []
    for code in values:
        ind = standard.indicator(code)
        if ind is None:
            errors.append((code, f"not an indicator of standard {standard.version}"))
        elif ind.kind == "computed":
            errors.append((code, f"{ind.name} is computed from platform data; do not send it"))
    for ind in standard.indicators:
        if ind.kind == "computed":
            continue
        if ind.code not in values:
            errors.append((ind.code, f"missing: {ind.name}"))
            continue
        problem = _check_value(ind, values[ind.code])
        if problem:
            errors.append((ind.code, f"{ind.name} {problem}"))
    return errors


# ------------------------------------------------------------------------ results


@dataclass
class TierView:
    threshold: float
    points: float
    comparison: Literal["at_least", "at_most"]


@dataclass
class IndicatorScore:
    code: str
    name: str
    dimension: str
    kind: str
    value: Value
    points: float
    max_points: float
    veto: bool = False
    vetoed: bool = False
    relaxed: bool = False
    source: Literal["submitted", "computed"] = "submitted"
    evidence_url: str | None = None
    unit: str | None = None
    tiers: list[TierView] = field(default_factory=list)


@dataclass
class Shortfall:
    code: str
    name: str
    dimension: str
    value: Value
    points: float
    max_points: float
    points_missing: float
    veto: bool
    threshold_missed: str
    to_reach: str
    next_points: float | None = None
    missing_items: list[str] = field(default_factory=list)


@dataclass
class DimensionScore:
    code: str
    name: str
    points: float
    max_points: float
    ratio: float


@dataclass
class ScoreResult:
    standard_version: str
    scale: str
    district_code: str
    relaxed_district: bool
    verified: bool
    as_of_date: str
    total: float
    max_total: float
    rating: Rating
    rating_notes: list[str]
    vetoes: list[str]
    dimensions: list[DimensionScore]
    indicators: list[IndicatorScore]
    shortfalls: list[Shortfall]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)




def _num(x: Decimal) -> float:
    return float(x)


# ------------------------------------------------------------------------ one indicator


def _reached(tier: Tier, direction: str, x: Decimal) -> bool:
    return x >= dec(tier.threshold) if direction == "higher" else x <= dec(tier.threshold)


def _tier_points(tiers: list[Tier], direction: str, x: Decimal) -> tuple[Decimal, int]:
    points, index = Decimal(0), -1
    for i, tier in enumerate(tiers):
        if _reached(tier, direction, x):
            points, index = dec(tier.points), i
    return points, index


def _measure(ind: Indicator, value: Value) -> Decimal | None:
    if value is None:
        return None
    if ind.value_type == "count":
        return Decimal(len(value))  # type: ignore[arg-type]
    return dec(value)  # type: ignore[arg-type]


def _score_tiered(
    ind: Indicator, value: Value, tiers: list[Tier]
) -> tuple[Decimal, Shortfall | None]:
    x = _measure(ind, value)
    unit = ind.unit or ("项" if ind.value_type == "count" else "")
    sign = "≥" if ind.direction == "higher" else "≤"
    full = dec(ind.points)
    if x is None:
        first = tiers[0]
        return Decimal(0), Shortfall(
            ind.code, ind.name, ind.dimension, value, 0.0, ind.points, ind.points, False,
            threshold_missed=f"{sign} {fmt(first.threshold)}{unit}",
            to_reach="近期平台数据不足，无法计算；在平台发布岗位并完成对接后自动计入",
            next_points=first.points,
        )
    points, index = _tier_points(tiers, ind.direction, x)
    if points == full:
        return points, None
    nxt = tiers[index + 1]
    missing_items: list[str] = []
    if ind.value_type == "count":
        present = set(value or [])  # type: ignore[arg-type]
        missing_items = [item.name for item in ind.items if item.code not in present]
        more = int(dec(nxt.threshold) - x)
        to_reach = (
            f"再具备 {more} 项（可从：{'、'.join(missing_items)}）即达 {sign} "
            f"{fmt(nxt.threshold)} 项，得 {fmt(nxt.points)} 分"
        )
    else:
        to_reach = (
            f"达到 {sign} {fmt(nxt.threshold)}{unit}（当前 {fmt(x)}{unit}）可得 "
            f"{fmt(nxt.points)} 分"
        )
        if index + 1 < len(tiers) - 1:
            top = tiers[-1]
            to_reach += f"；{sign} {fmt(top.threshold)}{unit} 得满分 {fmt(top.points)} 分"
    return points, Shortfall(
        ind.code, ind.name, ind.dimension, value, _num(points), ind.points,
        _num(full - points), False,
        threshold_missed=f"{sign} {fmt(nxt.threshold)}{unit}", to_reach=to_reach,
        next_points=nxt.points, missing_items=missing_items,
    )


def _score_boolean(ind: Indicator, value: Value) -> tuple[Decimal, bool, Shortfall | None]:
    """(points, vetoed, shortfall)."""
    passed = value is not None and bool(value) == ind.pass_when
    if passed:
        return dec(ind.points), False, None
    if ind.veto:
        return Decimal(0), True, Shortfall(
            ind.code, ind.name, ind.dimension, value, 0.0, 0.0, 0.0, True,
            threshold_missed="不得发生（一票否决）",
            to_reach=f"整改“{ind.name}”问题并经核验后方可评级",
        )
    want = "是" if ind.pass_when else "否"
    return Decimal(0), False, Shortfall(
        ind.code, ind.name, ind.dimension, value, 0.0, ind.points, ind.points, False,
        threshold_missed=f"须为“{want}”",
        to_reach=f"落实“{ind.name}”可得 {fmt(ind.points)} 分",
        next_points=ind.points,
    )


# ------------------------------------------------------------------------ rating


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def rate(
    total: Decimal, vetoed: bool, rules: RatingRules, *, verified: bool,
    opening_date: date | None, as_of: date,
) -> tuple[Rating, list[str]]:
    """The rating and, where a higher one was missed only by a condition, why."""
    if vetoed:
        return "failed", ["存在一票否决事项"]
    notes: list[str] = []
    if total >= dec(rules.demonstration_min_total):
        months = rules.demonstration_min_months_open
        if rules.demonstration_requires_verification and not verified:
            notes.append("示范评定须经核验人员现场核验")
        if opening_date is None:
            notes.append("未登记开业日期，无法确认运营满 " + f"{months} 个月")
        elif add_months(opening_date, months) > as_of:
            notes.append(f"运营未满 {months} 个月（{opening_date.isoformat()} 开业）")
        if not notes:
            return "demonstration", []
    if total >= dec(rules.compliant_min_total):
        return "compliant", notes
    return "needs_improvement", notes


# ------------------------------------------------------------------------ whole assessment


@dataclass(frozen=True)
class Entry:
    value: Value
    evidence_url: str | None = None
    source: Literal["submitted", "computed"] = "submitted"


def score(
    standard: Standard, *, scale: str, district_code: str, entries: Mapping[str, Entry],
    verified: bool, opening_date: date | None, as_of: date,
) -> ScoreResult:
    """Scores every indicator, dimension and the total, lists shortfalls and rates the market.

    `entries` must hold a value for every indicator (computed ones may be None when the data
    cannot support them); check typed-in values with `input_errors` first.
    """
    relaxed_district = standard.is_relaxed(district_code)
    indicators: list[IndicatorScore] = []
    shortfalls: list[Shortfall] = []
    by_dimension: dict[str, Decimal] = {d.code: Decimal(0) for d in standard.dimensions}
    vetoes: list[str] = []
    for ind in standard.indicators:
        entry = entries[ind.code]
        relaxed = False
        tiers: list[Tier] = []
        vetoed = False
        if ind.tiered:
            relaxed = relaxed_district and bool(ind.relaxed and scale in ind.relaxed)
            tiers = ind.tiers_for(scale, relaxed)
            points, shortfall = _score_tiered(ind, entry.value, tiers)
        else:
            points, vetoed, shortfall = _score_boolean(ind, entry.value)
        if vetoed:
            vetoes.append(ind.code)
        if shortfall is not None:
            shortfalls.append(shortfall)
        by_dimension[ind.dimension] += points
        indicators.append(IndicatorScore(
            ind.code, ind.name, ind.dimension, ind.kind, entry.value, _num(points), ind.points,
            veto=ind.veto, vetoed=vetoed, relaxed=relaxed, source=entry.source,
            evidence_url=entry.evidence_url, unit=ind.unit,
            tiers=[
                TierView(t.threshold, t.points,
                         "at_least" if ind.direction == "higher" else "at_most")
                for t in tiers
            ],
        ))
    total = sum(by_dimension.values(), Decimal(0))
    rating, notes = rate(
        total, bool(vetoes), standard.ratings, verified=verified, opening_date=opening_date,
        as_of=as_of,
    )
    dimensions = [
        DimensionScore(d.code, d.name, _num(by_dimension[d.code]), d.points,
                       float(by_dimension[d.code] / dec(d.points)))
        for d in standard.dimensions
    ]
    return ScoreResult(
        standard_version=standard.version, scale=scale, district_code=district_code,
        relaxed_district=relaxed_district, verified=verified, as_of_date=as_of.isoformat(),
        total=_num(total), max_total=100.0, rating=rating, rating_notes=notes, vetoes=vetoes,
        dimensions=dimensions, indicators=indicators, shortfalls=shortfalls,
    )


def _same(a: Value, b: Value) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return sorted(a) == sorted(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


def differences(submitted: dict[str, Any], verified: dict[str, Any]) -> list[dict[str, Any]]:
    """Typed-in indicators where the inspector's value differs from the one submitted; both
    arguments are results as stored (ScoreResult.to_json())."""
    before = {i["code"]: i for i in submitted["indicators"]}
    out = []
    for after in verified["indicators"]:
        prior = before.get(after["code"])
        if prior is None or after["source"] == "computed" or _same(prior["value"], after["value"]):
            continue
        out.append({
            "code": after["code"], "name": after["name"], "dimension": after["dimension"],
            "submitted": prior["value"], "verified": after["value"],
            "submitted_points": prior["points"], "verified_points": after["points"],
            "delta": _num(dec(after["points"]) - dec(prior["points"])),
        })
    return out
