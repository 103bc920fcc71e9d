"""Who owns an endpoint and which events a principal (or an endpoint's owner) may see."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import and_, or_, true
from sqlalchemy.sql.elements import ColumnElement

from app.auth.principal import SUBJECT_ROLES, Principal, Role
from app.events.models import Event

# "*", an exact type ("job.created") or a prefix ("job.*").
TYPE_PATTERN = re.compile(r"^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$")
_SUBJECT_COLUMN = {Role.employer: "employer_id", Role.market: "market_id", Role.worker: "worker_id"}


@dataclass(frozen=True)
class Owner:
    role: Role
    subject_id: int | None  # the employer/market/worker; None: the key itself owns it
    key_id: int


def owner_of(principal: Principal) -> Owner:
    subject = principal.subject_id if principal.role in SUBJECT_ROLES else None
    return Owner(principal.role, subject, principal.key_id)


def owns(principal: Principal, owner: Owner) -> bool:
    if principal.is_admin:
        return True
    if owner.subject_id is not None:
        return principal.role is owner.role and principal.subject_id == owner.subject_id
    return principal.key_id == owner.key_id


def type_matches(patterns: list[str], type_: str) -> bool:
    for pattern in patterns:
        if pattern == "*" or pattern == type_:
            return True
        if pattern.endswith(".*") and type_.startswith(pattern[:-1]):
            return True
    return False


def can_see(owner: Owner, event) -> bool:
    """`event` is an Event or a row with its audience columns."""
    if owner.role is Role.admin:
        return True
    if event.public or event.audience_key_id == owner.key_id:
        return True
    column = _SUBJECT_COLUMN.get(owner.role)
    return column is not None and owner.subject_id is not None and (
        getattr(event, column) == owner.subject_id
    )


def visible_clause(principal: Principal) -> ColumnElement[bool]:
    owner = owner_of(principal)
    if owner.role is Role.admin:
        return true()
    conditions = [Event.public.is_(True), Event.audience_key_id == owner.key_id]
    column = _SUBJECT_COLUMN.get(owner.role)
    if column is not None and owner.subject_id is not None:
        conditions.append(getattr(Event, column) == owner.subject_id)
    return or_(*conditions)


def type_clause(pattern: str) -> ColumnElement[bool]:
    if pattern == "*":
        return true()
    if pattern.endswith(".*"):
        return Event.type.startswith(pattern[:-1], autoescape=True)
    return Event.type == pattern


def audience_columns(owner: Owner) -> dict[str, int | None]:
    """record_event() arguments that make an event visible to `owner`."""
    columns: dict[str, int | None] = {"audience_key_id": owner.key_id}
    column = _SUBJECT_COLUMN.get(owner.role)
    if column is not None and owner.subject_id is not None:
        columns[column] = owner.subject_id
    return columns


def owner_clause(model, principal: Principal) -> ColumnElement[bool]:
    owner = owner_of(principal)
    if owner.subject_id is not None:
        return and_(
            model.owner_role == owner.role.value, model.owner_subject_id == owner.subject_id
        )
    return and_(model.owner_subject_id.is_(None), model.owner_key_id == owner.key_id)
