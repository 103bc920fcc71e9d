"""Track records: worker reliability (stored on the worker for matching), employer credit
(computed on read), and the work records item 十六 asks to collect."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.auth.principal import Principal, Role
from app.common.problems import NotFound
from app.employers.models import Employer
from app.engagements import pay, scoring
from app.engagements.arrears import ArrearsFilter, arrears_summary
from app.engagements.models import Engagement, Rating
from app.matching.index import set_reliability
from app.workers.models import Worker
from app.workers.service import get_worker

DONE = ("completed", "paid")
NOT_WORKED = ("cancelled_by_worker", "cancelled_by_employer", "no_show")


def _count(condition) -> object:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def _ratings(session: AsyncSession, rater: str, column, subject_id: int) -> tuple[int, int]:
    count, total = (await session.execute(
        select(func.count(), func.coalesce(func.sum(Rating.score), 0))
        .where(Rating.rater == rater, column == subject_id)
    )).one()
    return int(count), int(total)


async def worker_record(session: AsyncSession, worker_id: int) -> scoring.WorkerRecord:
    completed, no_shows, late = (await session.execute(
        select(
            # A completion with no time or pieces confirmed is no evidence of turning up.
            _count(and_(Engagement.status.in_(DONE), or_(
                func.coalesce(Engagement.confirmed_minutes, 0) > 0,
                func.coalesce(Engagement.confirmed_pieces, 0) > 0,
            ))),
            _count(Engagement.status == "no_show"),
            _count(and_(Engagement.status == "cancelled_by_worker", Engagement.late_cancellation)),
        ).where(Engagement.worker_id == worker_id)
    )).one()
    count, total = await _ratings(session, "employer", Rating.worker_id, worker_id)
    return scoring.WorkerRecord(
        completed=int(completed), no_shows=int(no_shows), late_cancellations=int(late),
        ratings_count=count, ratings_total=total,
    )


async def refresh_reliability(session: AsyncSession, worker_id: int) -> float:
    """Recomputes the worker's reliability from its history and stores it on the worker row.

    The worker row is locked first (the last lock in the job → engagement → worker order), so
    two transactions changing one worker's history cannot store each other's stale score."""
    await session.flush()
    await session.execute(
        select(Worker.id).where(Worker.id == worker_id).with_for_update(key_share=True)
    )
    score = scoring.worker_reliability(await worker_record(session, worker_id))
    # A plain UPDATE: the score is not part of the profile's ETag, and matching reads it.
    await session.execute(
        update(Worker).where(Worker.id == worker_id, Worker.reliability != score)
        .values(reliability=score).execution_options(synchronize_session=False)
    )
    await set_reliability(session, worker_id, score)
    return score


async def get_reliability(
    session: AsyncSession, principal: Principal, worker_id: int
) -> tuple[Worker, scoring.WorkerRecord]:
    worker = await get_worker(session, principal, worker_id)
    return worker, await worker_record(session, worker.id)


def _may_see_credit(principal: Principal, employer_id: int) -> bool:
    """Admins and markets; the employer itself; any worker deciding whom to work for."""
    if principal.role in (Role.admin, Role.market, Role.worker):
        return True
    return principal.acts_for(Role.employer, employer_id)


async def employer_record(
    session: AsyncSession, employer_id: int, today: date
) -> scoring.EmployerRecord:
    settled, kept, cancelled, late = (await session.execute(
        select(
            _count(Engagement.status == "paid"),
            _count(Engagement.status != "cancelled_by_employer"),
            _count(Engagement.status == "cancelled_by_employer"),
            _count(and_(Engagement.status == "cancelled_by_employer",
                        Engagement.late_cancellation)),
        ).where(Engagement.employer_id == employer_id)
    )).one()
    arrears = await arrears_summary(session, today, ArrearsFilter(employer_id=employer_id))
    count, total = await _ratings(session, "worker", Rating.employer_id, employer_id)
    return scoring.EmployerRecord(
        settled=int(settled), in_arrears=arrears.count, arrears_fen=arrears.outstanding_fen,
        kept=int(kept), cancellations=int(cancelled), late_cancellations=int(late),
        ratings_count=count, ratings_total=total,
    )


async def get_employer_credit(
    session: AsyncSession, principal: Principal, employer_id: int, now: datetime
) -> tuple[scoring.EmployerRecord, float]:
    employer = await session.get(Employer, employer_id)
    if employer is None or not _may_see_credit(principal, employer_id):
        raise NotFound(f"no employer with id {employer_id}")
    record = await employer_record(session, employer_id, pay.shanghai_date(now))
    return record, scoring.employer_credit(record)


async def list_work_records(
    session: AsyncSession, principal: Principal, worker_id: int, *, limit: int,
    after_id: int | None, from_date: date | None = None, to_date: date | None = None,
) -> list[Engagement]:
    """The worker's engagements that were worked or are booked (cancellations and no-shows
    are not work). An employer sees only its own engagements with the worker."""
    worker = await get_worker(session, principal, worker_id)
    stmt = (
        select(Engagement)
        .options(selectinload(Engagement.job), selectinload(Engagement.employer))
        .where(Engagement.worker_id == worker.id, Engagement.status.not_in(NOT_WORKED))
        .order_by(Engagement.id.desc()).limit(limit + 1)
    )
    if principal.role is Role.employer:
        stmt = stmt.where(Engagement.employer_id == principal.subject_id)
    if after_id is not None:
        stmt = stmt.where(Engagement.id < after_id)
    if from_date is not None:
        stmt = stmt.where(Engagement.ends_at >= pay.start_of_day(from_date))
    if to_date is not None:
        stmt = stmt.where(Engagement.starts_at < pay.start_of_day(to_date, days_after=1))
    return list(await session.scalars(stmt))
