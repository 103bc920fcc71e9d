"""The "3+" catalogues (紧缺工种 · 培训机构 · 培训补贴) as data: a market proposes, an admin
creates or publishes; every change keeps a snapshot in training_catalogue_history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal, Role
from app.common.etag import check_if_match
from app.common.problems import Conflict, Forbidden, NotFound, field_error
from app.db import utcnow
from app.training.models import (
    CatalogueHistory,
    ShortageTrade,
    SubsidyRate,
    TrainingInstitution,
)


@dataclass(frozen=True)
class Catalogue:
    name: str  # the path segment and the history's catalogue column
    model: type
    noun: str


SHORTAGE_TRADES = Catalogue("shortage-trades", ShortageTrade, "shortage trade")
INSTITUTIONS = Catalogue("institutions", TrainingInstitution, "institution")
SUBSIDY_RATES = Catalogue("subsidy-rates", SubsidyRate, "subsidy rate")


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(entry) -> dict:
    return {c.key: _plain(getattr(entry, c.key)) for c in entry.__table__.columns
            if c.key not in ("created_at", "updated_at")}


def _history(session: AsyncSession, cat: Catalogue, entry, action: str,
             principal: Principal) -> None:
    session.add(CatalogueHistory(
        catalogue=cat.name, entry_id=entry.id, version=entry.version, action=action,
        snapshot=snapshot(entry), changed_by_key_id=principal.key_id, changed_at=utcnow(),
    ))


async def _check_unique(session: AsyncSession, cat: Catalogue, values: dict,
                        exclude_id: int | None = None) -> None:
    """One live institution per credit code, one live rate per level and year."""
    model = cat.model
    if cat is INSTITUTIONS:
        where, pointer = [model.credit_code == values["credit_code"]], "/credit_code"
    elif cat is SUBSIDY_RATES:
        where, pointer = [model.level == values["level"], model.year == values["year"]], "/level"
    else:
        return
    stmt = select(model.id).where(*where)
    if cat is not INSTITUTIONS:  # the credit code column is unique, retired rows included
        stmt = stmt.where(model.status != "retired")
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    existing = await session.scalar(stmt.limit(1))
    if existing is not None:
        raise Conflict(f"{pointer[1:]}: the catalogue already lists this {cat.noun}",
                       slug="catalogue-duplicate", title="Already in the catalogue",
                       existing_id=existing)


async def create_entry(session: AsyncSession, principal: Principal, cat: Catalogue,
                       data: BaseModel) -> object:
    """Admins create published entries; markets propose (status proposed, theirs)."""
    if principal.role not in (Role.admin, Role.market):
        raise Forbidden("only admins and markets add to the training catalogues")
    values = data.model_dump()
    await _check_unique(session, cat, values)
    now = utcnow()
    entry = cat.model(**values)
    if principal.is_admin:
        entry.status, entry.published_at = "published", now
    else:
        entry.status, entry.proposed_by_market_id = "proposed", principal.subject_id
    entry.version = 1
    session.add(entry)
    await session.flush()
    _history(session, cat, entry, "created" if principal.is_admin else "proposed", principal)
    return entry


def visible(principal: Principal, entry) -> bool:
    """Published and retired entries are public to every training reader; proposals only to
    admins, inspectors and the market that made them."""
    if entry.status != "proposed":
        return True
    return principal.role in (Role.admin, Role.inspector) or (
        principal.role is Role.market and principal.subject_id == entry.proposed_by_market_id
    )


async def get_entry(session: AsyncSession, principal: Principal, cat: Catalogue, entry_id: int):
    entry = await session.get(cat.model, entry_id)
    if entry is None or not visible(principal, entry):
        raise NotFound(f"no {cat.noun} with id {entry_id}")
    return entry


async def list_entries(session: AsyncSession, principal: Principal, cat: Catalogue, *,
                       limit: int, after_id: int | None, status: str | None,
                       **filters) -> list:
    model = cat.model
    stmt = select(model).order_by(model.id.desc()).limit(limit + 1)
    if after_id is not None:
        stmt = stmt.where(model.id < after_id)
    if status is not None:
        stmt = stmt.where(model.status == status)
    for name, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(model, name) == value)
    if principal.role not in (Role.admin, Role.inspector):
        mine = (model.proposed_by_market_id == principal.subject_id
                if principal.role is Role.market else False)
        stmt = stmt.where((model.status != "proposed") | mine)
    return list(await session.scalars(stmt))


async def patch_entry(session: AsyncSession, principal: Principal, cat: Catalogue,
                      entry_id: int, data: BaseModel, if_match: str | None):
    """Admins change any entry (retiring with status=retired); a market only its own
    proposal while it is still a proposal."""
    entry = await get_entry(session, principal, cat, entry_id)
    own_proposal = (principal.role is Role.market and entry.status == "proposed"
                    and entry.proposed_by_market_id == principal.subject_id)
    if not (principal.is_admin or own_proposal):
        raise Forbidden(f"only admins change the {cat.noun} catalogue")
    check_if_match(if_match, entry.id, entry.version)
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name != "note" and name != "district_code":
            raise field_error(f"/{name}", "cannot be null")
    if changes.get("status") == "retired" and not principal.is_admin:
        raise Forbidden("only admins retire catalogue entries")
    for name, value in changes.items():
        setattr(entry, name, value)
    start = getattr(entry, "period_start_date", None)
    if start is not None and entry.period_end_date < start:
        raise field_error("/period_end_date", "must not be before period_start_date")
    entry.version += 1
    await session.flush()
    _history(session, cat, entry, "changed", principal)
    return entry


async def publish_entry(session: AsyncSession, principal: Principal, cat: Catalogue,
                        entry_id: int):
    if not principal.is_admin:
        raise Forbidden("only admins publish catalogue entries")
    entry = await get_entry(session, principal, cat, entry_id)
    if entry.status != "proposed":
        raise Conflict(f"the {cat.noun} is {entry.status}, not a proposal",
                       slug="catalogue-not-proposed", title="Not a proposal")
    await _check_unique(session, cat, snapshot(entry), exclude_id=entry.id)
    entry.status, entry.published_at = "published", utcnow()
    entry.version += 1
    await session.flush()
    _history(session, cat, entry, "published", principal)
    return entry


async def entry_history(session: AsyncSession, principal: Principal, cat: Catalogue,
                        entry_id: int) -> list[CatalogueHistory]:
    await get_entry(session, principal, cat, entry_id)
    return list(await session.scalars(
        select(CatalogueHistory).where(CatalogueHistory.catalogue == cat.name,
                                       CatalogueHistory.entry_id == entry_id)
        .order_by(CatalogueHistory.version, CatalogueHistory.id)
    ))


async def subsidy_for(session: AsyncSession, level: str | None, year: int) -> int | None:
    """The published subsidy for a course level in a year, in fen."""
    if level is None:
        return None
    return await session.scalar(
        select(SubsidyRate.amount_fen).where(
            SubsidyRate.level == level, SubsidyRate.year == year,
            SubsidyRate.status == "published",
        ).limit(1)
    )
