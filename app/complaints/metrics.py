"""What the complaint channel tells the compliance assessment about a market (item 十五):
computed metrics a standard's indicators may name (see app/markets/standard_model.METRICS)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.complaints.models import Complaint


async def market_complaint_values(
    session: AsyncSession, market_id: int, as_of: datetime, window_days: int
) -> dict[str, float | None]:
    """Complaints assigned to the market and filed in the window; of those due by `as_of`
    (decided, or past their deadline), the share decided by the deadline."""
    since = as_of - timedelta(days=window_days)
    on_time = and_(Complaint.decided_at.is_not(None), Complaint.decided_at <= Complaint.deadline_at,
                   Complaint.decided_at <= as_of)
    due = or_(and_(Complaint.decided_at.is_not(None), Complaint.decided_at <= as_of),
              Complaint.deadline_at <= as_of)
    row = (await session.execute(
        select(func.count(), func.sum(case((due, 1), else_=0)),
               func.sum(case((on_time, 1), else_=0)))
        .where(Complaint.assigned_market_id == market_id, Complaint.created_at > since,
               Complaint.created_at <= as_of)
    )).one()
    received, due_count, on_time_count = row[0], row[1] or 0, row[2] or 0
    return {
        "complaints_received": received,
        "complaints_on_time_share": (round(100 * on_time_count / due_count, 1)
                                     if due_count else None),
    }
