"""Who is calling: roles, scopes and what they act for. No FastAPI here: services use it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    employer = "employer"
    market = "market"
    inspector = "inspector"
    partner = "partner"
    worker = "worker"
    institution = "institution"


# What each role may do at most; a key may carry fewer.
ROLE_SCOPES: dict[Role, frozenset[str]] = {
    Role.admin: frozenset({"*"}),
    Role.employer: frozenset(
        {"jobs:read", "jobs:write", "workers:read", "employers:read", "employers:write",
         "matches:read", "engagements:read", "engagements:write", "reports:read",
         "events:read", "webhooks:write", "partners:grant"}
    ),
    Role.market: frozenset(
        {"jobs:read", "jobs:write", "jobs:review", "workers:read", "workers:write",
         "employers:read", "employers:write", "employers:verify", "matches:read",
         "markets:write", "assessments:write", "engagements:read", "engagements:write",
         "events:read", "webhooks:write", "subsidies:assess", "stats:read", "complaints:handle",
         "training:read", "training:write", "training:enrol", "training:stats"}
    ),
    Role.inspector: frozenset(
        {"jobs:read", "employers:read", "markets:read", "assessments:write", "assessments:verify",
         "stats:read", "complaints:handle", "training:read", "training:stats"}
    ),
    Role.partner: frozenset({"jobs:read", "jobs:write", "events:read", "webhooks:write"}),
    Role.worker: frozenset(
        {"jobs:read", "workers:read", "workers:write", "matches:read", "engagements:read",
         "engagements:write", "subsidies:assess", "training:read", "training:enrol"}
    ),
    # A training institution (培训机构): its own courses, enrolments and attendance.
    Role.institution: frozenset({"training:read", "training:courses"}),
}

# Roles whose key must name what it acts for (a worker key may bind itself later).
SUBJECT_ROLES = {Role.employer: "employer", Role.market: "market", Role.worker: "worker",
                 Role.institution: "institution"}


@dataclass(frozen=True)
class Principal:
    key_id: int
    role: Role
    scopes: frozenset[str] = field(default_factory=frozenset)
    subject_id: int | None = None
    name: str = ""

    def can(self, scope: str) -> bool:
        return "*" in self.scopes or scope in self.scopes

    @property
    def is_admin(self) -> bool:
        return self.role is Role.admin

    def acts_for(self, role: Role, subject_id: int | None) -> bool:
        return self.role is role and subject_id is not None and self.subject_id == subject_id
