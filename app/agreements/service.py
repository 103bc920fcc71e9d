"""Written agreements (item 十六): drawn up from the engagement's terms, signed by both sides
with a one-time code issued to each side's own key holder, kept immutable with a SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.agreements import render
from app.agreements.models import Agreement
from app.agreements.schemas import AgreementCreate
from app.auth.principal import Principal
from app.common.problems import Conflict, Forbidden, NotFound, Problem
from app.config import Settings
from app.db import begin_write
from app.engagements import access
from app.engagements.models import Engagement
from app.events.service import record_event
from app.protection.models import Protection

SHANGHAI = ZoneInfo("Asia/Shanghai")
CLOSED = ("cancelled_by_worker", "cancelled_by_employer", "no_show")


class AgreementUnsigned(Problem):
    status, slug, title = 409, "agreement-unsigned", "Agreement not signed"


def _hours_text(e: Engagement, rest_text: str | None) -> str:
    minutes = int((e.ends_at - e.starts_at).total_seconds() // 60)
    text = f"共计约 {minutes // 60} 小时 {minutes % 60} 分钟"
    if e.job.employment_type == "part_time":
        text += "；非全日制用工，平均每日不超过4小时，每周累计不超过24小时"
    return text + (f"；休息：{rest_text}" if rest_text else "")


def terms_of(e: Engagement, protection: Protection | None, rest_text: str | None) -> dict:
    """What the document says, from the engagement (the wage as agreed at the hire)."""
    job, employer = e.job, e.employer
    cover = protection.type if protection else "none"
    cover_text = render.PROTECTION_ZH[cover]
    if protection and protection.insurer:
        cover_text += f"（承保机构：{protection.insurer}）"
    local = "%Y-%m-%d %H:%M"
    return {
        "engagement_id": e.id, "employer_name": employer.name,
        "employer_credit_code": employer.credit_code, "worker_name": e.worker.name,
        "job_title": job.title, "address": job.address,
        "employment_type": job.employment_type,
        "employment_type_zh": render.EMPLOYMENT_ZH.get(job.employment_type, job.employment_type),
        "starts_at": e.starts_at.astimezone(SHANGHAI).strftime(local),
        "ends_at": e.ends_at.astimezone(SHANGHAI).strftime(local),
        "hours_text": _hours_text(e, rest_text), "rest_text": rest_text,
        "wage_amount_fen": e.wage_amount, "wage_unit": e.wage_unit,
        "wage_text": render.wage_text(e.wage_amount or 0, e.wage_unit or "hour"),
        "settlement": e.wage_settlement,
        "settlement_zh": render.SETTLEMENT_ZH.get(e.wage_settlement, e.wage_settlement),
        "protection_type": cover, "protection_text": cover_text,
    }


async def _engagement(session: AsyncSession, principal: Principal, engagement_id: int) -> Engagement:
    return await access.load_visible(session, principal, Engagement, engagement_id)


async def _agreement(session: AsyncSession, engagement_id: int, *, lock: bool = False) -> Agreement:
    if lock:
        await begin_write(session)
    stmt = select(Agreement).where(Agreement.engagement_id == engagement_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    row = await session.scalar(stmt)
    if row is None:
        raise NotFound(f"engagement {engagement_id} has no agreement yet")
    return row


def _event(session: AsyncSession, type_: str, a: Agreement, **extra) -> None:
    record_event(
        session, type_, resource_type="agreement", resource_id=a.id,
        data={"id": a.id, "engagement_id": a.engagement_id, "worker_id": a.worker_id,
              "employer_id": a.employer_id, "kind": a.kind, "sha256": a.sha256, **extra},
        employer_id=a.employer_id, worker_id=a.worker_id,
    )


async def create_agreement(
    session: AsyncSession, principal: Principal, engagement_id: int, data: AgreementCreate
) -> Agreement:
    await begin_write(session)
    e = await access.load_visible(session, principal, Engagement, engagement_id, lock=True)
    access.require_employer_side(principal, e, "draw up the agreement")
    if e.status in CLOSED:
        raise Conflict("the engagement has ended; no agreement is drawn up",
                       slug="illegal-transition", current_status=e.status)
    await existing_conflict(session, e.id)
    protection = await session.scalar(
        select(Protection).where(Protection.engagement_id == e.id)
    )
    terms = terms_of(e, protection, data.rest_text)
    document, digest = render.render(data.kind, terms)
    agreement = Agreement(
        engagement_id=e.id, worker_id=e.worker_id, employer_id=e.employer_id, kind=data.kind,
        terms=terms, document=document, sha256=digest, status="awaiting_signatures",
        created_by_key_id=principal.key_id,
    )
    session.add(agreement)
    try:
        await session.flush()
    except IntegrityError as exc:  # lost a race with another request for the same hire
        raise Conflict("this engagement already has an agreement",
                       slug="agreement-exists") from exc
    _event(session, "agreement.created", agreement)
    return agreement


async def existing_conflict(session: AsyncSession, engagement_id: int) -> None:
    found = await session.scalar(
        select(Agreement.id).where(Agreement.engagement_id == engagement_id)
    )
    if found is not None:
        raise Conflict("this engagement already has an agreement; agreements are immutable",
                       slug="agreement-exists", existing_id=found)


async def get_agreement(
    session: AsyncSession, principal: Principal, engagement_id: int
) -> Agreement:
    await _engagement(session, principal, engagement_id)
    return await _agreement(session, engagement_id)


def _require_side(principal: Principal, e: Engagement, side: str) -> None:
    ok = (access.worker_side(principal, e.worker) if side == "worker"
          else access.employer_side(principal, e.job))
    if not ok:
        raise Forbidden(f"only the {side}'s own key holder (or an admin) can sign as the {side}")


def _digest(agreement: Agreement, side: str, code: str) -> str:
    return hashlib.sha256(f"{agreement.id}:{side}:{code}".encode()).hexdigest()


async def issue_code(
    session: AsyncSession, principal: Principal, engagement_id: int, side: str,
    settings: Settings, now: datetime,
) -> tuple[str, datetime]:
    """A fresh one-time code for `side`, answered only to that side's own authenticated
    request: whoever holds the side's key is the one who signs."""
    e = await _engagement(session, principal, engagement_id)
    _require_side(principal, e, side)
    agreement = await _agreement(session, engagement_id, lock=True)
    if getattr(agreement, f"{side}_signed_at") is not None:
        raise Conflict(f"the {side} has already signed", slug="agreement-already-signed")
    code = secrets.token_hex(5)
    expires_at = now + timedelta(minutes=settings.signing_code_ttl_minutes)
    setattr(agreement, f"{side}_code_hash", _digest(agreement, side, code))
    setattr(agreement, f"{side}_code_expires_at", expires_at)
    await session.flush()
    return code, expires_at


