"""Courses and enrolments: apply → confirm → attendance → completion (certificate), which adds
the course's skills and certificate to the worker's profile and match keys at once."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal, Role
from app.common.etag import check_if_match
from app.common.problems import Conflict, Forbidden, NotFound, Problem, field_error
from app.db import begin_write, lock_row, utcnow
from app.events.service import record_event
from app.training.access import market_rows, worker_side_sees
from app.training.models import ENROLMENT_LIVE, Course, Enrolment, TrainingInstitution
from app.training.schemas import CourseIn, CoursePatch
from app.workers.models import Worker
from app.workers.service import add_credentials
from app.workers.service import manages as manages_worker


class CourseFull(Problem):
    status, slug, title = 409, "course-full", "Course full"


class EnrolmentState(Problem):
    status, slug, title = 409, "enrolment-state", "Not allowed in this enrolment state"


def owns_course(principal: Principal, course: Course) -> bool:
    return principal.is_admin or principal.acts_for(Role.institution, course.institution_id)


async def create_course(session: AsyncSession, principal: Principal, data: CourseIn) -> Course:
    if principal.role is Role.institution:
        if data.institution_id not in (None, principal.subject_id):
            raise field_error("/institution_id", f"no institution with id {data.institution_id}")
        institution_id = principal.subject_id
    elif principal.is_admin:
        if data.institution_id is None:
            raise field_error("/institution_id", "admins name the institution")
        institution_id = data.institution_id
    else:
        raise Forbidden("institutions and admins create courses")
    institution = await session.get(TrainingInstitution, institution_id)
    if institution is None:
        raise field_error("/institution_id", f"no institution with id {institution_id}")
    if institution.status != "published":
        raise Conflict("the institution is not a published entry of the institution catalogue",
                       slug="institution-not-listed", title="Institution not listed")
    course = Course(**data.model_dump(exclude={"institution_id"}), institution_id=institution_id,
                    status="open", version=1)
    session.add(course)
    await session.flush()
    return course


async def get_course(session: AsyncSession, course_id: int) -> Course:
    course = await session.get(Course, course_id)
    if course is None:
        raise NotFound(f"no course with id {course_id}")
    return course


async def enrolled_counts(session: AsyncSession, course_ids: list[int]) -> dict[int, int]:
    if not course_ids:
        return {}
    rows = await session.execute(
        select(Enrolment.course_id, func.count()).where(
            Enrolment.course_id.in_(course_ids), Enrolment.status.in_(ENROLMENT_LIVE)
        ).group_by(Enrolment.course_id)
    )
    return dict(rows.all())


async def list_courses(session: AsyncSession, *, limit: int, after_id: int | None,
                       institution_id: int | None, skill_code: str | None,
                       delivery: str | None, status: str | None) -> list[Course]:
    stmt = select(Course).order_by(Course.id.desc())
    if after_id is not None:
        stmt = stmt.where(Course.id < after_id)
    for column, value in ((Course.institution_id, institution_id), (Course.delivery, delivery),
                          (Course.status, status)):
        if value is not None:
            stmt = stmt.where(column == value)
    if skill_code is None:
        return list(await session.scalars(stmt.limit(limit + 1)))
    # skill_codes is a JSON list: filtered here, scanning in pages, to stay portable.
    out: list[Course] = []
    async for course in await session.stream_scalars(stmt):
        if skill_code in course.skill_codes:
            out.append(course)
            if len(out) > limit:
                break
    return out


async def patch_course(session: AsyncSession, principal: Principal, course_id: int,
                       data: CoursePatch, if_match: str | None) -> Course:
    course = await get_course(session, course_id)
    if not owns_course(principal, course):
        if principal.role is Role.institution:
            raise NotFound(f"no course with id {course_id}")
        raise Forbidden("only the course's institution and admins change a course")
    check_if_match(if_match, course.id, course.version)
    changes = data.model_dump(exclude_unset=True)
    for name in ("title", "capacity", "price_fen", "status"):
        if name in changes and changes[name] is None:
            raise field_error(f"/{name}", "cannot be null")
    for name, value in changes.items():
        setattr(course, name, value)
    course.version += 1
    await session.flush()
    return course


# -- enrolments --------------------------------------------------------------------------------

async def _worker_for(session: AsyncSession, principal: Principal,
                      worker_id: int | None) -> Worker:
    """The worker an enrolment or voucher is for: a worker key acts for itself, a market for
    the workers it registered, an admin for anyone."""
    if principal.role is Role.worker:
        if worker_id not in (None, principal.subject_id) or principal.subject_id is None:
            raise field_error("/worker_id", f"no worker with id {worker_id}")
        worker_id = principal.subject_id
    elif worker_id is None:
        raise field_error("/worker_id", "name the worker")
    worker = await session.get(Worker, worker_id)
    if worker is None or not manages_worker(principal, worker):
        raise field_error("/worker_id", f"no worker with id {worker_id}")
    return worker


async def enrol(session: AsyncSession, principal: Principal, course: Course, worker: Worker,
                voucher_id: int | None = None) -> Enrolment:
    """Capacity is checked with the course row locked, so concurrent applications never
    overfill it."""
    await begin_write(session)
    course = await lock_row(session, Course, course.id)
    if course.status != "open":
        raise Conflict("the course is closed", slug="course-closed", title="Course closed")
    existing = await session.scalar(select(Enrolment).where(
        Enrolment.course_id == course.id, Enrolment.worker_id == worker.id))
    if existing is not None:
        raise Conflict("the worker is already enrolled on this course",
                       slug="already-enrolled", title="Already enrolled",
                       enrolment_id=existing.id)
    taken = (await enrolled_counts(session, [course.id])).get(course.id, 0)
    if taken >= course.capacity:
        raise CourseFull(f"all {course.capacity} places are taken")
    enrolment = Enrolment(
        course_id=course.id, worker_id=worker.id, status="applied", voucher_id=voucher_id,
        registered_by_market_id=principal.subject_id if principal.role is Role.market else None,
        attended_hours=0, version=1,
    )
    session.add(enrolment)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # a concurrent twin got in first
        raise Conflict("the worker is already enrolled on this course",
                       slug="already-enrolled", title="Already enrolled") from exc
    return enrolment


async def apply(session: AsyncSession, principal: Principal, course_id: int,
                worker_id: int | None) -> Enrolment:
    if principal.role not in (Role.worker, Role.market, Role.admin):
        raise Forbidden("workers enrol themselves; markets and admins enrol workers")
    course = await get_course(session, course_id)
    worker = await _worker_for(session, principal, worker_id)
    return await enrol(session, principal, course, worker)


async def _can_see(session: AsyncSession, principal: Principal, enrolment: Enrolment) -> bool:
    if principal.role is Role.institution:
        course = await session.get(Course, enrolment.course_id)
        return course is not None and owns_course(principal, course)
    return await worker_side_sees(session, principal, enrolment.worker_id,
                                  enrolment.registered_by_market_id)


async def get_enrolment(session: AsyncSession, principal: Principal,
                        enrolment_id: int) -> Enrolment:
    enrolment = await session.get(Enrolment, enrolment_id)
    if enrolment is None or not await _can_see(session, principal, enrolment):
        raise NotFound(f"no enrolment with id {enrolment_id}")
    return enrolment


async def list_enrolments(session: AsyncSession, principal: Principal, *, limit: int,
                          after_id: int | None, course_id: int | None,
                          worker_id: int | None, status: str | None) -> list[Enrolment]:
    stmt = select(Enrolment).order_by(Enrolment.id.desc()).limit(limit + 1)
    if principal.role is Role.worker:
        stmt = stmt.where(Enrolment.worker_id == principal.subject_id)
    elif principal.role is Role.market:
        stmt = stmt.where(market_rows(principal, Enrolment.registered_by_market_id,
                                      Enrolment.worker_id))
    elif principal.role is Role.institution:
        mine = select(Course.id).where(Course.institution_id == principal.subject_id)
        stmt = stmt.where(Enrolment.course_id.in_(mine))
    elif principal.role not in (Role.admin, Role.inspector):
        raise Forbidden("this role has no enrolments")
    for column, value in ((Enrolment.course_id, course_id), (Enrolment.worker_id, worker_id),
                          (Enrolment.status, status)):
        if value is not None:
            stmt = stmt.where(column == value)
    if after_id is not None:
        stmt = stmt.where(Enrolment.id < after_id)
    return list(await session.scalars(stmt))


async def _institution_action(session: AsyncSession, principal: Principal,
                              enrolment_id: int) -> tuple[Enrolment, Course]:
    enrolment = await get_enrolment(session, principal, enrolment_id)
    course = await session.get(Course, enrolment.course_id)
    if not owns_course(principal, course):
        raise Forbidden("only the course's institution and admins run its enrolments")
    enrolment = await lock_row(session, Enrolment, enrolment.id)
    return enrolment, course


async def confirm(session: AsyncSession, principal: Principal, enrolment_id: int) -> Enrolment:
    enrolment, _course = await _institution_action(session, principal, enrolment_id)
    if enrolment.status != "applied":
        raise EnrolmentState(f"the enrolment is {enrolment.status}; only applied ones confirm")
    enrolment.status, enrolment.confirmed_at = "confirmed", utcnow()
    enrolment.version += 1
    await session.flush()
    return enrolment


async def attend(session: AsyncSession, principal: Principal, enrolment_id: int,
                 hours: int) -> Enrolment:
    enrolment, course = await _institution_action(session, principal, enrolment_id)
    if enrolment.status != "confirmed":
        raise EnrolmentState(f"the enrolment is {enrolment.status}; attendance needs confirmed")
    if enrolment.attended_hours + hours > course.hours:
        raise field_error("/hours", f"would exceed the course's {course.hours} hours")
    enrolment.attended_hours += hours
    enrolment.version += 1
    await session.flush()
    return enrolment


async def complete(session: AsyncSession, principal: Principal, enrolment_id: int,
                   certificate_no: str | None) -> Enrolment:
    """Needs every hour of the course attended. The skills and certificate go onto the
    worker's profile (source training_enrolment:<id>) and match keys in this transaction."""
    enrolment, course = await _institution_action(session, principal, enrolment_id)
    if enrolment.status != "confirmed":
        raise EnrolmentState(f"the enrolment is {enrolment.status}; only confirmed ones complete")
    if enrolment.attended_hours < course.hours:
        raise EnrolmentState(
            f"{enrolment.attended_hours} of {course.hours} hours attended; all are needed")
    if course.certificate and not certificate_no:
        raise field_error("/certificate_no", "the course awards a certificate: give its number")
    now = utcnow()
    enrolment.status, enrolment.completed_at = "completed", now
    enrolment.certificate_no = certificate_no
    enrolment.version += 1
    await session.flush()
    worker = await add_credentials(session, enrolment.worker_id, list(course.skill_codes),
                                   course.certificate, f"training_enrolment:{enrolment.id}")
    record_event(
        session, "enrolment.completed", resource_type="training_enrolment",
        resource_id=enrolment.id,
        data={"id": enrolment.id, "course_id": course.id, "worker_id": enrolment.worker_id,
              "institution_id": course.institution_id, "skill_codes": list(course.skill_codes),
              "certificate": course.certificate, "completed_at": now.isoformat()},
        worker_id=enrolment.worker_id, market_id=worker.registered_by_market_id,
    )
    return enrolment
