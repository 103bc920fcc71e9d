"""Yearly subsidy parameters: data the bureau sets through the API, never constants in code."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.common.etag import check_if_match
from app.common.problems import Conflict, NotFound, Unprocessable, field_error
from app.reference.subsidy_job_types import policy_job_type
from app.reference.taxonomy import taxonomy
from app.subsidies.models import SubsidyParameters
from app.subsidies.rules import MissingParameters, YearParameters
from app.subsidies.schemas import ParametersIn, ParametersPatch

# The policy lists its job types with 、 ("家政服务、个体工商户雇工、…"); "等" ends the list.
_LIST_SEPARATORS = re.compile(r"[、，,;；]|等$")


def known_job_types() -> set[str]:
    skills = taxonomy().skills
    return {s.code for s in skills} | {s.category for s in skills}


def _check_job_types(values: list[str], pointer: str) -> list[str]:
    """Skill codes, categories or the policy's own job types (家政服务、个体工商户雇工 …),
    several to an entry when the policy's list is pasted as written."""
    known = known_job_types()
    out = set()
    for i, value in enumerate(values):
        for part in _LIST_SEPARATORS.split(value):
            part = part.strip()
            if not part:
                continue
            policy = policy_job_type(part)
            if policy is not None:
                out.add(policy.name)  # the policy's spelling, whatever width was typed
            elif part in known:
                out.add(part)
            else:
                raise field_error(
                    f"{pointer}/{i}", f"'{part}' is neither a job type of policy measure 五 "
                    "(see GET /v1/subsidy-job-types), a skill code nor a skill category "
                    "(see GET /v1/skills)")
    return sorted(out)


async def create_parameters(
    session: AsyncSession, principal: Principal, data: ParametersIn
) -> SubsidyParameters:
    existing = await session.scalar(
        select(SubsidyParameters.id).where(SubsidyParameters.year == data.year)
    )
    if existing is not None:
        raise Conflict(f"parameters for {data.year} exist; change them with PATCH",
                       existing_year=data.year)
    row = SubsidyParameters(
        year=data.year, pension_lowest_fen=data.pension_lowest_fen,
        medical_lowest_fen=data.medical_lowest_fen,
        eligible_job_types=_check_job_types(data.eligible_job_types, "/eligible_job_types"),
        note=data.note, updated_by_key_id=principal.key_id,
    )
    session.add(row)
    await session.flush()
    return row


async def get_parameters(session: AsyncSession, year: int) -> SubsidyParameters:
    row = await session.scalar(select(SubsidyParameters).where(SubsidyParameters.year == year))
    if row is None:
        raise NotFound(f"no subsidy parameters for {year}")
    return row


async def list_parameters(
    session: AsyncSession, *, limit: int, after_id: int | None
) -> list[SubsidyParameters]:
    stmt = select(SubsidyParameters).order_by(SubsidyParameters.id.desc()).limit(limit + 1)
    if after_id is not None:
        stmt = stmt.where(SubsidyParameters.id < after_id)
    return list(await session.scalars(stmt))


async def patch_parameters(
    session: AsyncSession, principal: Principal, year: int, data: ParametersPatch,
    if_match: str | None,
) -> SubsidyParameters:
    row = await get_parameters(session, year)
    check_if_match(if_match, row.id, row.version)
    changes = data.model_dump(exclude_unset=True)
    for name in ("pension_lowest_fen", "medical_lowest_fen", "eligible_job_types"):
        if name in changes and changes[name] is None:
            raise field_error(f"/{name}", "cannot be null")
    if "eligible_job_types" in changes:
        changes["eligible_job_types"] = _check_job_types(
            changes["eligible_job_types"], "/eligible_job_types"
        )
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_by_key_id = principal.key_id
    await session.flush()
    return row


async def delete_parameters(session: AsyncSession, year: int) -> None:
    await session.delete(await get_parameters(session, year))
    await session.flush()


async def parameters_for(session: AsyncSession, years: Iterable[int]) -> dict[int, YearParameters]:
    rows = await session.scalars(
        select(SubsidyParameters).where(SubsidyParameters.year.in_(sorted(set(years))))
    )
    return {
        r.year: YearParameters(r.year, r.pension_lowest_fen, r.medical_lowest_fen,
                               frozenset(r.eligible_job_types))
        for r in rows
    }


def missing_problem(err: MissingParameters) -> Unprocessable:
    years = ", ".join(map(str, err.years))
    return Unprocessable(
        f"no subsidy parameters for {years}: an admin sets them with "
        "POST /v1/subsidies/flexible-employment/parameters before assessing these months",
        slug="subsidy-parameters-missing", title="Subsidy parameters missing",
        missing_years=err.years,
    )
