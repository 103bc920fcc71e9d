"""Partner ingestion: postings pushed by external id, idempotently, for granted employers.

A partner key (role `partner`) acts for no employer by itself. An admin, or an employer for
itself, grants a partner key the right to post for that employer under a `source` (such as
`yzp` for 渝职聘); a source belongs to one partner key. A PUT names the employer in its body;
with a grant the partner acts for that employer on that posting only, and the posting goes
through the same create/patch path (and screening) as the employer's own.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import ApiKey
from app.auth.principal import ROLE_SCOPES, Principal, Role
from app.common.problems import Conflict, Forbidden, NotFound, field_error
from app.config import Settings
from app.db import utcnow
from app.employers.models import Employer
from app.jobs import service as jobs
from app.jobs.models import Job
from app.jobs.schemas import JobCreate, JobPatch
from app.partners.models import PartnerGrant, PartnerPosting
from app.partners.schemas import GrantIn, PartnerJobIn

# Fields a PUT may change through the jobs service's patch (employer_id never changes).
PATCHABLE = frozenset(JobPatch.model_fields)


def _acting_for(principal: Principal, employer_id: int) -> Principal:
    """The partner acting for a granted employer (its own key id stays on the record)."""
    if principal.is_admin:
        return principal
    return Principal(
        key_id=principal.key_id, role=Role.employer, scopes=ROLE_SCOPES[Role.employer],
        subject_id=employer_id, name=principal.name,
    )


async def _has_grant(
    session: AsyncSession, principal: Principal, source: str, employer_id: int
) -> bool:
    if principal.is_admin:
        return True
    grant = await session.scalar(
        select(PartnerGrant.id).where(
            PartnerGrant.source == source, PartnerGrant.employer_id == employer_id,
            PartnerGrant.partner_key_id == principal.key_id,
        )
    )
    return grant is not None


def _digest(payload: dict) -> str:
    raw = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


async def _posting(session: AsyncSession, source: str, external_id: str) -> PartnerPosting | None:
    return await session.scalar(
        select(PartnerPosting).where(
            PartnerPosting.source == source, PartnerPosting.external_id == external_id
        ).with_for_update()
    )


async def put_job(
    session: AsyncSession, principal: Principal, source: str, external_id: str,
    data: PartnerJobIn, settings: Settings,
) -> tuple[Job, bool]:
    """Creates or updates the posting; returns (job, created). The same payload again changes
    nothing and records no event."""
    if not await _has_grant(session, principal, source, data.employer_id):
        raise Forbidden(
            f"this key has no grant to post for employer {data.employer_id} under source "
            f"'{source}'"
        )
    payload = data.model_dump(mode="json")
    digest = _digest(payload)
    acting = _acting_for(principal, data.employer_id)
    posting = await _posting(session, source, external_id)
    if posting is None:
        taken = await session.scalar(
            select(Job.id).where(Job.source == source, Job.external_id == external_id)
        )
        if taken is not None:
            raise Conflict(f"a posting with external id '{external_id}' exists under '{source}'")
        job = await jobs.create_job(
            session, acting, JobCreate(**payload), settings, source=source,
            external_id=external_id,
        )
        session.add(PartnerPosting(
            job_id=job.id, source=source, external_id=external_id,
            partner_key_id=principal.key_id, payload=payload, payload_hash=digest,
        ))
        await session.flush()
        return job, True

    job_employer = await session.scalar(select(Job.employer_id).where(Job.id == posting.job_id))
    if job_employer != data.employer_id:
        raise field_error("/employer_id", "a posting cannot move to another employer")
    job = await jobs.get_managed_job(session, acting, posting.job_id)
    if posting.payload_hash == digest:
        return job, False
    changed = {k for k, v in payload.items() if posting.payload.get(k) != v}
    if "employment_type" in changed:
        job.employment_type = data.employment_type
    patch = JobPatch(**{k: payload[k] for k in changed & PATCHABLE})
    job = await jobs.patch_job(session, acting, job.id, patch, None, settings)
    posting.payload, posting.payload_hash = payload, digest
    posting.updated_at = utcnow()
    await session.flush()
    return job, False


async def close_job(
    session: AsyncSession, principal: Principal, source: str, external_id: str
) -> Job:
    """Closes (or, before review, cancels) the posting; already ended: nothing happens."""
    posting = await _posting(session, source, external_id)
    job = await session.get(Job, posting.job_id) if posting is not None else None
    if job is None or not await _has_grant(session, principal, source, job.employer_id):
        raise NotFound(f"no posting '{external_id}' under source '{source}'")
    acting = _acting_for(principal, job.employer_id)
    if job.status in ("open", "filled"):
        return await jobs.close_job(session, acting, job.id)
    if job.status == "pending_review":
        return await jobs.cancel_job(session, acting, job.id)
    return job


# -- grants ------------------------------------------------------------------------------------

def _may_grant(principal: Principal, employer_id: int) -> bool:
    return principal.is_admin or principal.acts_for(Role.employer, employer_id)


async def create_grant(
    session: AsyncSession, principal: Principal, source: str, data: GrantIn
) -> tuple[PartnerGrant, bool]:
    if not _may_grant(principal, data.employer_id):
        raise Forbidden("only an admin or the employer itself may grant a partner")
    if await session.get(Employer, data.employer_id) is None:
        raise field_error("/employer_id", f"no employer with id {data.employer_id}")
    key = await session.get(ApiKey, data.partner_key_id)
    if key is None or key.role != Role.partner.value or key.revoked_at is not None:
        raise field_error("/partner_key_id", "not an active partner API key")
    owners = set(await session.scalars(
        select(PartnerGrant.partner_key_id).where(PartnerGrant.source == source)
    ))
    if owners - {data.partner_key_id}:
        raise Conflict(f"source '{source}' belongs to another partner key")
    existing = await session.scalar(
        select(PartnerGrant).where(
            PartnerGrant.source == source, PartnerGrant.employer_id == data.employer_id
        )
    )
    if existing is not None:
        return existing, False
    grant = PartnerGrant(source=source, partner_key_id=data.partner_key_id,
                         employer_id=data.employer_id, created_by_key_id=principal.key_id)
    session.add(grant)
    await session.flush()
    return grant, True


async def list_grants(
    session: AsyncSession, principal: Principal, source: str
) -> list[PartnerGrant]:
    stmt = select(PartnerGrant).where(PartnerGrant.source == source).order_by(PartnerGrant.id)
    if principal.role is Role.employer:
        stmt = stmt.where(PartnerGrant.employer_id == principal.subject_id)
    elif principal.role is Role.partner:
        stmt = stmt.where(PartnerGrant.partner_key_id == principal.key_id)
    elif not principal.is_admin:
        raise Forbidden("grants are for admins, the employers granting and the partners granted")
    return list(await session.scalars(stmt))


async def delete_grant(
    session: AsyncSession, principal: Principal, source: str, employer_id: int
) -> None:
    grant = await session.scalar(
        select(PartnerGrant).where(
            PartnerGrant.source == source, PartnerGrant.employer_id == employer_id
        )
    )
    if grant is None or not _may_grant(principal, employer_id):
        raise NotFound(f"no grant for employer {employer_id} under source '{source}'")
    await session.delete(grant)
    await session.flush()
