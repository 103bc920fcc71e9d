"""Chongqing's minimum wages by district tier (data/minimum_wages.json), loaded once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class WageStandard:
    effective_date: date
    source: str
    tiers: dict[int, dict[str, int]]  # tier → {"month_fen", "hour_fen"}


@dataclass(frozen=True)
class MinimumWages:
    standards: tuple[WageStandard, ...]  # oldest first
    tier_of: dict[str, int]  # district code → tier
    hours_per_day: int

    def standard_on(self, day: date) -> WageStandard:
        current = [s for s in self.standards if s.effective_date <= day]
        return current[-1] if current else self.standards[0]

    def floor_fen(self, unit: str, district_code: str | None, day: date) -> int | None:
        """The legal floor per unit in a district (the lower tier when it is unknown)."""
        standard = self.standard_on(day)
        tier = self.tier_of.get(district_code or "", max(standard.tiers))
        rates = standard.tiers[tier]
        if unit == "hour":
            return rates["hour_fen"]
        if unit == "day":
            return rates["hour_fen"] * self.hours_per_day
        if unit == "month":
            return rates["month_fen"]
        return None  # piece rates have no time basis to check


@cache
def minimum_wages() -> MinimumWages:
    raw = json.loads(
        resources.files("app.reference").joinpath("data", "minimum_wages.json").read_text("utf-8")
    )
    standards = sorted(
        (
            WageStandard(
                effective_date=date.fromisoformat(s["effective_date"]), source=s["source"],
                tiers={int(k): v for k, v in s["tiers"].items()},
            )
            for s in raw["standards"]
        ),
        key=lambda s: s.effective_date,
    )
    tier_of = {code: int(tier) for tier, codes in raw["districts"].items() for code in codes}
    return MinimumWages(tuple(standards), tier_of, raw["hours_per_day"])
