"""Worker profiles: registration (app, market front desk, admin), changes, deactivation."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.auth.principal import Principal, Role
from app.auth.service import bind_worker_key
from app.common.etag import check_if_match
from app.common.geo import district_for_point
from app.common.problems import Conflict, Forbidden, NotFound, field_error
from app.config import Settings
from app.db import utcnow
from app.engagements.models import Engagement
from app.events.service import record_event
from app.matching.index import index_worker
from app.reference.skills import MAX_SKILL_ENTRIES, normalise_skill_entries, normalise_skills
from app.reference.taxonomy import taxonomy
from app.workers.models import Worker, WorkerSkill
from app.workers.schemas import SkillIn, WorkerCreate, WorkerPatch

HOME_DECIMALS = 3  # ~100 m: enough for travel distance, too coarse to find a door


def _load() -> Select:
    return select(Worker).options(selectinload(Worker.skills))


def is_self(principal: Principal, worker: Worker) -> bool:
    return principal.acts_for(Role.worker, worker.id)


def manages(principal: Principal, worker: Worker) -> bool:
    """The worker, an admin, or the market that registered the worker at its front desk."""
    return (
        principal.is_admin
        or is_self(principal, worker)
        or (
            principal.role is Role.market
            and worker.registered_by_market_id is not None
            and principal.subject_id == worker.registered_by_market_id
        )
    )


async def can_see_phone(session: AsyncSession, principal: Principal, worker: Worker) -> bool:
    """The worker and admins; an employer once it has hired the worker (any engagement that
    got past the offer stage, including finished ones, so it can settle wages)."""
    if principal.is_admin or is_self(principal, worker):
        return True
    if principal.role is Role.employer and principal.subject_id is not None:
        hired = await session.scalar(
            select(Engagement.id).where(
                Engagement.employer_id == principal.subject_id,
                Engagement.worker_id == worker.id,
            ).limit(1)
        )
        return hired is not None
    return False


async def get_worker(session: AsyncSession, principal: Principal, worker_id: int) -> Worker:
    worker = await session.scalar(_load().where(Worker.id == worker_id))
    # Employers look at active candidates (masked) to staff their jobs; nobody else browses.
    visible = worker is not None and (
        manages(principal, worker)
        or (principal.role is Role.employer and worker.status == "active")
    )
    if not visible:
        raise NotFound(f"no worker with id {worker_id}")
    return worker


def _skills(items: list[SkillIn], settings: Settings) -> list[WorkerSkill]:
    entries = normalise_skill_entries([item.name for item in items], settings.skill_match_threshold)
    if len(entries) > MAX_SKILL_ENTRIES:
        raise field_error("/skills", f"at most {MAX_SKILL_ENTRIES} skills in all")
    return [
        WorkerSkill(
            position=i, raw=m.raw, skill_code=m.skill.code if m.skill else None,
            similarity=m.similarity, years=items[source].years,
        )
        for i, (m, source) in enumerate(entries)
    ]


def _district(lat: float, lng: float, code: str | None) -> str:
    try:
        return district_for_point(lat, lng, code)
    except ValueError as exc:
        raise field_error("/home_location/district_code", str(exc)) from exc


def _occupation_code(occupation: str | None, settings: Settings) -> str | None:
    if occupation is None:
        return None
    match = normalise_skills([occupation], settings.skill_match_threshold)[0]
    return match.skill.code if match.skill else None


def _check_dates(birth_date: date, graduation_date: date | None, unemployed: date | None) -> None:
    today = date.today()
    if graduation_date is not None and graduation_date > today.replace(year=today.year + 1):
        raise field_error("/graduation_date", "more than a year in the future")
    if graduation_date is not None and graduation_date < birth_date:
        raise field_error("/graduation_date", "before the birth date")
    if unemployed is not None and unemployed > today:
        raise field_error("/registered_unemployed_date", "cannot be in the future")


async def create_worker(
    session: AsyncSession, principal: Principal, data: WorkerCreate, settings: Settings
) -> Worker:
    if principal.role is Role.worker and principal.subject_id is not None:
        raise Conflict(
            "this worker key already has a profile", existing_id=principal.subject_id
        )
    if principal.role not in (Role.worker, Role.market, Role.admin):
        raise Forbidden("workers register themselves, at a market, or through an admin")
    _check_dates(data.birth_date, data.graduation_date, data.registered_unemployed_date)
    home = data.home_location
    lat, lng = round(home.lat, HOME_DECIMALS), round(home.lng, HOME_DECIMALS)
    worker = Worker(
        **data.model_dump(
            exclude={"skills", "home_location", "min_wage", "availability"}
        ),
        availability=(
            [w.model_dump() for w in data.availability] if data.availability is not None else None
        ),
        home_lat=lat, home_lng=lng,
        district_code=_district(lat, lng, home.district_code),
        min_wage_amount=data.min_wage.amount if data.min_wage else None,
        min_wage_unit=data.min_wage.unit if data.min_wage else None,
        registered_by_market_id=principal.subject_id if principal.role is Role.market else None,
        created_by_key_id=principal.key_id,
    )
    worker.skills = _skills(data.skills, settings)
    worker.occupation_code = _occupation_code(data.occupation, settings)
    session.add(worker)
    await session.flush()
    await index_worker(session, worker)
    if principal.role is Role.worker:
        await bind_worker_key(session, principal, worker.id)
    record_event(
        session, "worker.created", resource_type="worker", resource_id=worker.id,
        data={"id": worker.id, "district_code": worker.district_code}, worker_id=worker.id,
        market_id=worker.registered_by_market_id,
    )
    return worker


async def list_workers(
    session: AsyncSession, principal: Principal, *, limit: int, after_id: int | None,
    status: str | None = None, district_code: str | None = None,
) -> list[Worker]:
    stmt = _load().order_by(Worker.id.desc()).limit(limit + 1)
    if principal.role is Role.market:
        stmt = stmt.where(Worker.registered_by_market_id == principal.subject_id)
    elif principal.role is Role.worker:
        stmt = stmt.where(Worker.id == principal.subject_id)
    elif not principal.is_admin:
        raise Forbidden("employers find workers through job matches, not by listing them")
    if after_id is not None:
        stmt = stmt.where(Worker.id < after_id)
    if status is not None:
        stmt = stmt.where(Worker.status == status)
    if district_code is not None:
        stmt = stmt.where(Worker.district_code == district_code)
    return list(await session.scalars(stmt))


async def _managed(session: AsyncSession, principal: Principal, worker_id: int) -> Worker:
    worker = await session.scalar(_load().where(Worker.id == worker_id))
    if worker is None or not manages(principal, worker):
        raise NotFound(f"no worker with id {worker_id}")
    return worker


async def patch_worker(
    session: AsyncSession, principal: Principal, worker_id: int, data: WorkerPatch,
    if_match: str | None, settings: Settings,
) -> Worker:
    worker = await _managed(session, principal, worker_id)
    check_if_match(if_match, worker.id, worker.version)
    changes = data.model_dump(exclude_unset=True)
    for name in ("name", "phone", "home_location", "max_travel_km", "skills", "certificates",
                 "target_groups"):
        if name in changes and changes[name] is None:
            raise field_error(f"/{name}", "cannot be null")
    _check_dates(
        worker.birth_date,
        changes.get("graduation_date", worker.graduation_date),
        changes.get("registered_unemployed_date", worker.registered_unemployed_date),
    )
    start = changes.get("available_from_date", worker.available_from_date)
    until = changes.get("available_until_date", worker.available_until_date)
    if start is not None and until is not None and until < start:
        raise field_error("/available_until_date", "must not be before available_from_date")
    for name in ("name", "phone", "max_travel_km", "certificates", "target_groups",
                 "hukou_chongqing", "registered_unemployed_date", "graduation_date",
                 "available_from_date", "available_until_date"):
        if name in changes:
            setattr(worker, name, changes[name])
    if "occupation" in changes:
        worker.occupation = data.occupation
        worker.occupation_code = _occupation_code(data.occupation, settings)
    if "availability" in changes:
        worker.availability = (
            [w.model_dump() for w in data.availability] if data.availability is not None else None
        )
    if data.home_location is not None:
        home = data.home_location
        worker.home_lat = round(home.lat, HOME_DECIMALS)
        worker.home_lng = round(home.lng, HOME_DECIMALS)
        worker.district_code = _district(worker.home_lat, worker.home_lng, home.district_code)
    if "min_wage" in changes:
        worker.min_wage_amount = data.min_wage.amount if data.min_wage else None
        worker.min_wage_unit = data.min_wage.unit if data.min_wage else None
    if data.skills is not None:
        worker.skills = _skills(data.skills, settings)
    await session.flush()
    await index_worker(session, worker)
    return worker


async def add_credentials(
    session: AsyncSession, worker_id: int, skill_codes: list[str], certificate: str | None,
    source: str,
) -> Worker:
    """Adds skills (taxonomy codes) and a certificate earned elsewhere (a finished course) to
    the profile, marked with their source, and re-indexes the worker in the same transaction
    so the next match sees them. Skills the worker already lists are kept as they are."""
    worker = await session.scalar(_load().where(Worker.id == worker_id))
    if worker is None:
        raise NotFound(f"no worker with id {worker_id}")
    have = {s.skill_code for s in worker.skills if s.skill_code}
    position = max((s.position for s in worker.skills), default=-1)
    for code in skill_codes:
        if code in have:
            continue
        position += 1
        have.add(code)
        worker.skills.append(WorkerSkill(
            position=position, raw=taxonomy().by_code[code].name, skill_code=code,
            similarity=100.0, years=None, source=source,
        ))
    if certificate and certificate not in (worker.certificates or []):
        worker.certificates = [*(worker.certificates or []), certificate]
    await session.flush()
    await index_worker(session, worker)
    return worker


async def set_worker_status(
    session: AsyncSession, principal: Principal, worker_id: int, status: str
) -> Worker:
    worker = await _managed(session, principal, worker_id)
    if worker.status != status:
        worker.status = status
        worker.deactivated_at = utcnow() if status == "inactive" else None
        await session.flush()
        await index_worker(session, worker)
        record_event(
            session, f"worker.{'deactivated' if status == 'inactive' else 'reactivated'}",
            resource_type="worker", resource_id=worker.id, data={"id": worker.id},
            worker_id=worker.id, market_id=worker.registered_by_market_id,
        )
    return worker
