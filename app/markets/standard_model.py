"""The compliance standard's shape: a pydantic model that validates a standard file strictly.

A standard is data (YAML or JSON), never code. This module only describes and checks it; the
scoring rules that read it live in `scoring.py`, and loading lives in `standards.py`.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Scale = Literal["market", "station"]
SCALES: tuple[Scale, ...] = ("market", "station")
Kind = Literal["boolean", "number", "count", "computed"]
Direction = Literal["higher", "lower"]
Code = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,39}$")]
VERSION_PATTERN = r"^[a-z0-9][a-z0-9.\-]{1,39}$"

# Metrics the platform computes from its own data (see metrics.py), and their value types.
METRICS: dict[str, Literal["number", "boolean"]] = {
    "postings_published": "number",
    "complete_info_share": "number",
    "median_hours_to_first_match": "number",
    "fill_rate": "number",
    "online_channel": "boolean",
    # From the complaint channel (app/complaints/metrics.py).
    "complaints_received": "number",
    "complaints_on_time_share": "number",
}


def dec(value: float | int) -> Decimal:
    """Points as exact decimals: 0.1 + 0.2 must equal 0.3 when a total sits on a boundary."""
    return Decimal(str(value))


def fmt(value: float | int | Decimal) -> str:
    """8.0 → '8', 0.50 → '0.5'."""
    return format(Decimal(str(value)).normalize(), "f")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Tier(_Strict):
    """One step: reaching the threshold earns `points` (the best tier reached counts)."""

    at_least: float | None = None
    at_most: float | None = None
    points: float = Field(gt=0, le=100)

    @model_validator(mode="after")
    def _one_bound(self) -> Tier:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("a tier sets exactly one of at_least or at_most")
        return self

    @property
    def threshold(self) -> float:
        return self.at_least if self.at_least is not None else self.at_most  # type: ignore[return-value]


class ListItem(_Strict):
    code: Code
    name: str = Field(min_length=1, max_length=60)


class Dimension(_Strict):
    code: Code
    name: str = Field(min_length=1, max_length=20)
    name_en: str | None = Field(default=None, max_length=40)
    points: float = Field(gt=0, le=100)


class Indicator(_Strict):
    code: Code
    dimension: Code
    name: str = Field(min_length=1, max_length=60)
    description: str = Field(default="", max_length=500)
    kind: Kind
    points: float = Field(ge=0, le=100)
    veto: bool = False
    # boolean: the answer that passes (a veto such as "charges workers" passes when false)
    pass_when: bool = True
    # number / count / computed
    unit: str | None = Field(default=None, max_length=20)
    direction: Direction = "higher"
    min_value: float | None = None
    max_value: float | None = None
    items: list[ListItem] = Field(default_factory=list)
    metric: str | None = None
    thresholds: dict[Scale, list[Tier]] | None = None
    relaxed: dict[Scale, list[Tier]] | None = None

    @property
    def value_type(self) -> Literal["boolean", "number", "count"]:
        if self.kind == "computed":
            return METRICS.get(self.metric or "", "number")  # type: ignore[return-value]
        return self.kind  # type: ignore[return-value]

    @property
    def tiered(self) -> bool:
        return self.value_type in ("number", "count")

    def tiers_for(self, scale: str, relaxed: bool) -> list[Tier]:
        if relaxed and self.relaxed and scale in self.relaxed:
            return self.relaxed[scale]  # type: ignore[index]
        return (self.thresholds or {}).get(scale, [])  # type: ignore[call-overload]

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        if self.veto and (self.kind != "boolean" or self.points != 0):
            raise ValueError("a veto indicator is a boolean worth 0 points (it gates, not scores)")
        if not self.veto and self.points <= 0:
            raise ValueError("points must be greater than 0 (only veto indicators carry 0)")
        if self.kind == "computed":
            if self.metric not in METRICS:
                raise ValueError(
                    f"metric {self.metric!r} is not one the platform computes "
                    f"(known: {', '.join(sorted(METRICS))})"
                )
        elif self.metric is not None:
            raise ValueError("only computed indicators name a metric")
        if self.kind == "count":
            if not self.items:
                raise ValueError("a count indicator lists the items it counts")
            codes = [i.code for i in self.items]
            if len(set(codes)) != len(codes):
                raise ValueError("item codes must be unique")
            if self.direction != "higher":
                raise ValueError("a count indicator counts upwards (direction: higher)")
        elif self.items:
            raise ValueError("only count indicators list items")
        if self.tiered:
            self._check_tiers()
        elif self.thresholds is not None or self.relaxed is not None:
            raise ValueError(f"a {self.value_type} indicator has no thresholds")
        return self

    def _check_tiers(self) -> None:
        if self.thresholds is None:
            raise ValueError(f"a {self.value_type} indicator needs thresholds for each scale")
        missing = [s for s in SCALES if s not in self.thresholds]
        if missing:
            raise ValueError(f"thresholds missing for scale(s): {', '.join(missing)}")
        for label, table in (("thresholds", self.thresholds), ("relaxed", self.relaxed or {})):
            for scale, tiers in table.items():
                self._check_tier_list(f"{label}.{scale}", tiers)

    def _check_tier_list(self, where: str, tiers: list[Tier]) -> None:
        if not tiers:
            raise ValueError(f"{where}: at least one tier")
        key = "at_least" if self.direction == "higher" else "at_most"
        for tier in tiers:
            if getattr(tier, key) is None:
                raise ValueError(f"{where}: direction {self.direction} uses '{key}' tiers")
            self._check_range(where, tier.threshold)
        values = [t.threshold for t in tiers]
        points = [dec(t.points) for t in tiers]
        ordered = (
            all(a < b for a, b in pairwise(values))
            if self.direction == "higher"
            else all(a > b for a, b in pairwise(values))
        )
        if not ordered:
            raise ValueError(f"{where}: tiers must get strictly harder, in order")
        if not all(a < b for a, b in pairwise(points)):
            raise ValueError(f"{where}: tier points must rise strictly")
        if points[-1] != dec(self.points):
            raise ValueError(
                f"{where}: the last tier must award the indicator's full {fmt(self.points)} points "
                f"(it awards {fmt(tiers[-1].points)})"
            )
        if self.kind == "count" and values[-1] > len(self.items):
            raise ValueError(f"{where}: asks for {fmt(values[-1])} items but the list has {len(self.items)}")

    def _check_range(self, where: str, threshold: float) -> None:
        if self.min_value is not None and threshold < self.min_value:
            raise ValueError(f"{where}: threshold {threshold} is below min_value {self.min_value}")
        if self.max_value is not None and threshold > self.max_value:
            raise ValueError(f"{where}: threshold {threshold} is above max_value {self.max_value}")


class RatingRules(_Strict):
    demonstration_min_total: float = Field(default=90, gt=0, le=100)
    demonstration_min_months_open: int = Field(default=3, ge=0, le=120)
    demonstration_requires_verification: bool = True
    compliant_min_total: float = Field(default=75, gt=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> RatingRules:
        if self.compliant_min_total > self.demonstration_min_total:
            raise ValueError("compliant_min_total must not exceed demonstration_min_total")
        return self


class RelaxedDistricts(_Strict):
    codes: list[Annotated[str, Field(pattern=r"^\d{6}$")]] = Field(default_factory=list)
    note: str = Field(default="", max_length=500)


class Standard(_Strict):
    version: str = Field(pattern=VERSION_PATTERN)
    title: str = Field(min_length=1, max_length=120)
    status: Literal["draft", "trial", "official"] = "draft"
    effective_date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    sources: list[str] = Field(default_factory=list, max_length=20)
    window_days: int = Field(default=30, ge=1, le=365)
    ratings: RatingRules = Field(default_factory=RatingRules)
    relaxed_districts: RelaxedDistricts = Field(default_factory=RelaxedDistricts)
    dimensions: list[Dimension] = Field(min_length=1, max_length=12)
    indicators: list[Indicator] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _whole(self) -> Standard:
        dims = [d.code for d in self.dimensions]
        if len(set(dims)) != len(dims):
            raise ValueError("dimension codes must be unique")
        codes = [i.code for i in self.indicators]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"indicator codes must be unique (repeated: {', '.join(dupes)})")
        unknown = sorted({i.dimension for i in self.indicators} - set(dims))
        if unknown:
            raise ValueError(f"indicators name unknown dimension(s): {', '.join(unknown)}")
        total = sum((dec(d.points) for d in self.dimensions), Decimal(0))
        if total != 100:
            raise ValueError(f"dimension points must sum to 100 (they sum to {fmt(total)})")
        for dim in self.dimensions:
            got = sum((dec(i.points) for i in self.indicators if i.dimension == dim.code), Decimal(0))
            if got != dec(dim.points):
                raise ValueError(
                    f"dimension {dim.code} ({dim.name}) is worth {fmt(dim.points)} points but its "
                    f"indicators sum to {fmt(got)}"
                )
        self._check_districts()
        return self

    def _check_districts(self) -> None:
        from app.reference.taxonomy import districts

        known = districts()
        bad = [c for c in self.relaxed_districts.codes if c not in known]
        if bad:
            raise ValueError(
                f"relaxed_districts lists codes that are not Chongqing districts: {', '.join(bad)}"
            )

    def indicator(self, code: str) -> Indicator | None:
        return next((i for i in self.indicators if i.code == code), None)

    def is_relaxed(self, district_code: str) -> bool:
        return district_code in self.relaxed_districts.codes


class StandardInvalid(ValueError):
    """A standard that fails validation; the message names every problem and where it is."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {where or '(top level)'}: {what}" for where, what in problems)
        super().__init__(f"standard {source} is invalid ({len(problems)} problem(s)):\n{lines}")


def _location(loc: tuple, raw: object) -> str:
    """('indicators', 3, 'thresholds', 'market', 1) → 'indicators[3] (V01).thresholds.market[1]'."""
    out = ""
    node = raw
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("code"), str):
                out += f" ({node['code']})"
        else:
            if "[" in str(part):
                continue  # pydantic's internal labels, e.g. function-after[...]
            out += ("." if out else "") + str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


def parse_standard(raw: object, source: str) -> Standard:
    """Validates raw data (already parsed from YAML/JSON) or raises StandardInvalid."""
    if not isinstance(raw, dict):
        raise StandardInvalid(source, [("", "a standard is a mapping with version, dimensions …")])
    try:
        return Standard.model_validate(raw)
    except ValidationError as exc:
        problems = [
            (_location(tuple(err["loc"]), raw), str(err["msg"]).removeprefix("Value error, "))
            for err in exc.errors()
        ]
        raise StandardInvalid(source, problems) from None
