"""Employers: registration, profile changes and verification."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal, Role
from app.common.etag import check_if_match
from app.common.patch import apply_patch
from app.common.problems import Conflict, Forbidden, NotFound, field_error
from app.config import Settings
from app.db import utcnow
from app.employers.models import Employer
from app.employers.schemas import EmployerCreate, EmployerPatch, VerificationIn
from app.events.service import record_event
from app.jobs.service import release_held_postings


def can_see_employer(principal: Principal, employer: Employer) -> bool:
    if principal.role in (Role.admin, Role.market, Role.inspector):
        return True
    return principal.acts_for(Role.employer, employer.id)


def can_edit_employer(principal: Principal, employer: Employer) -> bool:
    return principal.is_admin or principal.acts_for(Role.employer, employer.id)


async def get_employer(session: AsyncSession, principal: Principal, employer_id: int) -> Employer:
    employer = await session.get(Employer, employer_id)
    if employer is None or not can_see_employer(principal, employer):
        raise NotFound(f"no employer with id {employer_id}")
    return employer


async def create_employer(
    session: AsyncSession, principal: Principal, data: EmployerCreate
) -> Employer:
    existing = None
    if data.credit_code is not None:
        existing = await session.scalar(
            select(Employer.id).where(Employer.credit_code == data.credit_code)
        )
    if existing is not None:
        raise Conflict(
            "an employer with this unified social credit code is already registered",
            existing_id=existing,
        )
    employer = Employer(**data.model_dump(), created_by_key_id=principal.key_id)
    session.add(employer)
    try:
        await session.flush()
    except IntegrityError as exc:  # lost a race with the same code
        raise Conflict("an employer with this credit code is already registered") from exc
    record_event(
        session, "employer.created", resource_type="employer", resource_id=employer.id,
        data={"id": employer.id, "name": employer.name}, employer_id=employer.id,
    )
    return employer


async def list_employers(
    session: AsyncSession,
    principal: Principal,
    *,
    limit: int,
    after_id: int | None,
    verification_status: str | None = None,
) -> list[Employer]:
    stmt = select(Employer).order_by(Employer.id.desc()).limit(limit + 1)
    if principal.role is Role.employer:
        stmt = stmt.where(Employer.id == principal.subject_id)
    elif principal.role not in (Role.admin, Role.market, Role.inspector):
        raise Forbidden("this role cannot list employers")
    if after_id is not None:
        stmt = stmt.where(Employer.id < after_id)
    if verification_status is not None:
        stmt = stmt.where(Employer.verification_status == verification_status)
    return list(await session.scalars(stmt))


async def patch_employer(
    session: AsyncSession,
    principal: Principal,
    employer_id: int,
    data: EmployerPatch,
    if_match: str | None,
) -> Employer:
    employer = await get_employer(session, principal, employer_id)
    if not can_edit_employer(principal, employer):
        raise Forbidden("only the employer itself or an admin can change this profile")
    check_if_match(if_match, employer.id, employer.version)
    kind = data.kind or employer.kind
    if employer.credit_code is None and kind != "individual":
        raise field_error("/kind", "an employer without a credit code stays an individual")
    if kind == "individual" and (data.licence_no or employer.licence_no):
        raise field_error("/licence_no", "an individual employer does no agency work")
    apply_patch(employer, data, required={"name", "kind"})
    await session.flush()
    return employer


async def verify_employer(
    session: AsyncSession, principal: Principal, employer_id: int, data: VerificationIn,
    settings: Settings,
) -> Employer:
    """Records the decision; the employer's postings waiting in review follow it (approved
    after screening them again, or rejected), each with its job.approved/job.rejected event."""
    employer = await get_employer(session, principal, employer_id)
    employer.verification_status = data.status
    employer.verification_note = data.note
    employer.verified_at = utcnow()
    employer.verified_by_key_id = principal.key_id
    await session.flush()
    record_event(
        session, f"employer.{data.status}", resource_type="employer", resource_id=employer.id,
        data={"id": employer.id, "verification_status": data.status}, employer_id=employer.id,
    )
    await release_held_postings(session, employer, settings)
    return employer
