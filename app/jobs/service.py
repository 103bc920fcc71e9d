"""Job postings: create with screening, read with visibility rules, change, review, close."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.auth.principal import Principal, Role
from app.common.etag import check_if_match
from app.common.geo import KM_PER_DEG_LAT, bounding_box, district_for_point, haversine_km
from app.common.problems import Conflict, NotFound, Problem, field_error
from app.config import Settings
from app.db import begin_write, lock_row, utcnow
from app.employers.models import Employer
from app.employers.posting_rules import check_household_headcount, check_posting
from app.engagements.counts import live_hires
from app.events.service import record_event
from app.jobs import screening
from app.jobs.models import Job, JobSkill
from app.jobs.schemas import JobCreate, JobPatch, ReviewIn, Shift, check_shifts
from app.markets.models import Market
from app.matching.index import drop_jobs, index_job
from app.reference.skills import MAX_SKILL_ENTRIES, normalise_skills

# Statuses anyone with jobs:read may see; the rest only the owner, its market and admins.
PUBLIC_STATUSES = ("open", "filled")
LIVE_STATUSES = ("pending_review", "open", "filled")
CLOCK_SKEW = timedelta(minutes=5)


class PostingRejected(Problem):
    status, slug, title = 422, "posting-rejected", "Posting rejected by screening"


def _owns(principal: Principal, job: Job) -> bool:
    return (
        principal.is_admin
        or principal.acts_for(Role.employer, job.employer_id)
        or (
            principal.role is Role.market
            and job.registered_by_market_id is not None
            and principal.subject_id == job.registered_by_market_id
        )
    )


def can_manage(principal: Principal, job: Job) -> bool:
    return _owns(principal, job)


def _load_job() -> Select:
    return select(Job).options(selectinload(Job.skills))


async def get_job(session: AsyncSession, principal: Principal, job_id: int) -> Job:
    job = await session.scalar(_load_job().where(Job.id == job_id))
    if job is None or not (job.status in PUBLIC_STATUSES or _owns(principal, job)):
        raise NotFound(f"no job with id {job_id}")
    return job


async def get_managed_job(session: AsyncSession, principal: Principal, job_id: int) -> Job:
    """A job the caller may change; others' jobs are 404 so their existence does not leak."""
    job = await session.scalar(_load_job().where(Job.id == job_id))
    if job is None or not _owns(principal, job):
        raise NotFound(f"no job with id {job_id}")
    return job


async def _posting_employer(
    session: AsyncSession, principal: Principal, employer_id: int | None
) -> Employer:
    if principal.role is Role.employer:
        if employer_id is not None and employer_id != principal.subject_id:
            raise field_error("/employer_id", "an employer key posts only for its own employer")
        employer_id = principal.subject_id
    elif employer_id is None:
        raise field_error("/employer_id", "required when posting on an employer's behalf")
    employer = await session.get(Employer, employer_id)
    if employer is None:
        raise field_error("/employer_id", f"no employer with id {employer_id}")
    if employer.verification_status == "rejected":
        raise PostingRejected(
            "the employer failed verification and cannot publish postings", reason="employer_rejected"
        )
    return employer


def _screen_text(title: str, description: str) -> None:
    finding = screening.find_fee_request({"title": title, "description": description})
    if finding is not None:
        raise PostingRejected(
            f"postings may not ask workers for fees or deposits: '{finding.term}' "
            f"in '{finding.clause}'",
            reason="fee_requested", phrase=finding.term,
            errors=[{"pointer": f"/{finding.field}",
                     "detail": f"asks workers for '{finding.term}' ('{finding.clause}')"}],
        )


def _district(lat: float, lng: float, code: str | None) -> str:
    try:
        return district_for_point(lat, lng, code)
    except ValueError as exc:
        raise field_error("/location/district_code", str(exc)) from exc


