"""Who may see and act on applications, offers and engagements, and whose phone they see.

Every such row names a job, a worker and an employer. The worker side is the worker, or the
market that registered the worker at its front desk; the employer side is whoever manages
the job (the employer, the market that registered the posting). Admins are both. Anyone
else gets 404, so another tenant's rows do not even exist for them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.auth.principal import Principal, Role
from app.common.problems import Forbidden, NotFound
from app.engagements.models import Engagement
from app.jobs.models import Job
from app.jobs.service import can_manage
from app.workers.models import Worker
from app.workers.service import manages as manages_worker


def worker_side(principal: Principal, worker: Worker) -> bool:
    """The worker, an admin, or the market that registered the worker."""
    return manages_worker(principal, worker)


def employer_side(principal: Principal, job: Job) -> bool:
    return can_manage(principal, job)


def is_party(principal: Principal, row: Any) -> bool:
    return worker_side(principal, row.worker) or employer_side(principal, row.job)


def require_worker_side(principal: Principal, row: Any, what: str) -> None:
    if not worker_side(principal, row.worker):
        raise Forbidden(f"only the worker (or an admin) can {what}")


def require_employer_side(principal: Principal, row: Any, what: str) -> None:
    if not employer_side(principal, row.job):
        raise Forbidden(f"only the employer (or an admin) can {what}")


def party_filter(model: Any, principal: Principal) -> ColumnElement[bool] | None:
    """The SQL twin of is_party for lists (None: no restriction)."""
    if principal.is_admin:
        return None
    sid = principal.subject_id
    if sid is None:
        return false()
    if principal.role is Role.worker:
        return model.worker_id == sid
    if principal.role is Role.employer:
        return model.employer_id == sid
    if principal.role is Role.market:
        return or_(
            model.job_id.in_(select(Job.id).where(Job.registered_by_market_id == sid)),
            model.worker_id.in_(select(Worker.id).where(Worker.registered_by_market_id == sid)),
        )
    return false()


def with_parties(model: Any):
    return (
        selectinload(model.job), selectinload(model.worker), selectinload(model.employer),
    )


async def load_visible(
    session: AsyncSession, principal: Principal, model: Any, row_id: int, *,
    lock: bool = False, extra=(),
) -> Any:
    """The row if the caller is a party to it, else 404. `lock` takes the row lock
    (PostgreSQL) and reloads it, for a transition that checks then changes its state."""
    stmt = select(model).where(model.id == row_id).options(*with_parties(model), *extra)
    if lock:
        stmt = stmt.with_for_update(of=model, key_share=True).execution_options(
            populate_existing=True
        )
    row = await session.scalar(stmt)
    if row is None or not is_party(principal, row):
        raise NotFound(f"no {model.__tablename__[:-1]} with id {row_id}")
    return row


async def hired_pairs(
    session: AsyncSession, pairs: set[tuple[int, int]]
) -> set[tuple[int, int]]:
    """Which (employer_id, worker_id) pairs have ever had an engagement (a hire)."""
    if not pairs:
        return set()
    employers = {e for e, _ in pairs}
    workers = {w for _, w in pairs}
    rows = await session.execute(
        select(Engagement.employer_id, Engagement.worker_id).where(
            Engagement.employer_id.in_(employers), Engagement.worker_id.in_(workers)
        ).distinct()
    )
    return {(r.employer_id, r.worker_id) for r in rows} & pairs


class ContactRules:
    """Phones between the two sides: each sees the other's only once a hire exists.

    The worker's phone: admins, the worker, and an employer that has hired the worker (as in
    app/workers). The employer's contact phone: admins, markets and inspectors (who see
    employer profiles anyway), the employer, and a worker it has hired.
    """

    def __init__(self, principal: Principal, hired: set[tuple[int, int]]) -> None:
        self.principal = principal
        self.hired = hired

    def worker_phone(self, employer_id: int, worker_id: int) -> bool:
        p = self.principal
        if p.is_admin or p.acts_for(Role.worker, worker_id):
            return True
        return p.acts_for(Role.employer, employer_id) and (employer_id, worker_id) in self.hired

    def employer_phone(self, employer_id: int, worker_id: int) -> bool:
        p = self.principal
        if p.role in (Role.admin, Role.market, Role.inspector):
            return True
        if p.acts_for(Role.employer, employer_id):
            return True
        return p.acts_for(Role.worker, worker_id) and (employer_id, worker_id) in self.hired


async def contact_rules(
    session: AsyncSession, principal: Principal, rows: list[Any]
) -> ContactRules:
    pairs = {(r.employer_id, r.worker_id) for r in rows}
    return ContactRules(principal, await hired_pairs(session, pairs))
