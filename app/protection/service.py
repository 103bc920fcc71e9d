"""Injury cover per engagement (item 十四), the gaps the rules find, and the new-forms
register (item 十六) built from engagements here and those partners report."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.agreements.models import Agreement
from app.auth.principal import Principal, Role
from app.common.problems import Conflict, Forbidden, field_error
from app.db import begin_write, utcnow
from app.employers.models import Employer
from app.engagements import access, pay
from app.engagements.models import LIVE_STATUSES, OWING_STATUSES, Engagement
from app.jobs.models import Job
from app.partners.models import PartnerGrant
from app.protection import rules
from app.protection.models import Protection, ReportedEngagement
from app.protection.schemas import ProtectionIn, ReportedEngagementIn

# Engagements the rules and the register look at: held now or worked and not yet settled.
CONSIDERED = (*LIVE_STATUSES, "completed", "paid")
OCCUPATION_WORDS = (("rider", ("配送", "骑手", "外卖", "跑腿")),
                    ("ride_hailing_driver", ("网约车", "代驾")),
                    ("truck_driver", ("货车", "货运", "货拉拉")))


def occupation_of(title: str) -> str:
    for name, words in OCCUPATION_WORDS:
        if any(w in title for w in words):
            return name
    return "other"


Row = tuple[rules.Held, Engagement, Protection | None, tuple[str, str, str]]


async def _held(session: AsyncSession, where) -> list[Row]:
    stmt = (
        select(Engagement, Job.employment_type, Job.title, Employer.kind, Employer.name,
               Protection)
        .join(Job, Job.id == Engagement.job_id).join(Employer, Employer.id == Engagement.employer_id)
        .outerjoin(Protection, Protection.engagement_id == Engagement.id)
        .where(Engagement.status.in_(CONSIDERED), *where).order_by(Engagement.id)
    )
    out = []
    for e, employment_type, title, kind, name, p in await session.execute(stmt):
        out.append((rules.Held(
            engagement_id=e.id, worker_id=e.worker_id, employer_id=e.employer_id,
            part_time=employment_type == "part_time",
            start_date=pay.shanghai_date(e.starts_at), end_date=pay.shanghai_date(e.ends_at),
            pilot_platform=rules.on_pilot(kind, name), cover_type=p.type if p else None,
            cover_from=p.from_date if p else None, cover_to=p.to_date if p else None,
        ), e, p, (title, kind, name)))
    return out


async def gaps_for_workers(session: AsyncSession, worker_ids: set[int]) -> dict[int, list[str]]:
    if not worker_ids:
        return {}
    held = await _held(session, [Engagement.worker_id.in_(worker_ids)])
    return rules.gaps([row[0] for row in held])


async def get_protection(
    session: AsyncSession, principal: Principal, engagement_id: int
) -> tuple[Engagement, Protection | None, list[str]]:
    e = await access.load_visible(session, principal, Engagement, engagement_id)
    p = await session.scalar(select(Protection).where(Protection.engagement_id == e.id))
    found = await gaps_for_workers(session, {e.worker_id})
    return e, p, found.get(e.id, [])


async def put_protection(
    session: AsyncSession, principal: Principal, engagement_id: int, data: ProtectionIn
) -> tuple[Engagement, Protection, list[str]]:
    await begin_write(session)  # SQLite: the lock below is the whole database's
    e = await access.load_visible(session, principal, Engagement, engagement_id, lock=True)
    access.require_employer_side(principal, e, "record the employer's injury cover")
    p = await session.scalar(select(Protection).where(Protection.engagement_id == e.id))
    if p is None:
        p = Protection(engagement_id=e.id, employer_id=e.employer_id)
        session.add(p)
    values = data.model_dump()
    values["evidence_url"] = str(data.evidence_url) if data.evidence_url else None
    for name, value in values.items():
        setattr(p, name, value)
    p.recorded_by_key_id = principal.key_id
    await session.flush()
    found = await gaps_for_workers(session, {e.worker_id})
    return e, p, found.get(e.id, [])


# ---- the new-forms register ------------------------------------------------------------------

def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


async def new_forms(
    session: AsyncSession, principal: Principal, *, from_date: date, to_date: date,
    employer_id: int | None, occupation: str | None,
) -> list[dict]:
    """Rows per source, employer, worker and ISO week: hours, agreements, cover, arrears."""
    if principal.role is Role.employer:
        employer_id = principal.subject_id
    elif principal.role not in (Role.admin, Role.market, Role.inspector):
        raise Forbidden("this role cannot read the new-forms register")
    start = datetime.combine(from_date, datetime.min.time(), tzinfo=pay.SHANGHAI)
    end = datetime.combine(to_date + timedelta(days=1), datetime.min.time(), tzinfo=pay.SHANGHAI)
    where = [Engagement.starts_at >= start, Engagement.starts_at < end]
    if employer_id is not None:
        where.append(Engagement.employer_id == employer_id)
    held = await _held(session, where)
    found = await gaps_for_workers(session, {row[0].worker_id for row in held})
    agreements = await _agreements(session, [row[1].id for row in held])
    today = pay.shanghai_date(utcnow())
    groups: dict[tuple, dict] = {}
    for h, e, p, (title, kind_, name) in held:
        job_occupation = occupation_of(title)
        if occupation is not None and job_occupation != occupation:
            continue
        week = _week_start(h.start_date)
        row = groups.setdefault(("gigmarket", e.employer_id, str(e.worker_id), week), {
            "source": "gigmarket", "employer_id": e.employer_id, "employer_name": name,
            "employer_kind": kind_, "worker_ref": str(e.worker_id),
            "occupation": job_occupation, "week_start_date": week, "engagements": 0,
            "weekly_minutes": 0, "agreement_kinds": set(), "agreements_signed": 0,
            "protection_types": set(), "protection_gaps": set(), "arrears_fen": 0,
        })
        row["engagements"] += 1
        row["weekly_minutes"] += e.confirmed_minutes or e.worked_minutes or 0
        kind, status = agreements.get(e.id, (None, None))
        if kind:
            row["agreement_kinds"].add(kind)
            row["agreements_signed"] += status == "signed"
        row["protection_types"].add(p.type if p else "unrecorded")
        row["protection_gaps"].update(found.get(e.id, []))
        if (e.status in OWING_STATUSES and e.due_date is not None and e.due_date < today):
            row["arrears_fen"] += max(0, e.pay_due_fen - e.paid_fen)
    rows = [{**r, **{k: sorted(r[k]) for k in ("agreement_kinds", "protection_types",
                                                  "protection_gaps")}} for r in groups.values()]
    rows.extend(await _reported(session, from_date, to_date, employer_id, occupation))
    rows.sort(key=lambda r: (r["week_start_date"], r["employer_id"], r["source"], r["worker_ref"]))
    return rows


async def _agreements(session: AsyncSession, ids: list[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Agreement.engagement_id, Agreement.kind, Agreement.status)
        .where(Agreement.engagement_id.in_(ids))
    )
    return {r.engagement_id: (r.kind, r.status) for r in rows}


async def _reported(
    session: AsyncSession, from_date: date, to_date: date, employer_id: int | None,
    occupation: str | None,
) -> list[dict]:
    stmt = (select(ReportedEngagement, Employer.name, Employer.kind)
            .join(Employer, Employer.id == ReportedEngagement.employer_id)
            .where(ReportedEngagement.week_start_date >= _week_start(from_date),
                   ReportedEngagement.week_start_date <= to_date))
    if employer_id is not None:
        stmt = stmt.where(ReportedEngagement.employer_id == employer_id)
    if occupation is not None:
        stmt = stmt.where(ReportedEngagement.occupation == occupation)
    out = []
    for r, name, kind in await session.execute(stmt.order_by(ReportedEngagement.id)):
        gaps = []
        if rules.on_pilot(kind, name) and r.protection_type != "occupational_injury_pilot":
            gaps.append("pilot_cover_not_reported")
        out.append({
            "source": r.source, "employer_id": r.employer_id, "employer_name": name,
            "employer_kind": kind, "worker_ref": r.worker_ref, "occupation": r.occupation,
            "week_start_date": r.week_start_date, "engagements": 1,
            "weekly_minutes": r.weekly_minutes,
            "agreement_kinds": [r.agreement_kind] if r.agreement_kind else [],
            "agreements_signed": 0, "protection_types": [r.protection_type],
            "protection_gaps": gaps, "arrears_fen": r.arrears_fen,
        })
    return out


async def put_reported(
    session: AsyncSession, principal: Principal, source: str, external_id: str,
    data: ReportedEngagementIn, now: datetime,
) -> tuple[ReportedEngagement, bool]:
    """A partner's own worker's engagement, by external id: the same PUT again changes
    nothing new; a changed body updates the row. Partners report only for granted employers."""
    if not principal.is_admin:
        grant = await session.scalar(select(PartnerGrant.id).where(
            PartnerGrant.source == source, PartnerGrant.employer_id == data.employer_id,
            PartnerGrant.partner_key_id == principal.key_id))
        if grant is None:
            raise field_error("/employer_id",
                              f"no employer with id {data.employer_id} granted to this source")
    elif await session.get(Employer, data.employer_id) is None:
        raise field_error("/employer_id", f"no employer with id {data.employer_id}")
    await begin_write(session)
    row = await session.scalar(select(ReportedEngagement).where(
        ReportedEngagement.source == source, ReportedEngagement.external_id == external_id
    ).with_for_update())
    created = row is None
    if created:
        row = ReportedEngagement(source=source, external_id=external_id)
        session.add(row)
    elif row.employer_id != data.employer_id:
        raise field_error("/employer_id", "an external id stays with the employer it was reported for")
    cover = data.protection
    for name, value in {
        "employer_id": data.employer_id, "worker_ref": data.worker_ref,
        "occupation": data.occupation, "agreement_kind": data.agreement_kind,
        "week_start_date": data.week_start_date, "weekly_minutes": data.weekly_minutes,
        "protection_type": cover.type, "insurer": cover.insurer, "policy_no": cover.policy_no,
        "arrears_fen": data.arrears_fen, "reported_by_key_id": principal.key_id,
        "received_at": now,
    }.items():
        setattr(row, name, value)
    try:
        await session.flush()
    except IntegrityError as exc:  # PostgreSQL: the same new external id pushed twice at once
        raise Conflict("this external id is being reported by another request; retry",
                       slug="conflict") from exc
    return row, created