def _screen_wage(
    amount: int, unit: str, district_code: str, starts_at: datetime, settings: Settings
) -> None:
    # The standard in force on the first working day, in Chongqing (UTC+8).
    day = (starts_at.astimezone(UTC) + timedelta(hours=8)).date()
    floor = screening.minimum_wage_fen(unit, district_code, settings, day)
    if floor is not None and amount < floor:
        raise PostingRejected(
            f"the wage is below the legal minimum of {floor} fen per {unit} in district "
            f"{district_code}",
            reason="below_minimum_wage",
            minimum_fen=floor,
            errors=[{"pointer": "/wage/amount", "detail": f"below the legal minimum {floor} fen per {unit}"}],
        )


async def _find_duplicate(
    session: AsyncSession, settings: Settings, employer_id: int, title: str,
    lat: float, lng: float, starts_at: datetime, ends_at: datetime, exclude_id: int | None = None,
) -> int | None:
    min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, settings.duplicate_distance_km)
    stmt = select(Job.id, Job.title, Job.lat, Job.lng).where(
        Job.employer_id == employer_id,
        Job.status.in_(("pending_review", "open")),
        Job.starts_at < ends_at,
        Job.ends_at > starts_at,
        Job.lat.between(min_lat, max_lat),
        Job.lng.between(min_lng, max_lng),
    ).order_by(Job.id)
    if exclude_id is not None:
        stmt = stmt.where(Job.id != exclude_id)
    for row in await session.execute(stmt):
        close = haversine_km(lat, lng, row.lat, row.lng) <= settings.duplicate_distance_km
        similar = screening.title_similarity(title, row.title) >= settings.duplicate_title_similarity
        if close and similar:
            return row.id
    return None


def _set_skills(job: Job, raw_skills: list[str], settings: Settings) -> None:
    matches = normalise_skills(raw_skills, settings.skill_match_threshold)
    if len(matches) > MAX_SKILL_ENTRIES:
        raise field_error("/skills", f"at most {MAX_SKILL_ENTRIES} skills in all")
    job.skills = [
        JobSkill(
            position=i, raw=m.raw, skill_code=m.skill.code if m.skill else None,
            similarity=m.similarity,
        )
        for i, m in enumerate(matches)
    ]


def job_event_data(job: Job) -> dict:
    return {
        "id": job.id, "employer_id": job.employer_id, "title": job.title,
        "status": job.status, "employment_type": job.employment_type,
        "district_code": job.district_code, "headcount": job.headcount, "urgent": job.urgent,
        "starts_at": job.starts_at.isoformat(), "ends_at": job.ends_at.isoformat(),
    }


def _emit(session: AsyncSession, type_: str, job: Job) -> None:
    record_event(
        session, type_, resource_type="job", resource_id=job.id, data=job_event_data(job),
        employer_id=job.employer_id, market_id=job.registered_by_market_id,
        public=job.status in PUBLIC_STATUSES,
    )