async def sign(
    session: AsyncSession, principal: Principal, engagement_id: int, side: str, code: str,
    now: datetime,
) -> Agreement:
    e = await _engagement(session, principal, engagement_id)
    _require_side(principal, e, side)
    agreement = await _agreement(session, engagement_id, lock=True)
    if getattr(agreement, f"{side}_signed_at") is not None:
        raise Conflict(f"the {side} has already signed", slug="agreement-already-signed")
    stored = getattr(agreement, f"{side}_code_hash")
    expires_at = getattr(agreement, f"{side}_code_expires_at")
    if (stored is None or expires_at is None or expires_at <= now
            or not hmac.compare_digest(stored, _digest(agreement, side, code.strip()))):
        raise Problem("the signing code is wrong or has expired; ask for a new one",
                      status=422, slug="signing-code-invalid", title="Signing code invalid",
                      errors=[{"pointer": "/code", "detail": "wrong or expired"}])
    setattr(agreement, f"{side}_signed_at", now)
    setattr(agreement, f"{side}_signed_by_key_id", principal.key_id)
    setattr(agreement, f"{side}_code_hash", None)  # one time
    if agreement.worker_signed_at and agreement.employer_signed_at:
        agreement.status, agreement.signed_at = "signed", now
        _event(session, "agreement.signed", agreement, signed_at=now.isoformat())
    await session.flush()
    return agreement


async def require_signed_if_needed(session: AsyncSession, e: Engagement) -> None:
    """Check-in guard: a job flagged `agreement_required` admits no unsigned hire."""
    if not e.job.agreement_required:
        return
    status = await session.scalar(
        select(Agreement.status).where(Agreement.engagement_id == e.id)
    )
    if status != "signed":
        raise AgreementUnsigned(
            "this job requires a signed written agreement before the worker checks in",
            current_status=e.status, agreement_status=status or "missing",
        )
