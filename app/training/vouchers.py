"""满天星 digital-skills training vouchers: a yearly quota, eligibility rules as data, issue,
redeem against a listed online digital-skills course, expiry, cancel and re-issue.

Issuing locks the year's programme row and redeeming locks the voucher row (PostgreSQL row
locks; on SQLite begin_write takes the database write lock), so concurrent requests never
exceed the quota, never give a worker more than the rules allow and never redeem twice.
issued_count is the number of the year's vouchers that are not cancelled.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal, Role
from app.common.problems import Conflict, Forbidden, NotFound, Problem, field_error
from app.db import begin_write, lock_row
from app.engagements.pay import shanghai_date
from app.events.service import record_event
from app.training.access import market_rows, worker_side_sees
from app.training.courses import _worker_for, enrol, get_course
from app.training.models import TrainingInstitution, Voucher, VoucherProgramme
from app.training.schemas import VoucherProgrammeIn, VoucherRules
from app.workers.models import Worker

DEFAULT_QUOTA = 10_000


class QuotaExhausted(Problem):
    status, slug, title = 409, "voucher-quota-exhausted", "Voucher quota exhausted"


class NotEligible(Problem):
    status, slug, title = 409, "voucher-not-eligible", "Not eligible for a voucher"


class VoucherUnusable(Problem):
    status, slug, title = 409, "voucher-unusable", "Voucher cannot be used"


class CourseNotVoucherable(Problem):
    status, slug, title = 409, "course-not-voucher-eligible", "Course does not take vouchers"


def effective_status(voucher: Voucher, now: datetime) -> str:
    if voucher.status == "issued" and now >= voucher.expires_at:
        return "expired"
    return voucher.status


def rules_of(programme: VoucherProgramme) -> VoucherRules:
    return VoucherRules.model_validate(programme.rules or {}, strict=False)


async def get_programme(session: AsyncSession, year: int) -> VoucherProgramme | None:
    return await session.scalar(select(VoucherProgramme).where(VoucherProgramme.year == year))


async def put_programme(session: AsyncSession, principal: Principal, year: int,
                        data: VoucherProgrammeIn) -> tuple[VoucherProgramme, bool]:
    if not principal.is_admin:
        raise Forbidden("only admins set voucher quotas and rules")
    await begin_write(session)
    programme = await get_programme(session, year)
    created = programme is None
    if created:
        programme = VoucherProgramme(year=year, issued_count=0, version=0)
        session.add(programme)
    else:
        programme = await lock_row(session, VoucherProgramme, programme.id)
        if data.quota < programme.issued_count:
            raise field_error("/quota", f"{programme.issued_count} vouchers are already issued")
    programme.quota = data.quota
    programme.rules = data.rules.model_dump()
    programme.version += 1
    await session.flush()
    return programme, created


async def _programme_locked(session: AsyncSession, year: int) -> VoucherProgramme:
    """The year's programme under its row lock; created with the defaults when the bureau has
    not set one (a concurrent creator wins the unique year and is then locked instead)."""
    programme = await get_programme(session, year)
    if programme is None:
        try:
            async with session.begin_nested():
                session.add(VoucherProgramme(year=year, quota=DEFAULT_QUOTA, issued_count=0,
                                             rules=VoucherRules().model_dump(), version=1))
                await session.flush()
        except IntegrityError:
            pass
        programme = await get_programme(session, year)
    return await lock_row(session, VoucherProgramme, programme.id)


async def _check_eligible(session: AsyncSession, programme: VoucherProgramme, worker: Worker,
                          exclude_id: int | None = None) -> None:
    rules = rules_of(programme)
    if rules.registered_only and worker.status != "active":
        raise NotEligible("only active registered workers receive vouchers")
    if rules.target_groups and not set(rules.target_groups) & set(worker.target_groups or []):
        raise NotEligible("the worker is in none of the target groups: "
                          + ", ".join(rules.target_groups))
    stmt = select(func.count()).select_from(Voucher).where(
        Voucher.worker_id == worker.id, Voucher.year == programme.year,
        Voucher.status != "cancelled")
    if exclude_id is not None:
        stmt = stmt.where(Voucher.id != exclude_id)
    held = await session.scalar(stmt)
    if held >= rules.per_worker:
        raise NotEligible(f"the worker already holds {held} voucher(s) for {programme.year}; "
                          f"the rules allow {rules.per_worker}")


def _new_voucher(principal: Principal, programme: VoucherProgramme, worker: Worker,
                 now: datetime, replaces: int | None = None) -> Voucher:
    return Voucher(
        year=programme.year, worker_id=worker.id, status="issued", issued_at=now,
        expires_at=now + timedelta(days=rules_of(programme).validity_days),
        issued_by_market_id=principal.subject_id if principal.role is Role.market else None,
        replaces_voucher_id=replaces, version=1,
    )


def _issued_event(session: AsyncSession, voucher: Voucher, worker: Worker) -> None:
    record_event(
        session, "voucher.issued", resource_type="training_voucher", resource_id=voucher.id,
        data={"id": voucher.id, "year": voucher.year, "worker_id": voucher.worker_id,
              "expires_at": voucher.expires_at.isoformat(),
              "replaces_voucher_id": voucher.replaces_voucher_id},
        worker_id=worker.id, market_id=worker.registered_by_market_id,
    )


async def issue(session: AsyncSession, principal: Principal, worker_id: int, year: int | None,
                now: datetime) -> Voucher:
    if principal.role not in (Role.admin, Role.market, Role.worker):
        raise Forbidden("admins and markets issue vouchers; workers claim their own")
    year = year or shanghai_date(now).year
    worker = await _worker_for(session, principal, worker_id)
    await begin_write(session)
    programme = await _programme_locked(session, year)
    await _check_eligible(session, programme, worker)
    if programme.issued_count >= programme.quota:
        raise QuotaExhausted(f"all {programme.quota} vouchers of {year} are issued")
    voucher = _new_voucher(principal, programme, worker, now)
    session.add(voucher)
    programme.issued_count += 1
    await session.flush()
    _issued_event(session, voucher, worker)
    return voucher


async def get_voucher(session: AsyncSession, principal: Principal, voucher_id: int) -> Voucher:
    if principal.role not in (Role.admin, Role.inspector, Role.worker, Role.market):
        raise Forbidden("this role has no vouchers")
    voucher = await session.get(Voucher, voucher_id)
    if voucher is None or not await worker_side_sees(
            session, principal, voucher.worker_id, voucher.issued_by_market_id):
        raise NotFound(f"no voucher with id {voucher_id}")
    return voucher


async def list_vouchers(session: AsyncSession, principal: Principal, *, limit: int,
                        after_id: int | None, year: int | None, worker_id: int | None,
                        status: str | None, now: datetime) -> list[Voucher]:
    stmt = select(Voucher).order_by(Voucher.id.desc()).limit(limit + 1)
    if principal.role is Role.worker:
        stmt = stmt.where(Voucher.worker_id == principal.subject_id)
    elif principal.role is Role.market:
        stmt = stmt.where(market_rows(principal, Voucher.issued_by_market_id, Voucher.worker_id))
    elif principal.role not in (Role.admin, Role.inspector):
        raise Forbidden("this role has no vouchers")
    if year is not None:
        stmt = stmt.where(Voucher.year == year)
    if worker_id is not None:
        stmt = stmt.where(Voucher.worker_id == worker_id)
    if status == "expired":
        stmt = stmt.where(Voucher.status == "issued", Voucher.expires_at <= now)
    elif status == "issued":
        stmt = stmt.where(Voucher.status == "issued", Voucher.expires_at > now)
    elif status is not None:
        stmt = stmt.where(Voucher.status == status)
    if after_id is not None:
        stmt = stmt.where(Voucher.id < after_id)
    return list(await session.scalars(stmt))


async def redeem(session: AsyncSession, principal: Principal, voucher_id: int, course_id: int,
                 now: datetime) -> Voucher:
    """Against an open online digital-skills course of a published, voucher-eligible
    institution; the voucher is re-read under its lock, so only one redemption wins."""
    voucher = await get_voucher(session, principal, voucher_id)
    if not (principal.is_admin or principal.acts_for(Role.worker, voucher.worker_id)):
        raise Forbidden("only the voucher's worker (or an admin) redeems it")
    course = await get_course(session, course_id)
    institution = await session.get(TrainingInstitution, course.institution_id)
    if not (course.delivery == "online" and course.digital_skills):
        raise CourseNotVoucherable("vouchers pay for online digital-skills courses only")
    if not (institution.status == "published" and institution.voucher_eligible):
        raise CourseNotVoucherable("the course's institution is not listed for vouchers")
    await begin_write(session)
    voucher = await lock_row(session, Voucher, voucher.id)
    status = effective_status(voucher, now)
    if status != "issued":
        raise VoucherUnusable(f"the voucher is {status}", voucher_status=status)
    worker = await session.get(Worker, voucher.worker_id)
    enrolment = await enrol(session, principal, course, worker, voucher_id=voucher.id)
    voucher.status, voucher.redeemed_at = "redeemed", now
    voucher.course_id, voucher.enrolment_id = course.id, enrolment.id
    voucher.version += 1
    await session.flush()
    record_event(
        session, "voucher.redeemed", resource_type="training_voucher", resource_id=voucher.id,
        data={"id": voucher.id, "year": voucher.year, "worker_id": voucher.worker_id,
              "course_id": course.id, "enrolment_id": enrolment.id,
              "institution_id": course.institution_id},
        worker_id=worker.id, market_id=worker.registered_by_market_id,
    )
    return voucher


def _may_manage(principal: Principal, voucher: Voucher) -> None:
    if principal.is_admin:
        return
    if principal.role is Role.market and voucher.issued_by_market_id == principal.subject_id:
        return
    raise Forbidden("only admins and the issuing market cancel or re-issue a voucher")


async def cancel(session: AsyncSession, principal: Principal, voucher_id: int, reason: str,
                 now: datetime) -> Voucher:
    """An unredeemed voucher (also an expired one) is cancelled; its quota place is freed."""
    voucher = await get_voucher(session, principal, voucher_id)
    _may_manage(principal, voucher)
    await begin_write(session)
    programme = await _programme_locked(session, voucher.year)
    voucher = await lock_row(session, Voucher, voucher.id)
    if voucher.status != "issued":
        raise VoucherUnusable(f"the voucher is {voucher.status}; only unredeemed ones cancel")
    voucher.status, voucher.cancelled_at, voucher.cancel_reason = "cancelled", now, reason
    voucher.version += 1
    programme.issued_count -= 1
    await session.flush()
    return voucher


async def reissue(session: AsyncSession, principal: Principal, voucher_id: int,
                  now: datetime) -> Voucher:
    """A new voucher for the same worker and year in place of a cancelled or expired one
    (an expired one is cancelled by this); the eligibility rules and the quota apply."""
    old = await get_voucher(session, principal, voucher_id)
    _may_manage(principal, old)
    await begin_write(session)
    programme = await _programme_locked(session, old.year)
    old = await lock_row(session, Voucher, old.id)
    status = effective_status(old, now)
    if status not in ("cancelled", "expired"):
        raise VoucherUnusable(f"the voucher is {status}; only cancelled or expired ones are "
                              "re-issued")
    replaced = await session.scalar(select(Voucher.id).where(
        Voucher.replaces_voucher_id == old.id).limit(1))
    if replaced is not None:
        raise Conflict("the voucher was already re-issued", slug="voucher-already-reissued",
                       title="Already re-issued", voucher_id=replaced)
    worker = await session.get(Worker, old.worker_id)
    if status == "expired":
        old.status, old.cancelled_at, old.cancel_reason = "cancelled", now, "expired; re-issued"
        old.version += 1
        programme.issued_count -= 1
        await session.flush()
    await _check_eligible(session, programme, worker)
    if programme.issued_count >= programme.quota:
        raise QuotaExhausted(f"all {programme.quota} vouchers of {old.year} are issued")
    voucher = _new_voucher(principal, programme, worker, now, replaces=old.id)
    session.add(voucher)
    programme.issued_count += 1
    await session.flush()
    _issued_event(session, voucher, worker)
    return voucher