async def create_job(
    session: AsyncSession, principal: Principal, data: JobCreate, settings: Settings,
    *, source: str | None = None, external_id: str | None = None,
) -> Job:
    employer = await _posting_employer(session, principal, data.employer_id)
    chain = await check_posting(
        session, employer, headcount=data.headcount, on_behalf_of=data.on_behalf_of,
        settings=settings, now=utcnow(),
    )
    if data.starts_at < utcnow() - CLOCK_SKEW:
        raise field_error("/starts_at", "a new posting cannot start in the past")
    _screen_text(data.title, data.description)
    loc = data.location
    district_code = _district(loc.lat, loc.lng, loc.district_code)
    _screen_wage(data.wage.amount, data.wage.unit, district_code, data.starts_at, settings)
    duplicate = await _find_duplicate(
        session, settings, employer.id, data.title, loc.lat, loc.lng, data.starts_at, data.ends_at
    )
    if duplicate is not None:
        raise Conflict(
            f"the employer already has an open posting like this one (job {duplicate})",
            slug="duplicate-posting", existing_id=duplicate,
        )
    verified = employer.verification_status == "verified"
    now = utcnow()
    req = data.requirements
    job = Job(
        employer_id=employer.id, title=data.title, description=data.description,
        employment_type=data.employment_type, headcount=data.headcount,
        lat=loc.lat, lng=loc.lng, address=loc.address,
        district_code=district_code,
        radius_km=data.radius_km, starts_at=data.starts_at, ends_at=data.ends_at,
        shifts=[s.model_dump(mode="json") for s in data.shifts],
        wage_amount=data.wage.amount, wage_unit=data.wage.unit,
        wage_settlement=data.wage.settlement,
        req_gender=req.gender, req_min_age=req.min_age, req_max_age=req.max_age,
        req_certificates=list(req.certificates), urgent=data.urgent,
        injury_protection=data.injury_protection,
        agreement_required=data.agreement_required,
        on_behalf_of_employer_id=chain.on_behalf_of_employer_id,
        subcontract_chain=chain.subcontract_chain, subcontract_flagged=chain.subcontract_flagged,
        source=source, external_id=external_id,
        status="open" if verified else "pending_review",
        published_at=now if verified else None,
        registered_by_market_id=principal.subject_id if principal.role is Role.market else None,
        created_by_key_id=principal.key_id,
    )
    _set_skills(job, data.skills, settings)
    session.add(job)
    await session.flush()
    await index_job(session, job)
    _emit(session, "job.created", job)
    return job


@dataclass
class JobFilters:
    status: str | None = None
    district_code: str | None = None
    skill_code: str | None = None
    employment_type: str | None = None
    urgent: bool | None = None
    employer_id: int | None = None
    near: tuple[float, float] | None = None
    radius_km: float | None = None
    starts_after: datetime | None = None
    starts_before: datetime | None = None


def _visible(principal: Principal):
    if principal.is_admin:
        return None
    public = Job.status.in_(PUBLIC_STATUSES)
    if principal.role is Role.employer:
        return or_(public, Job.employer_id == principal.subject_id)
    if principal.role is Role.market:
        return or_(public, Job.registered_by_market_id == principal.subject_id)
    return public


async def list_jobs(
    session: AsyncSession, principal: Principal, filters: JobFilters, *, limit: int,
    after_id: int | None,
) -> list[Job]:
    stmt = _load_job().order_by(Job.id.desc()).limit(limit + 1)
    conditions = []
    visible = _visible(principal)
    if visible is not None:
        conditions.append(visible)
    if after_id is not None:
        conditions.append(Job.id < after_id)
    if filters.status:
        conditions.append(Job.status == filters.status)
    if filters.district_code:
        conditions.append(Job.district_code == filters.district_code)
    if filters.employment_type:
        conditions.append(Job.employment_type == filters.employment_type)
    if filters.urgent is not None:
        conditions.append(Job.urgent == filters.urgent)
    if filters.employer_id is not None:
        conditions.append(Job.employer_id == filters.employer_id)
    if filters.starts_after is not None:
        conditions.append(Job.starts_at >= filters.starts_after)
    if filters.starts_before is not None:
        conditions.append(Job.starts_at < filters.starts_before)
    if filters.skill_code:
        conditions.append(
            exists().where(JobSkill.job_id == Job.id, JobSkill.skill_code == filters.skill_code)
        )
    if filters.near is not None:
        lat, lng = filters.near
        radius = filters.radius_km or 10.0
        min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, radius)
        # Equirectangular distance in plain arithmetic (SQLite has no trigonometry); under
        # 0.5 % error at city scale, far inside the rounding of a travel radius.
        kx = 111.320 * math.cos(math.radians(lat))
        dx = (Job.lng - lng) * kx
        dy = (Job.lat - lat) * KM_PER_DEG_LAT
        conditions += [
            Job.lat.between(min_lat, max_lat),
            Job.lng.between(min_lng, max_lng),
            dx * dx + dy * dy <= radius * radius,
        ]
    if conditions:
        stmt = stmt.where(and_(*conditions))
    return list(await session.scalars(stmt))


