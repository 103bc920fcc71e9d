"""Wage arrears (欠薪): engagements whose wages are past their due date and not fully paid.

Reusable by other domains (statistics): `arrears_conditions`, `arrears_summary` and
`arrears_by` take the Asia/Shanghai day to judge by, so a report is reproducible for any day.
Wages count as owed from the check-out on: an employer that never confirms the hours does not
hide the debt (until confirmed, the worker's attendance counts; during a dispute, the figure
the employer itself proposed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal, Role
from app.common.problems import Forbidden
from app.employers.models import Employer
from app.engagements import pay
from app.engagements.models import OWING_STATUSES, Engagement
from app.engagements.schemas import ArrearsItem
from app.events.service import record_event
from app.jobs.filters import job_conditions
from app.jobs.models import Job
from app.workers.models import Worker

# A dispute does not hide wages: the contested part stays outstanding until it is settled.
OUTSTANDING = Engagement.pay_due_fen + Engagement.disputed_fen - Engagement.paid_fen


def arrears_conditions(today: date) -> list[ColumnElement[bool]]:
    """Past due (the due day itself is not late) and not fully paid."""
    return [
        Engagement.status.in_(OWING_STATUSES),
        Engagement.due_date < today,
        Engagement.paid_fen < Engagement.pay_due_fen + Engagement.disputed_fen,
    ]


@dataclass(frozen=True)
class ArrearsFilter:
    employer_id: int | None = None
    district_code: str | None = None
    # The statistics filter by the job's market, employment type and skill as well.
    market_id: int | None = None
    employment_type: str | None = None
    skill_code: str | None = None


def _filtered(stmt: Select, today: date, filters: ArrearsFilter) -> Select:
    stmt = stmt.where(*arrears_conditions(today))
    if filters.employer_id is not None:
        stmt = stmt.where(Engagement.employer_id == filters.employer_id)
    return stmt.where(*job_conditions(
        district_code=filters.district_code, employment_type=filters.employment_type,
        market_id=filters.market_id, skill_code=filters.skill_code,
    ))


def scoped_filter(principal: Principal, filters: ArrearsFilter) -> ArrearsFilter:
    """Admins see every employer's arrears; an employer only its own, whatever it asks."""
    if principal.is_admin:
        return filters
    if principal.role is Role.employer:
        return ArrearsFilter(employer_id=principal.subject_id, district_code=filters.district_code)
    raise Forbidden("only admins and employers read the arrears report")


async def list_arrears(
    session: AsyncSession, today: date, filters: ArrearsFilter, *, limit: int,
    after_id: int | None = None,
) -> list[ArrearsItem]:
    """Newest engagements first (keyset on the engagement id); fetches limit + 1."""
    stmt = _filtered(
        select(
            Engagement.id, Engagement.job_id, Job.title, Job.district_code,
            Engagement.employer_id, Employer.name.label("employer_name"), Engagement.worker_id,
            Worker.name.label("worker_name"), Engagement.status, Engagement.wage_settlement,
            Engagement.due_date, Engagement.pay_due_fen, Engagement.paid_fen,
            Engagement.disputed_fen,
        )
        .join(Job, Job.id == Engagement.job_id)
        .join(Employer, Employer.id == Engagement.employer_id)
        .join(Worker, Worker.id == Engagement.worker_id),
        today, filters,
    ).order_by(Engagement.id.desc()).limit(limit + 1)
    if after_id is not None:
        stmt = stmt.where(Engagement.id < after_id)
    return [
        ArrearsItem(
            engagement_id=r.id, job_id=r.job_id, job_title=r.title,
            district_code=r.district_code, employer_id=r.employer_id,
            employer_name=r.employer_name, worker_id=r.worker_id, worker_name=r.worker_name,
            status=r.status, settlement=r.wage_settlement, due_date=r.due_date,
            due_fen=r.pay_due_fen, paid_fen=r.paid_fen,
            outstanding_fen=pay.outstanding_fen(r.pay_due_fen, r.paid_fen, r.disputed_fen),
            disputed_fen=r.disputed_fen,
            days_overdue=pay.days_overdue(r.due_date, today),
        )
        for r in await session.execute(stmt)
    ]


@dataclass(frozen=True)
class ArrearsSummary:
    count: int
    outstanding_fen: int
    employers: int
    workers: int


async def arrears_summary(
    session: AsyncSession, today: date, filters: ArrearsFilter = ArrearsFilter()
) -> ArrearsSummary:
    stmt = _filtered(
        select(
            func.count(), func.coalesce(func.sum(OUTSTANDING), 0),
            func.count(Engagement.employer_id.distinct()),
            func.count(Engagement.worker_id.distinct()),
        ).select_from(Engagement).join(Job, Job.id == Engagement.job_id),
        today, filters,
    )
    count, total, employers, workers = (await session.execute(stmt)).one()
    return ArrearsSummary(int(count), int(total), int(employers), int(workers))


async def arrears_by(
    session: AsyncSession, today: date, key: str, filters: ArrearsFilter = ArrearsFilter()
) -> dict[str | int, tuple[int, int]]:
    """{district_code or employer_id: (engagements in arrears, outstanding fen)}."""
    column = {"district": Job.district_code, "employer": Engagement.employer_id}[key]
    stmt = _filtered(
        select(column, func.count(), func.sum(OUTSTANDING))
        .select_from(Engagement).join(Job, Job.id == Engagement.job_id),
        today, filters,
    ).group_by(column)
    return {k: (int(n), int(total)) for k, n, total in await session.execute(stmt)}


async def flag_overdue_wages(
    session: AsyncSession, now: datetime, batch: int = 500
) -> int:
    """Writes one wage.overdue event per engagement when its wages first fall into arrears.
    A conditional update claims each row, so several processes may run it at once."""
    today = pay.shanghai_date(now)
    stmt = (
        select(Engagement.id).join(Job, Job.id == Engagement.job_id)
        .where(*arrears_conditions(today), Engagement.overdue_notified_at.is_(None))
        .order_by(Engagement.id).limit(batch)
    )
    flagged = 0
    for engagement_id in list(await session.scalars(stmt)):
        claimed = await session.execute(
            update(Engagement)
            .where(Engagement.id == engagement_id, Engagement.overdue_notified_at.is_(None))
            .values(overdue_notified_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            continue
        row = (await session.execute(
            select(Engagement, Job.district_code).join(Job, Job.id == Engagement.job_id)
            .where(Engagement.id == engagement_id)
            .execution_options(populate_existing=True)
        )).one()
        e, district = row
        record_event(
            session, "wage.overdue", resource_type="engagement", resource_id=e.id,
            data={
                "engagement_id": e.id, "job_id": e.job_id, "employer_id": e.employer_id,
                "worker_id": e.worker_id, "district_code": district,
                "due_date": e.due_date.isoformat(), "due_fen": e.pay_due_fen,
                "paid_fen": e.paid_fen, "disputed_fen": e.disputed_fen,
                "outstanding_fen": pay.outstanding_fen(e.pay_due_fen, e.paid_fen, e.disputed_fen),
                "days_overdue": pay.days_overdue(e.due_date, today),
            },
            employer_id=e.employer_id, worker_id=e.worker_id,
        )
        flagged += 1
    return flagged
