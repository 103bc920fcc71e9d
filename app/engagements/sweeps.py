"""Housekeeping for engagements, run by every API process's housekeeping loop (app.main):
expire lapsed offers, mark no-shows after the grace period, raise wage.overdue events,
suspend the postings of agencies whose licence lapsed.
Each step commits on its own, so one failing does not hold back the others."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import utcnow
from app.employers.licensing import suspend_unlicensed_agencies
from app.engagements.arrears import flag_overdue_wages
from app.engagements.offers import expire_offers
from app.engagements.service import sweep_no_shows


async def engagement_housekeeping(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings,
    now: datetime | None = None,
) -> dict[str, int]:
    now = now or utcnow()
    done: dict[str, int] = {}
    steps = {
        "offers_expired": lambda s: expire_offers(s, now),
        "no_shows": lambda s: sweep_no_shows(s, settings, now),
        "wages_overdue": lambda s: flag_overdue_wages(s, now),
        "agency_jobs_suspended": lambda s: suspend_unlicensed_agencies(s, now),
    }
    for name, step in steps.items():
        async with sessionmaker() as session:
            done[name] = await step(session)
            await session.commit()
    return done
