"""Who sees a worker's training records (enrolments, vouchers): admins and inspectors, the
worker, and the market that made the record or registered the worker."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from app.auth.principal import Principal, Role
from app.workers.models import Worker
from app.workers.service import manages as manages_worker


async def worker_side_sees(session: AsyncSession, principal: Principal, worker_id: int,
                           market_id: int | None) -> bool:
    if principal.role in (Role.admin, Role.inspector):
        return True
    if principal.role is Role.worker:
        return principal.subject_id == worker_id
    if principal.role is Role.market:
        if market_id == principal.subject_id:
            return True
        worker = await session.get(Worker, worker_id)
        return worker is not None and manages_worker(principal, worker)
    return False


def market_rows(principal: Principal, market_col, worker_col) -> ColumnElement[bool]:
    """A market's rows: those it made and those of workers it registered."""
    registered = select(Worker.id).where(Worker.registered_by_market_id == principal.subject_id)
    return (market_col == principal.subject_id) | worker_col.in_(registered)
