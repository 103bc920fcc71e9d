"""Subsidy assessments: worker facts from the profile and engagements, then the pure rules."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.common.problems import NotFound, field_error
from app.config import Settings
from app.employers.models import Employer
from app.engagements.models import Engagement
from app.jobs.models import JobSkill
from app.reference.subsidy_job_types import (
    INDIVIDUAL_BUSINESS_EMPLOYEE,
    INDIVIDUAL_BUSINESS_PREFIX,
    policy_job_type,
    policy_types_for,
)
from app.reference.taxonomy import taxonomy
from app.subsidies import rules
from app.subsidies.months import month_text, parse_month
from app.subsidies.parameters import known_job_types, missing_problem, parameters_for
from app.subsidies.schemas import AssessmentItem, FactsIn
from app.workers.models import Worker
from app.workers.service import manages

# Engagements that really happened (not cancelled, not a no-show) count as work done.
WORKED_STATUSES = ("hired", "checked_in", "checked_out", "completed", "paid")
CHUNK = 5000  # ids per IN (...) list: well inside both backends' parameter limits


def with_categories(codes: Iterable[str], forms: Iterable[str] = ()) -> frozenset[str]:
    """Skill codes plus their categories and the policy job types they count for, so
    parameters may name any of them."""
    by_code = taxonomy().by_code
    codes = set(codes)
    out = codes | {by_code[c].category for c in codes if c in by_code}
    return frozenset(out | policy_types_for(out, forms))


def _inline_job_types(values: list[str], settings: Settings) -> frozenset[str]:
    known = known_job_types()
    codes, named = [], set()
    for value in values:
        policy = policy_job_type(value)
        if policy is not None:
            named.add(policy.name)  # the caller states the policy's job type itself
            continue
        if value in known:
            codes.append(value)
            continue
        match = taxonomy().normalise(value, settings.skill_match_threshold)
        if match.skill is not None:
            codes.append(match.skill.code)
    return with_categories(codes) | named


def inline_facts(facts: FactsIn, female_age: int, settings: Settings) -> rules.WorkerFacts:
    return rules.WorkerFacts(
        birth_date=facts.birth_date, gender=facts.gender,
        target_groups=frozenset(facts.target_groups), hukou_chongqing=facts.hukou_chongqing,
        registered_unemployed_date=facts.registered_unemployed_date,
        graduation_date=facts.graduation_date,
        job_types=_inline_job_types(facts.job_types, settings), female_base_age=female_age,
    )


async def workers_facts(
    session: AsyncSession, principal: Principal, worker_ids: list[int]
) -> dict[int, tuple[rules.WorkerFacts, bool]]:
    """{worker id: (facts with the default female age, visible to the caller)} for the ids
    that exist. Two set-based queries per chunk of ids, whatever the batch size."""
    out: dict[int, tuple[rules.WorkerFacts, bool]] = {}
    ids = sorted(set(worker_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        kinds: dict[int, set[str]] = defaultdict(set)
        worked = await session.execute(
            select(Engagement.worker_id, JobSkill.skill_code)
            .join(JobSkill, JobSkill.job_id == Engagement.job_id)
            .where(Engagement.worker_id.in_(chunk), Engagement.status.in_(WORKED_STATUSES),
                   JobSkill.skill_code.is_not(None))
            .distinct()
        )
        for worker_id, code in worked:
            kinds[worker_id].add(code)
        # Work for an individual business (credit code 92…) counts as 个体工商户雇工.
        forms: dict[int, set[str]] = defaultdict(set)
        for worker_id in await session.scalars(
            select(Engagement.worker_id).distinct()
            .join(Employer, Employer.id == Engagement.employer_id)
            .where(Engagement.worker_id.in_(chunk), Engagement.status.in_(WORKED_STATUSES),
                   Employer.credit_code.like(INDIVIDUAL_BUSINESS_PREFIX + "%"))
        ):
            forms[worker_id].add(INDIVIDUAL_BUSINESS_EMPLOYEE)
        rows = await session.execute(
            select(Worker.id, Worker.birth_date, Worker.gender, Worker.target_groups,
                   Worker.hukou_chongqing, Worker.registered_unemployed_date,
                   Worker.graduation_date, Worker.occupation_code,
                   Worker.registered_by_market_id)
            .where(Worker.id.in_(chunk))
        )
        for r in rows:
            codes = kinds[r.id] | ({r.occupation_code} if r.occupation_code else set())
            out[r.id] = (rules.WorkerFacts(
                birth_date=r.birth_date, gender=r.gender,
                target_groups=frozenset(r.target_groups or ()),
                hukou_chongqing=r.hukou_chongqing,
                registered_unemployed_date=r.registered_unemployed_date,
                graduation_date=r.graduation_date, job_types=with_categories(codes, forms[r.id]),
            ), manages(principal, r))
    return out


def _contributions(item: AssessmentItem) -> list[rules.Contribution]:
    return [rules.Contribution(parse_month(c.month), c.pension_paid_fen, c.medical_paid_fen,
                               c.months) for c in item.contributions]


def _out(worker_id: int | None, as_of: date, result: rules.Assessment,
         facts: rules.WorkerFacts) -> dict:
    """An SubsidyAssessmentOut as plain data: a batch of 10 000 is serialised without building (and
    re-validating) 200 000 models."""
    return {
        "worker_id": worker_id, "as_of_date": as_of.isoformat(), "eligible": result.eligible,
        "qualifying_group": result.qualifying_group,
        "qualifying_groups": result.qualifying_groups,
        "rules": [{"name": r.name, "passed": r.passed, "reason": r.reason} for r in result.rules],
        "job_types": sorted(facts.job_types), "parameter_year": result.parameter_year,
        "parameter_years": sorted({result.parameter_year}
                                  | {m.parameter_year for m in result.months}),
        "statutory_retirement_month": result.retirement.month_label,
        "statutory_retirement_age": result.retirement.age_text,
        "period_start_month": month_text(result.period_start),
        "period_end_month": month_text(result.period_end),
        "period_months": result.period_end - result.period_start + 1,
        "retirement_extension": result.retirement_extension,
        "months_remaining": result.months_remaining,
        "months": [{
            "month": month_text(m.month), "parameter_year": m.parameter_year,
            "pension_paid_fen": m.pension_paid_fen, "medical_paid_fen": m.medical_paid_fen,
            "pension_counted_fen": m.pension_counted_fen,
            "medical_counted_fen": m.medical_counted_fen,
            "subsidy_fen": m.subsidy_fen, "note": m.note,
        } for m in result.months],
        "total_subsidy_fen": result.total_fen,
    }


async def assess_items(
    session: AsyncSession, principal: Principal, settings: Settings, as_of: date,
    items: list[AssessmentItem], pointer: str = "",
) -> list[dict]:
    """Assesses every item or none: an unknown worker, overlapping months or a year without
    parameters refuses the whole request, naming the item."""
    known = await workers_facts(
        session, principal, [i.worker_id for i in items if i.worker_id is not None]
    )
    subjects: list[rules.WorkerFacts] = []
    for index, item in enumerate(items):
        if item.worker_id is None:
            subjects.append(inline_facts(item.facts, item.female_original_retirement_age,
                                         settings))
            continue
        facts, visible = known.get(item.worker_id, (None, False))
        if facts is None or not visible:
            if not pointer:
                raise NotFound(f"no worker with id {item.worker_id}")
            raise field_error(f"{pointer}/{index}/worker_id", f"no worker with id {item.worker_id}")
        subjects.append(rules.WorkerFacts(**{
            **facts.__dict__, "female_base_age": item.female_original_retirement_age}))

    paid = [_contributions(item) for item in items]
    years: set[int] = set()
    for contributions in paid:
        years |= rules.required_years(as_of, contributions)
    parameters = await parameters_for(session, years)
    missing = years - parameters.keys()
    if missing:
        raise missing_problem(rules.MissingParameters(missing))

    out = []
    for index, (item, facts, contributions) in enumerate(zip(items, subjects, paid, strict=True)):
        start = parse_month(item.period_start_month) if item.period_start_month else None
        try:
            result = rules.assess(facts, contributions, parameters, as_of, start)
        except rules.OverlappingContributions as err:
            raise field_error(f"{pointer}/{index}/contributions" if pointer else "/contributions",
                              str(err)) from err
        out.append(_out(item.worker_id, as_of, result, facts))
    return out


def batch_out(as_of: date, items: list[dict]) -> dict:
    """A BatchOut as plain data."""
    return {
        "as_of_date": as_of.isoformat(),
        "summary": {"assessed": len(items), "eligible": sum(i["eligible"] for i in items),
                    "total_subsidy_fen": sum(i["total_subsidy_fen"] for i in items)},
        "items": items,
    }


CSV_HEADER = (
    "worker_id", "as_of_date", "eligible", "qualifying_group", "failed_rules", "parameter_year",
    "statutory_retirement_month", "period_start_month", "period_end_month",
    "retirement_extension", "months_remaining", "months_supplied", "total_subsidy_fen",
)


def csv_rows(items: list[dict]) -> Iterable[tuple]:
    for i in items:
        failed = ";".join(r["name"] for r in i["rules"]
                          if not r["passed"] and not r["name"].startswith("group:"))
        yield (i["worker_id"], i["as_of_date"], i["eligible"], i["qualifying_group"], failed,
               *(i[k] for k in CSV_HEADER[5:11]), len(i["months"]), i["total_subsidy_fen"])


