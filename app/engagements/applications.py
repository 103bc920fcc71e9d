"""Applications: a worker asks for a job; the employer accepts (a hire) or declines."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal, Role
from app.common.problems import Conflict, field_error
from app.engagements import access
from app.engagements.hiring import (
    active_worker,
    hire,
    lock_job_and_worker,
    mark_decided,
    require_open,
    row_event,
)
from app.engagements.models import LIVE_STATUSES, Application, Engagement
from app.engagements.schemas import AcceptApplicationIn, ApplicationIn
from app.jobs.service import get_job
from app.workers.models import Worker


async def _applicant(session: AsyncSession, principal: Principal, worker_id: int | None) -> Worker:
    if principal.role is Role.worker:
        if principal.subject_id is None:
            raise Conflict("create your worker profile before applying", slug="no-profile")
        if worker_id is not None and worker_id != principal.subject_id:
            raise field_error("/worker_id", "a worker key applies only for its own worker")
        worker_id = principal.subject_id
    elif worker_id is None:
        raise field_error("/worker_id", "required when applying on a worker's behalf")
    worker = await active_worker(session, worker_id, "/worker_id")
    if not access.worker_side(principal, worker):
        raise field_error("/worker_id", f"no active worker with id {worker_id}")
    return worker


async def apply(
    session: AsyncSession, principal: Principal, job_id: int, data: ApplicationIn, now: datetime
) -> Application:
    job = await get_job(session, principal, job_id)
    worker = await _applicant(session, principal, data.worker_id)
    require_open(job, now)
    pending = await session.scalar(
        select(Application.id).where(
            Application.job_id == job.id, Application.worker_id == worker.id,
            Application.status == "pending",
        )
    )
    if pending is not None:
        raise Conflict(
            "the worker already has a pending application for this job",
            slug="duplicate-application", existing_id=pending,
        )
    hired = await session.scalar(
        select(Engagement.id).where(
            Engagement.job_id == job.id, Engagement.worker_id == worker.id,
            Engagement.status.in_(LIVE_STATUSES),
        )
    )
    if hired is not None:
        raise Conflict("the worker is already hired on this job", slug="already-hired")
    application = Application(
        job_id=job.id, worker_id=worker.id, employer_id=job.employer_id, status="pending",
        message=data.message, created_by_key_id=principal.key_id,
    )
    session.add(application)
    try:
        await session.flush()
    except IntegrityError as exc:  # lost a race with the same application
        raise Conflict(
            "the worker already has a pending application for this job",
            slug="duplicate-application",
        ) from exc
    row_event(session, "application.created", "application", application)
    return await get_application(session, principal, application.id)


async def get_application(
    session: AsyncSession, principal: Principal, application_id: int, *, lock: bool = False
) -> Application:
    return await access.load_visible(session, principal, Application, application_id, lock=lock)


async def accept_application(
    session: AsyncSession, principal: Principal, application_id: int,
    data: AcceptApplicationIn, now: datetime,
) -> Engagement:
    application = await get_application(session, principal, application_id)
    access.require_employer_side(principal, application, "accept an application")
    job, worker = await lock_job_and_worker(session, application.job_id, application.worker_id)
    application = await get_application(session, principal, application_id, lock=True)
    mark_decided(application, "accepted", now)
    engagement = await hire(
        session, job, worker, source="application", agreement_type=data.agreement_type, now=now
    )
    application.engagement_id = engagement.id
    await session.flush()
    row_event(session, "application.accepted", "application", application,
               engagement_id=engagement.id)
    return engagement