async def patch_job(
    session: AsyncSession, principal: Principal, job_id: int, data: JobPatch,
    if_match: str | None, settings: Settings,
) -> Job:
    job = await get_managed_job(session, principal, job_id)
    if data.headcount is not None:
        # Hires lock the job row and count live engagements under it; holding the same lock
        # here means no hire can land between our count and our commit.
        await begin_write(session)
        job = await lock_row(session, Job, job.id, selectinload(Job.skills))
    check_if_match(if_match, job.id, job.version)
    if job.status not in ("pending_review", "open"):
        raise Conflict(f"a {job.status} job cannot be changed", current_status=job.status)
    changes = data.model_dump(exclude_unset=True)
    if data.headcount is not None:
        check_household_headcount(await session.get(Employer, job.employer_id), data.headcount,
                                  settings)
        hired = (await live_hires(session, [job.id])).get(job.id, 0)
        if data.headcount < hired:
            raise Conflict(
                f"{hired} workers are already hired; the headcount cannot go below that",
                slug="headcount-below-hired", hired=hired,
            )
    for name in ("title", "headcount", "location", "starts_at", "ends_at", "wage", "skills",
                 "requirements", "urgent", "description", "shifts", "injury_protection"):
        if name in changes and changes[name] is None:
            raise field_error(f"/{name}", "cannot be null")
    title = data.title if data.title is not None else job.title
    description = data.description if data.description is not None else job.description
    _screen_text(title, description)
    starts_at = data.starts_at or job.starts_at
    ends_at = data.ends_at or job.ends_at
    district_code = job.district_code
    if data.location is not None:
        loc = data.location
        district_code = _district(loc.lat, loc.lng, loc.district_code)
    if data.wage is not None or data.location is not None:
        # A move to a first-tier district can put the wage below that district's floor.
        wage = data.wage
        _screen_wage(wage.amount if wage else job.wage_amount,
                     wage.unit if wage else job.wage_unit, district_code, starts_at, settings)
    if ends_at <= starts_at:
        raise field_error("/ends_at", "must be after starts_at")
    if data.starts_at is not None and data.starts_at < utcnow() - CLOCK_SKEW:
        raise field_error("/starts_at", "cannot move a posting's start into the past")
    shifts = data.shifts if data.shifts is not None else None
    if shifts is not None or data.starts_at or data.ends_at:
        current = shifts if shifts is not None else [Shift(**s) for s in job.shifts]
        try:
            check_shifts(current, starts_at, ends_at)
        except ValueError as exc:
            raise field_error("/shifts", str(exc)) from exc
    for name in ("title", "description", "headcount", "radius_km", "urgent", "injury_protection"):
        if name in changes:
            setattr(job, name, changes[name])
    job.starts_at, job.ends_at = starts_at, ends_at
    if shifts is not None:
        job.shifts = [s.model_dump(mode="json") for s in shifts]
    if data.location is not None:
        loc = data.location
        job.lat, job.lng, job.address = loc.lat, loc.lng, loc.address
        job.district_code = district_code
    if data.wage is not None:
        job.wage_amount, job.wage_unit = data.wage.amount, data.wage.unit
        job.wage_settlement = data.wage.settlement
    if data.requirements is not None:
        req = data.requirements
        job.req_gender, job.req_min_age, job.req_max_age = req.gender, req.min_age, req.max_age
        job.req_certificates = list(req.certificates)
    if data.skills is not None:
        _set_skills(job, data.skills, settings)
    filled = data.headcount is not None and job.status == "open" and data.headcount == hired
    if filled:
        job.status = "filled"
    await session.flush()
    await index_job(session, job)
    _emit(session, "job.updated", job)
    if filled:
        _emit(session, "job.filled", job)
    return job


async def _transition(
    session: AsyncSession, principal: Principal, job_id: int, to: str, allowed_from: tuple[str, ...],
    event: str,
) -> Job:
    job = await get_managed_job(session, principal, job_id)
    if job.status not in allowed_from:
        raise Conflict(
            f"cannot move a {job.status} job to {to}", slug="illegal-transition",
            current_status=job.status,
        )
    job.status = to
    job.closed_at = utcnow()
    await session.flush()
    await index_job(session, job)
    _emit(session, event, job)
    return job


