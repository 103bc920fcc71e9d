"""Conditions on a posting that reports share (statistics, arrears): one definition of what
"in this district / of this type / registered by this market / needing this skill" means."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select

from app.jobs.models import Job, JobSkill


def job_conditions(
    *, district_code: str | None = None, employment_type: str | None = None,
    market_id: int | None = None, skill_code: str | None = None,
) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if district_code is not None:
        out.append(Job.district_code == district_code)
    if employment_type is not None:
        out.append(Job.employment_type == employment_type)
    if market_id is not None:
        out.append(Job.registered_by_market_id == market_id)
    if skill_code is not None:
        out.append(select(JobSkill.job_id).where(
            JobSkill.job_id == Job.id, JobSkill.skill_code == skill_code).exists())
    return out
