"""Training demand from the market itself (unmet positions, missed offers, wishes, the
shortage list) and per-worker course recommendations computed with the matching rules."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.auth.principal import Principal, Role
from app.common.geo import bounding_box, haversine_km
from app.common.problems import Forbidden, field_error
from app.config import Settings
from app.db import utcnow
from app.engagements.counts import live_hires
from app.engagements.models import LIVE_STATUSES, Engagement, Offer
from app.engagements.pay import SHANGHAI
from app.jobs.models import Job, JobSkill
from app.matching import rules
from app.reference.skills import normalise_skills
from app.reference.taxonomy import taxonomy
from app.training.courses import _worker_for
from app.training.models import Course, ShortageTrade, TrainingWish
from app.training.schemas import TrainingWishIn
from app.workers.models import Worker
from app.workers.service import get_worker

MAX_NEARBY_JOBS = 5000  # the recommendation reads at most this many open postings nearby


# -- wishes ------------------------------------------------------------------------------------

async def record_wish(session: AsyncSession, principal: Principal, data: TrainingWishIn,
                      settings: Settings) -> TrainingWish:
    """A worker records its own wish; a market records what people asked on site (optionally
    for a worker it registered, `people` for a head count); admins either."""
    if principal.role not in (Role.worker, Role.market, Role.admin):
        raise Forbidden("workers and markets record training wishes")
    worker = None
    if principal.role is Role.worker or data.worker_id is not None:
        worker = await _worker_for(session, principal, data.worker_id)
    if principal.role is Role.worker and data.people != 1:
        raise field_error("/people", "a worker speaks for one person")
    match = normalise_skills([data.skill], settings.skill_match_threshold)[0]
    wish = TrainingWish(
        worker_id=worker.id if worker else None,
        market_id=principal.subject_id if principal.role is Role.market else None,
        skill_text=data.skill, skill_code=match.skill.code if match.skill else None,
        district_code=data.district_code or (worker.district_code if worker else None),
        people=data.people, note=data.note, created_at=utcnow(),
    )
    session.add(wish)
    await session.flush()
    return wish


async def list_wishes(session: AsyncSession, principal: Principal, *, limit: int,
                      after_id: int | None) -> list[TrainingWish]:
    stmt = select(TrainingWish).order_by(TrainingWish.id.desc()).limit(limit + 1)
    if principal.role is Role.worker:
        stmt = stmt.where(TrainingWish.worker_id == principal.subject_id)
    elif principal.role is Role.market:
        stmt = stmt.where(TrainingWish.market_id == principal.subject_id)
    elif principal.role not in (Role.admin, Role.inspector):
        raise Forbidden("institutions see wishes only as aggregated demand")
    if after_id is not None:
        stmt = stmt.where(TrainingWish.id < after_id)
    return list(await session.scalars(stmt))


# -- demand ------------------------------------------------------------------------------------

def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (datetime.combine(start, time(), SHANGHAI),
            datetime.combine(end + timedelta(days=1), time(), SHANGHAI))


async def demand(session: AsyncSession, *, start: date, end: date, district_code: str | None,
                 limit: int) -> list[dict]:
    """Skills ranked by unmet demand in the period: open postings asking for the skill and
    their headcount not yet hired, offers for such postings declined or left to expire,
    training wishes, and whether the shortage-trade catalogue lists it. score = unfilled
    headcount + missed offers + people wishing."""
    lo, hi = _day_bounds(start, end)
    job_filter = [Job.starts_at < hi, Job.ends_at >= lo]
    if district_code is not None:
        job_filter.append(Job.district_code == district_code)
    open_jobs = (await session.execute(
        select(Job.id, Job.headcount, JobSkill.skill_code)
        .join(JobSkill, JobSkill.job_id == Job.id)
        .where(Job.status == "open", JobSkill.skill_code.is_not(None), *job_filter)
    )).all()
    hired = await live_hires(session, sorted({j.id for j in open_jobs}))
    rows: dict[str, dict] = defaultdict(lambda: {"open_positions": 0, "unfilled_headcount": 0,
                                                 "missed_offers": 0, "wishes": 0})
    for job_id, headcount, code in open_jobs:
        rows[code]["open_positions"] += 1
        rows[code]["unfilled_headcount"] += max(headcount - hired.get(job_id, 0), 0)
    missed = (await session.execute(
        select(JobSkill.skill_code, func.count())
        .join(Offer, Offer.job_id == JobSkill.job_id).join(Job, Job.id == JobSkill.job_id)
        .where(Offer.status.in_(("declined", "expired")), Offer.created_at >= lo,
               Offer.created_at < hi, JobSkill.skill_code.is_not(None),
               *([Job.district_code == district_code] if district_code else []))
        .group_by(JobSkill.skill_code)
    )).all()
    for code, n in missed:
        rows[code]["missed_offers"] += n
    wish_filter = [TrainingWish.created_at >= lo, TrainingWish.created_at < hi,
                   TrainingWish.skill_code.is_not(None)]
    if district_code is not None:
        wish_filter.append(TrainingWish.district_code == district_code)
    for code, people in (await session.execute(
        select(TrainingWish.skill_code, func.sum(TrainingWish.people))
        .where(*wish_filter).group_by(TrainingWish.skill_code)
    )).all():
        rows[code]["wishes"] += int(people)
    listed = set(await session.scalars(
        select(ShortageTrade.skill_code).where(
            ShortageTrade.status == "published", ShortageTrade.period_start_date <= end,
            ShortageTrade.period_end_date >= start,
            *([(ShortageTrade.district_code == district_code)
               | ShortageTrade.district_code.is_(None)] if district_code else []))
    ))
    for code in listed:
        rows[code]  # touching the defaultdict lists the trade even without other demand
    skills = taxonomy().by_code
    out = [
        {"skill_code": code, "skill_name": skills[code].name if code in skills else code,
         "district_code": district_code, **r, "shortage_listed": code in listed,
         "score": r["unfilled_headcount"] + r["missed_offers"] + r["wishes"]}
        for code, r in rows.items()
    ]
    out.sort(key=lambda r: (-r["score"], not r["shortage_listed"], r["skill_code"]))
    return out[:limit]


# -- recommendations ---------------------------------------------------------------------------

@dataclass(frozen=True)
class NearbyJob:
    facts: rules.JobFacts
    lat: float
    lng: float
    radius_km: float | None
    skill_codes: frozenset[str]


def within_reach(worker_lat: float, worker_lng: float, max_travel_km: float,
                 job: NearbyJob) -> bool:
    d = haversine_km(worker_lat, worker_lng, job.lat, job.lng)
    return d <= max_travel_km and (job.radius_km is None or d <= job.radius_km)


def qualifies(worker: rules.WorkerFacts, skill_codes: frozenset[str], job: NearbyJob) -> bool:
    """The matching rules' hard filters (age, gender, certificates, dates, availability,
    bookings) plus every taxonomy skill the posting asks for."""
    return job.skill_codes <= skill_codes and rules.eligible(job.facts, worker)


def rank_courses(worker: rules.WorkerFacts, skill_codes: frozenset[str], jobs: list[NearbyJob],
                 courses: list[Course], limit: int) -> list[dict]:
    """Pure: for each course, the jobs the worker does not qualify for now and would with the
    course's skills and certificate; ranked by that count, then by course id.

    Each job the worker fails is reduced once to what it lacks (skills, certificates) when
    every other rule passes (the rules run with the job's certificates granted); a course then
    opens the job when it covers all of that. Jobs failing on anything else stay closed."""
    gaps: list[tuple[int, frozenset[str], frozenset[str]]] = []
    for job in jobs:
        if qualifies(worker, skill_codes, job):
            continue
        granted = dataclasses.replace(worker,
                                      certificates=worker.certificates | job.facts.certificates)
        if rules.eligible(job.facts, granted):
            gaps.append((job.facts.id, job.skill_codes - skill_codes,
                         job.facts.certificates - worker.certificates))
    ranked = []
    for course in courses:
        gained_skills = frozenset(course.skill_codes) - skill_codes
        cert = course.certificate if course.certificate not in worker.certificates else None
        if not gained_skills and cert is None:
            continue
        certs = frozenset((cert,)) if cert else frozenset()
        new = sorted(job_id for job_id, lack_skills, lack_certs in gaps
                     if lack_skills <= gained_skills and lack_certs <= certs)
        if new:
            ranked.append((course, new, sorted(gained_skills), cert))
    ranked.sort(key=lambda r: (-len(r[1]), r[0].id))
    return [{"course": c, "job_ids": ids, "skills_gained": s, "certificate_gained": cert}
            for c, ids, s, cert in ranked[:limit]]


async def nearby_open_jobs(session: AsyncSession, lat: float, lng: float,
                           max_travel_km: float) -> list[NearbyJob]:
    min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, max_travel_km)
    jobs = await session.scalars(
        select(Job).options(selectinload(Job.skills))
        .where(Job.status == "open", Job.lat.between(min_lat, max_lat),
               Job.lng.between(min_lng, max_lng))
        .order_by(Job.id).limit(MAX_NEARBY_JOBS)
    )
    out = []
    for job in jobs:
        nearby = NearbyJob(
            facts=rules.job_facts(job), lat=job.lat, lng=job.lng, radius_km=job.radius_km,
            skill_codes=frozenset(s.skill_code for s in job.skills if s.skill_code))
        if within_reach(lat, lng, max_travel_km, nearby):
            out.append(nearby)
    return out


async def recommendations(session: AsyncSession, principal: Principal, worker_id: int,
                          limit: int) -> tuple[Worker, list[dict]]:
    """The worker, the market that registered it and admins; anyone else gets 404."""
    if principal.role not in (Role.admin, Role.worker, Role.market):
        raise Forbidden("training recommendations are for the worker and its market")
    worker: Worker = await get_worker(session, principal, worker_id)
    busy = (await session.execute(
        select(Engagement.starts_at, Engagement.ends_at).where(
            Engagement.worker_id == worker.id, Engagement.status.in_(LIVE_STATUSES))
    )).all()
    facts = rules.worker_facts(worker, [(s, e) for s, e in busy])
    codes = frozenset(s.skill_code for s in worker.skills if s.skill_code)
    jobs = await nearby_open_jobs(session, worker.home_lat, worker.home_lng, worker.max_travel_km)
    today = utcnow().astimezone(SHANGHAI).date()
    courses = list(await session.scalars(
        select(Course).where(Course.status == "open", Course.ends_on_date >= today)
        .order_by(Course.id)
    ))
    return worker, rank_courses(facts, codes, jobs, courses, limit)


def explain(item: dict, max_travel_km: float) -> str:
    skills = taxonomy().by_code
    gains = [skills[c].name if c in skills else c for c in item["skills_gained"]]
    if item["certificate_gained"]:
        gains.append(item["certificate_gained"])
    return (f"Adds {', '.join(gains)}: you would newly qualify for {len(item['job_ids'])} open "
            f"position(s) within {max_travel_km:g} km under the matching rules")
