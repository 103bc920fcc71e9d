"""Agencies' 人力资源服务许可证 (item 十五's crackdown on 黑职介): a lapsed licence takes the
agency's postings off the market, run by the housekeeping sweep."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.employers.models import Employer
from app.employers.posting_rules import shanghai_today
from app.employers.suspension import SUSPENDABLE, suspend_employer_jobs
from app.events.service import record_event
from app.jobs.models import Job


async def suspend_unlicensed_agencies(session: AsyncSession, now: datetime) -> int:
    """Suspends live postings of agencies whose licence has lapsed; returns how many."""
    today = shanghai_today(now)
    lapsed = list(await session.scalars(
        select(Employer).where(
            Employer.kind == "agency",
            or_(Employer.licence_expiry_date.is_(None), Employer.licence_expiry_date < today),
            exists().where(Job.employer_id == Employer.id, Job.status.in_(SUSPENDABLE)),
        ).order_by(Employer.id)
    ))
    total = 0
    for employer in lapsed:
        count = await suspend_employer_jobs(session, employer.id, "licence_expired")
        total += count
        record_event(
            session, "employer.licence_expired", resource_type="employer",
            resource_id=employer.id,
            data={"id": employer.id, "jobs_suspended": count,
                  "licence_expiry_date": (employer.licence_expiry_date.isoformat()
                                          if employer.licence_expiry_date else "")},
            employer_id=employer.id,
        )
    return total
