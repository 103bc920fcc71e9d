"""Flexible-employment social-insurance subsidy (灵活就业社保补贴, policy item 五): the rules.

Pure: facts and yearly parameters in, an explained assessment out. No I/O, no clock (the
assessment day is an argument), so every figure can be reproduced and property-tested.

Readings of the policy and issue 7, decided here once:
- Groups. Graduates: registered unemployed and at most 2 years after the graduation date on
  the assessment day (graduation + 2 years is still inside). 4050: Chongqing hukou, women 40+
  and men 50+ on the assessment day, registered unemployed 3 whole calendar months or more
  (registered 2026-01-15 qualifies from 2026-04-15). 脱贫, 低保 and 零就业家庭 are profile flags.
  The first passing group in policy order is the qualifying group; all passing ones are listed.
- Amount. "2/3 of the employee pension and employee medical insurance (lowest tier) actually
  paid": each insurance's actual payment is capped at that year's lowest-tier monthly amount,
  and 2/3 is taken of the sum: floor(2 × (min(pension, cap) + min(medical, cap)) / 3) fen.
  Flooring keeps public money from being overpaid by a fen.
- Contributions. A record may cover several months (a quarterly or yearly payment); its
  amounts are spread evenly over its months (a remainder fen goes to the earliest months), and
  each month is capped with its own calendar year's parameters, so a payment from November to
  February uses two years' caps.
- Period. 36 months from the period start month (the first contribution month unless given).
  When the start is less than 5 years (60 months) before the statutory retirement month, the
  period runs until retirement instead: its last month is the one before the retirement month.
  Exactly 60 months before retirement is not "less than 5 years": no extension.
- Parameters. The assessment day's year gives the eligible job types; each contribution month
  uses its own year's caps. A year without parameters is refused, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from app.subsidies.months import add_months, month_of, month_text, year_of
from app.subsidies.retirement import Gender, Retirement, statutory_retirement

GROUPS = ("graduate", "poverty_alleviated", "age_4050", "dibao", "zero_employment_family")
GROUP_LABELS = {
    "graduate": "登记失业离校2年内高校毕业生",
    "poverty_alleviated": "脱贫人口",
    "age_4050": "本市户籍4050人员（登记失业3个月及以上）",
    "dibao": "低保家庭人员",
    "zero_employment_family": "零就业家庭人员",
}
PERIOD_MONTHS = 36
EXTENSION_WINDOW_MONTHS = 60


class MissingParameters(Exception):
    def __init__(self, years: Iterable[int]) -> None:
        self.years = sorted(set(years))
        super().__init__(f"no subsidy parameters for {', '.join(map(str, self.years))}")


class OverlappingContributions(ValueError):
    def __init__(self, month: int) -> None:
        self.month = month
        super().__init__(f"month {month_text(month)} appears in more than one contribution")


@dataclass(frozen=True)
class YearParameters:
    year: int
    pension_lowest_fen: int  # lowest-tier monthly employee pension contribution
    medical_lowest_fen: int  # lowest-tier monthly employee medical contribution
    eligible_job_types: frozenset[str]  # skill codes or skill categories


@dataclass(frozen=True)
class WorkerFacts:
    birth_date: date
    gender: Gender
    target_groups: frozenset[str] = frozenset()
    hukou_chongqing: bool | None = None
    registered_unemployed_date: date | None = None
    graduation_date: date | None = None
    # Skill codes and categories of the worker's engagements and declared occupation.
    job_types: frozenset[str] = frozenset()
    female_base_age: int = 55


@dataclass(frozen=True)
class Contribution:
    month: int  # first month covered (months.py numbering)
    pension_fen: int
    medical_fen: int
    months: int = 1  # months covered by this payment


@dataclass(frozen=True)
class Rule:
    name: str
    passed: bool
    reason: str


@dataclass(frozen=True)
class MonthSubsidy:
    month: int
    parameter_year: int
    pension_paid_fen: int
    medical_paid_fen: int
    pension_counted_fen: int
    medical_counted_fen: int
    subsidy_fen: int
    note: str  # subsidised | not_eligible | before_period | after_period


@dataclass(frozen=True)
class Assessment:
    eligible: bool
    rules: list[Rule]
    qualifying_group: str | None
    qualifying_groups: list[str]
    retirement: Retirement
    parameter_year: int
    period_start: int
    period_end: int
    retirement_extension: bool
    months_remaining: int
    months: list[MonthSubsidy] = field(default_factory=list)

    @property
    def total_fen(self) -> int:
        return sum(m.subsidy_fen for m in self.months)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _registered(facts: WorkerFacts, as_of: date) -> date | None:
    reg = facts.registered_unemployed_date
    return reg if reg is not None and reg <= as_of else None


def _graduate(facts: WorkerFacts, as_of: date) -> Rule:
    grad = facts.graduation_date
    if grad is None:
        return Rule("group:graduate", False, "no graduation date on the profile")
    if grad > as_of:
        return Rule("group:graduate", False, f"graduates on {grad}, after the assessment day")
    window_end = add_months(grad, 24)
    if as_of > window_end:
        return Rule("group:graduate", False, f"left school on {grad}: the 2-year window "
                    f"ended on {window_end}")
    if _registered(facts, as_of) is None:
        return Rule("group:graduate", False, "within 2 years of leaving school but not "
                    "registered unemployed")
    return Rule("group:graduate", True, f"left school on {grad} (window until {window_end}) "
                f"and registered unemployed on {facts.registered_unemployed_date}")


def _age_4050(facts: WorkerFacts, as_of: date) -> Rule:
    threshold = 40 if facts.gender == "female" else 50
    age = age_on(facts.birth_date, as_of)
    if facts.hukou_chongqing is not True:
        return Rule("group:age_4050", False, "no Chongqing hukou recorded" if
                    facts.hukou_chongqing is None else "hukou is not Chongqing")
    if age < threshold:
        return Rule("group:age_4050", False, f"aged {age}; the 4050 group starts at {threshold} "
                    f"for {'women' if facts.gender == 'female' else 'men'}")
    reg = _registered(facts, as_of)
    if reg is None:
        return Rule("group:age_4050", False, "not registered unemployed")
    three_months = add_months(reg, 3)
    if as_of < three_months:
        return Rule("group:age_4050", False, f"registered unemployed on {reg}: 3 months are "
                    f"reached on {three_months}")
    return Rule("group:age_4050", True, f"Chongqing hukou, aged {age}, registered unemployed "
                f"since {reg} (3 months reached on {three_months})")


def _flag(group: str, facts: WorkerFacts) -> Rule:
    if group in facts.target_groups:
        return Rule(f"group:{group}", True, f"the profile records {GROUP_LABELS[group]}")
    return Rule(f"group:{group}", False, f"the profile does not record {GROUP_LABELS[group]}")


def group_rules(facts: WorkerFacts, as_of: date) -> list[Rule]:
    return [
        _graduate(facts, as_of),
        _flag("poverty_alleviated", facts),
        _age_4050(facts, as_of),
        _flag("dibao", facts),
        _flag("zero_employment_family", facts),
    ]


def expand_contributions(contributions: Iterable[Contribution]) -> dict[int, tuple[int, int]]:
    """{month: (pension fen, medical fen)}, multi-month payments spread evenly."""
    out: dict[int, tuple[int, int]] = {}
    for c in contributions:
        p_base, p_rest = divmod(c.pension_fen, c.months)
        m_base, m_rest = divmod(c.medical_fen, c.months)
        for i in range(c.months):
            month = c.month + i
            if month in out:
                raise OverlappingContributions(month)
            out[month] = (p_base + (i < p_rest), m_base + (i < m_rest))
    return dict(sorted(out.items()))


def monthly_subsidy(pension_fen: int, medical_fen: int, params: YearParameters) -> tuple[int, int, int]:
    """(pension counted, medical counted, subsidy): each capped at the lowest tier, 2/3 of the
    sum, floored to the fen."""
    pension = min(pension_fen, params.pension_lowest_fen)
    medical = min(medical_fen, params.medical_lowest_fen)
    return pension, medical, (2 * (pension + medical)) // 3


def period(start: int, retirement: Retirement) -> tuple[int, bool]:
    """(last month of the period, whether the retirement extension applies)."""
    if retirement.month - start < EXTENSION_WINDOW_MONTHS:
        return retirement.month - 1, True
    return start + PERIOD_MONTHS - 1, False


def required_years(as_of: date, contributions: Iterable[Contribution]) -> set[int]:
    years = {as_of.year}
    for c in contributions:
        years |= {year_of(c.month + i) for i in range(c.months)}
    return years


def assess(
    facts: WorkerFacts,
    contributions: list[Contribution],
    parameters: Mapping[int, YearParameters],
    as_of: date,
    period_start: int | None = None,
) -> Assessment:
    missing = required_years(as_of, contributions) - parameters.keys()
    if missing:
        raise MissingParameters(missing)
    paid = expand_contributions(contributions)
    year = parameters[as_of.year]
    retirement = statutory_retirement(facts.birth_date, facts.gender, facts.female_base_age)
    as_of_month = month_of(as_of)
    start = period_start if period_start is not None else min(paid, default=as_of_month)
    end, extension = period(start, retirement)

    groups = group_rules(facts, as_of)
    qualifying = [r.name.removeprefix("group:") for r in groups if r.passed]
    matched = sorted(facts.job_types & year.eligible_job_types)
    paying = [m for m, (p, md) in paid.items() if p > 0 or md > 0]
    kinds = ", ".join(sorted(facts.job_types)) or "none recorded"
    rules = [
        *groups,
        Rule("target_group", bool(qualifying), f"qualifies as {', '.join(qualifying)}"
             if qualifying else "belongs to none of the five groups of policy item 五"),
        Rule("job_type", bool(matched), f"works as {', '.join(matched)} (eligible in {year.year})"
             if matched else f"none of the worker's job types ({kinds}) is eligible in {year.year}"),
        Rule("contributions", bool(paying), f"paid social insurance for {len(paying)} month(s)"
             if paying else "no social-insurance contributions supplied"),
        Rule("before_retirement", as_of_month < retirement.month,
             f"statutory retirement in {retirement.month_label} (age {retirement.age_text})"),
        Rule("period_active", as_of_month <= end,
             f"period {month_text(start)} to {month_text(end)}"
             + (" (extended to retirement)" if extension else "")),
    ]
    eligible = all(r.passed for r in rules if not r.name.startswith("group:"))

    months = []
    for month, (pension_paid, medical_paid) in paid.items():
        params = parameters[year_of(month)]
        pension, medical, amount = monthly_subsidy(pension_paid, medical_paid, params)
        note = ("not_eligible" if not eligible else "before_period" if month < start
                else "after_period" if month > end else "subsidised")
        months.append(MonthSubsidy(
            month, params.year, pension_paid, medical_paid, pension, medical,
            amount if note == "subsidised" else 0, note,
        ))
    return Assessment(
        eligible=eligible, rules=rules, qualifying_group=qualifying[0] if qualifying else None,
        qualifying_groups=qualifying, retirement=retirement, parameter_year=year.year,
        period_start=start, period_end=end, retirement_extension=extension,
        months_remaining=max(0, end - max(as_of_month, start) + 1), months=months,
    )