async def close_job(session: AsyncSession, principal: Principal, job_id: int) -> Job:
    return await _transition(session, principal, job_id, "closed", ("open", "filled"), "job.closed")


async def cancel_job(session: AsyncSession, principal: Principal, job_id: int) -> Job:
    return await _transition(
        session, principal, job_id, "cancelled", ("pending_review", "open", "filled"),
        "job.cancelled",
    )


async def _may_review(session: AsyncSession, principal: Principal, job: Job) -> bool:
    """Admins review every posting; a market those it registered or in its own district."""
    if principal.is_admin or _owns(principal, job):
        return principal.role in (Role.admin, Role.market)
    if principal.role is Role.market and principal.subject_id is not None:
        market = await session.get(Market, principal.subject_id)
        return market is not None and market.district_code == job.district_code
    return False


async def review_job(
    session: AsyncSession, principal: Principal, job_id: int, data: ReviewIn
) -> Job:
    job = await session.scalar(_load_job().where(Job.id == job_id))
    if job is None or not await _may_review(session, principal, job):
        raise NotFound(f"no job with id {job_id}")
    if job.status != "pending_review":
        raise Conflict(
            f"only pending_review postings are reviewed; this one is {job.status}",
            slug="illegal-transition", current_status=job.status,
        )
    await _decide(session, job, data.decision == "approve", data.note)
    return job


async def _decide(session: AsyncSession, job: Job, approve: bool, note: str | None) -> None:
    job.review_note = note
    if approve:
        job.status, job.published_at = "open", utcnow()
    else:
        job.status, job.closed_at = "rejected", utcnow()
    await session.flush()
    await index_job(session, job)
    _emit(session, "job.approved" if approve else "job.rejected", job)


async def _screening_failure(session: AsyncSession, job: Job, settings: Settings) -> str | None:
    """Why a held posting would be refused if it were posted now, or None. Screening rules
    and the minimum wage may have changed while it waited."""
    try:
        _screen_text(job.title, job.description)
        _screen_wage(job.wage_amount, job.wage_unit, job.district_code, job.starts_at, settings)
    except PostingRejected as exc:
        return f"{exc.extra.get('reason', 'screening')}: {exc.detail}"
    duplicate = await _find_duplicate(
        session, settings, job.employer_id, job.title, job.lat, job.lng, job.starts_at,
        job.ends_at, exclude_id=job.id,
    )
    if duplicate is not None:
        return f"duplicate_posting: the employer already has a posting like this one (job {duplicate})"
    return None


async def release_held_postings(
    session: AsyncSession, employer: Employer, settings: Settings
) -> list[Job]:
    """After an employer's verification is decided, its postings waiting in review follow it:
    verified → each is screened again and approved, or rejected with the screening reason;
    rejected → each is rejected. Oldest first, so of two near-duplicates the older wins."""
    held = list(await session.scalars(
        _load_job().where(Job.employer_id == employer.id, Job.status == "pending_review")
        .order_by(Job.id).with_for_update()
    ))
    for job in held:
        if employer.verification_status == "verified":
            failure = await _screening_failure(session, job, settings)
            note = None if failure is None else f"screening on verification: {failure}"[:500]
            await _decide(session, job, failure is None, note)
        else:
            await _decide(session, job, False, "employer_rejected: the employer failed verification")
    return held


async def expire_ended_jobs(session: AsyncSession) -> int:
    """Open postings whose end has passed become expired (idempotent; any process may run it)."""
    result = await session.execute(
        update(Job)
        .where(Job.status.in_(("open", "pending_review")), Job.ends_at <= utcnow())
        .values(status="expired", closed_at=utcnow(), version=Job.version + 1)
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    )
    expired = list(result.scalars())
    await drop_jobs(session, expired)
    return len(expired)
