"""The job types policy measure 五 names, in its own words (data/subsidy_job_types.json).

An administrator enters the policy verbatim ("家政服务、个体工商户雇工、…"); a worker's work
counts for a type through its skills, their categories or the form of employment.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from app.common.text import match_key

# Employment forms a worker's engagements can show.
INDIVIDUAL_BUSINESS_EMPLOYEE = "individual_business_employee"
# Unified social credit codes of individual businesses (个体工商户) begin 92 (GB 32100-2015:
# registration authority 9 = market regulation, kind 2 = individual business).
INDIVIDUAL_BUSINESS_PREFIX = "92"


@dataclass(frozen=True)
class PolicyJobType:
    name: str
    skills: frozenset[str]
    categories: frozenset[str]
    employment_forms: frozenset[str]

    def counts(self, codes_and_categories: frozenset[str], forms: frozenset[str]) -> bool:
        return bool(
            (self.skills | self.categories) & codes_and_categories or self.employment_forms & forms
        )


@cache
def policy_job_types() -> dict[str, PolicyJobType]:
    """By folded name, so 'ＡＢＣ' spacing or width never decides a match."""
    raw = json.loads(resources.files("app.reference").joinpath(
        "data", "subsidy_job_types.json").read_text("utf-8"))
    return {
        match_key(row["name"]): PolicyJobType(
            row["name"], frozenset(row["skills"]), frozenset(row["categories"]),
            frozenset(row["employment_forms"]),
        )
        for row in raw["job_types"]
    }


def policy_job_type(text: str) -> PolicyJobType | None:
    return policy_job_types().get(match_key(text))


def policy_types_for(codes_and_categories: Iterable[str], forms: Iterable[str] = ()) -> set[str]:
    """Names of the policy job types that a worker's skills, categories and forms count for."""
    have, have_forms = frozenset(codes_and_categories), frozenset(forms)
    return {t.name for t in policy_job_types().values() if t.counts(have, have_forms)}
