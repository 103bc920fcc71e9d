"""Complaints (item 十五): filed by anyone with a key, routed to the district's market,
decided before a deadline; a substantiated one marks the employer, may suspend the posting,
and past a threshold blocks the employer from posting."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import ApiKey
from app.auth.principal import Principal, Role
from app.common.problems import Conflict, Forbidden, NotFound, field_error
from app.complaints.models import Complaint
from app.complaints.schemas import ComplaintAssignmentIn, ComplaintCreate, ComplaintDecisionIn
from app.config import Settings
from app.db import begin_write, lock_row
from app.employers.models import Employer
from app.employers.suspension import suspend_jobs
from app.engagements import access
from app.engagements.models import Engagement
from app.events.service import record_event
from app.jobs import service as jobs_service
from app.jobs.models import Job
from app.markets.models import Market

DECIDED = ("substantiated", "unsubstantiated")


async def _subject(session: AsyncSession, principal: Principal, data: ComplaintCreate):
    """(employer_id, job_id, engagement_id, district_code) of what the complaint is about;
    a subject the caller cannot see is answered like one that does not exist."""
    kind, subject_id = data.subject.type, data.subject.id
    missing = field_error("/subject/id", f"no {kind} with id {subject_id}")
    if kind == "job":
        job = await session.get(Job, subject_id)
        if job is None or not (job.status in jobs_service.PUBLIC_STATUSES
                               or jobs_service.can_manage(principal, job)
                               or principal.role in (Role.market, Role.inspector)):
            raise missing
        return job.employer_id, job.id, None, job.district_code
    if kind == "employer":
        employer = await session.get(Employer, subject_id)
        if employer is None:
            raise missing
        return employer.id, None, None, employer.district_code
    try:
        e = await access.load_visible(session, principal, Engagement, subject_id)
    except NotFound as exc:
        raise missing from exc
    return e.employer_id, e.job_id, e.id, e.job.district_code


async def file_complaint(
    session: AsyncSession, principal: Principal, data: ComplaintCreate, settings: Settings,
    now: datetime,
) -> Complaint:
    employer_id, job_id, engagement_id, district = await _subject(session, principal, data)
    market_id = None
    if district is not None:
        market_id = await session.scalar(
            select(Market.id).where(Market.district_code == district).order_by(Market.id).limit(1)
        )
    complaint = Complaint(
        subject_type=data.subject.type, subject_id=data.subject.id, employer_id=employer_id,
        job_id=job_id, engagement_id=engagement_id, category=data.category,
        description=data.description, district_code=district,
        complainant_role=principal.role.value, complainant_key_id=principal.key_id,
        complainant_worker_id=principal.subject_id if principal.role is Role.worker else None,
        status="assigned" if market_id else "open",
        deadline_at=now + timedelta(days=settings.complaint_deadline_days),
        assigned_market_id=market_id, posting_suspended=False,
    )
    session.add(complaint)
    await session.flush()
    record_event(
        session, "complaint.filed", resource_type="complaint", resource_id=complaint.id,
        data={"id": complaint.id, "subject_type": complaint.subject_type,
              "subject_id": complaint.subject_id, "category": complaint.category,
              "district_code": district, "deadline_at": complaint.deadline_at.isoformat(),
              "assigned_market_id": market_id},
        market_id=market_id,
    )
    return complaint


def _visible(principal: Principal):
    if principal.is_admin:
        return None
    own = Complaint.complainant_key_id == principal.key_id
    if principal.role is Role.market:
        return or_(own, Complaint.assigned_market_id == principal.subject_id)
    if principal.role is Role.inspector:
        return or_(own, Complaint.assigned_inspector_key_id == principal.key_id)
    if principal.role is Role.employer:
        return or_(own, Complaint.employer_id == principal.subject_id)
    if principal.role is Role.worker and principal.subject_id is not None:
        return or_(own, Complaint.complainant_worker_id == principal.subject_id)
    return own


def _handler(principal: Principal, c: Complaint) -> bool:
    return (principal.is_admin
            or (principal.role is Role.market and c.assigned_market_id == principal.subject_id)
            or (principal.role is Role.inspector
                and c.assigned_inspector_key_id == principal.key_id))


async def get_complaint(
    session: AsyncSession, principal: Principal, complaint_id: int, *, lock: bool = False
) -> Complaint:
    if lock:
        await begin_write(session)
    stmt: Select = select(Complaint).where(Complaint.id == complaint_id)
    where = _visible(principal)
    if where is not None:
        stmt = stmt.where(where)
    row = await session.scalar(stmt)
    if row is None:
        raise NotFound(f"no complaint with id {complaint_id}")
    if lock:
        row = await lock_row(session, Complaint, complaint_id)
    return row


async def list_complaints(
    session: AsyncSession, principal: Principal, *, limit: int, after_id: int | None,
    status: str | None = None, employer_id: int | None = None,
) -> list[Complaint]:
    stmt = select(Complaint).order_by(Complaint.id.desc()).limit(limit + 1)
    where = _visible(principal)
    if where is not None:
        stmt = stmt.where(where)
    if after_id is not None:
        stmt = stmt.where(Complaint.id < after_id)
    if status is not None:
        stmt = stmt.where(Complaint.status == status)
    if employer_id is not None:
        stmt = stmt.where(Complaint.employer_id == employer_id)
    return list(await session.scalars(stmt))


def _require_open(c: Complaint) -> None:
    if c.status in DECIDED:
        raise Conflict(f"the complaint was already decided ({c.status})",
                       slug="complaint-decided", current_status=c.status)


async def assign(
    session: AsyncSession, principal: Principal, complaint_id: int, data: ComplaintAssignmentIn
) -> Complaint:
    c = await get_complaint(session, principal, complaint_id, lock=True)
    if not _handler(principal, c):
        raise Forbidden("only the complaint's handler (or an admin) can reassign it")
    _require_open(c)
    if data.market_id is None and data.inspector_key_id is None:
        raise field_error("/market_id", "name a market or an inspector")
    if data.market_id is not None:
        if await session.get(Market, data.market_id) is None:
            raise field_error("/market_id", f"no market with id {data.market_id}")
        c.assigned_market_id = data.market_id
    if data.inspector_key_id is not None:
        key = await session.get(ApiKey, data.inspector_key_id)
        if key is None or key.role != Role.inspector.value or key.revoked_at is not None:
            raise field_error("/inspector_key_id",
                              f"no active inspector key with id {data.inspector_key_id}")
        c.assigned_inspector_key_id = key.id
    c.status = "assigned"
    await session.flush()
    record_event(
        session, "complaint.assigned", resource_type="complaint", resource_id=c.id,
        data={"id": c.id, "assigned_market_id": c.assigned_market_id,
              "assigned_inspector_key_id": c.assigned_inspector_key_id},
        market_id=c.assigned_market_id,
    )
    return c


async def decide(
    session: AsyncSession, principal: Principal, complaint_id: int, data: ComplaintDecisionIn,
    settings: Settings, now: datetime,
) -> Complaint:
    c = await get_complaint(session, principal, complaint_id, lock=True)
    if not _handler(principal, c):
        raise Forbidden("only the complaint's handler (or an admin) can decide it")
    _require_open(c)
    if data.suspend_posting and (data.outcome != "substantiated" or c.job_id is None):
        raise field_error("/suspend_posting",
                          "only a substantiated complaint about a posting suspends it")
    c.status, c.outcome_note = data.outcome, data.note
    c.decided_at, c.decided_by_key_id = now, principal.key_id
    if data.outcome == "substantiated":
        await _substantiated(session, c, data.suspend_posting, settings, now)
    await session.flush()
    record_event(
        session, "complaint.decided", resource_type="complaint", resource_id=c.id,
        data={"id": c.id, "employer_id": c.employer_id, "outcome": c.status,
              "posting_suspended": c.posting_suspended},
        employer_id=c.employer_id, market_id=c.assigned_market_id,
    )
    return c


async def _substantiated(
    session: AsyncSession, c: Complaint, suspend: bool, settings: Settings, now: datetime
) -> None:
    employer = await lock_row(session, Employer, c.employer_id)
    employer.substantiated_complaints += 1
    threshold = settings.complaint_block_threshold
    if threshold and employer.substantiated_complaints >= threshold and not employer.posting_blocked_at:
        employer.posting_blocked_at = now
        record_event(
            session, "employer.posting_blocked", resource_type="employer", resource_id=employer.id,
            data={"id": employer.id, "substantiated_complaints": employer.substantiated_complaints},
            employer_id=employer.id,
        )
    if suspend:
        job = await lock_row(session, Job, c.job_id)
        c.posting_suspended = await suspend_jobs(session, [job], f"complaint {c.id}") > 0


async def statistics(session: AsyncSession, principal: Principal, now: datetime) -> list[dict]:
    """Counts per district and category: what the compliance indicators and the bureau's
    statistics take from the complaint channel. Markets see their own district."""
    pending = Complaint.status.notin_(DECIDED)
    stmt = select(
        Complaint.district_code, Complaint.category, func.count().label("filed"),
        func.sum(case((Complaint.status == "substantiated", 1), else_=0)).label("substantiated"),
        func.sum(case((Complaint.status == "unsubstantiated", 1), else_=0)).label(
            "unsubstantiated"),
        func.sum(case((pending, 1), else_=0)).label("pending"),
        func.sum(case((and_(pending, Complaint.deadline_at < now), 1), else_=0)).label("overdue"),
    ).group_by(Complaint.district_code, Complaint.category).order_by(
        Complaint.district_code, Complaint.category)
    if principal.role is Role.market:
        district = select(Market.district_code).where(Market.id == principal.subject_id)
        stmt = stmt.where(Complaint.district_code.in_(district))
    return [dict(r._mapping) for r in await session.execute(stmt)]
