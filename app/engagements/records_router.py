"""Wage arrears report, work records, reliability and credit: HTTP only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.auth.principal import Principal, Role
from app.common.clock import NowDep
from app.common.deps import SessionDep, require
from app.common.pagination import Page, PageParams, page_of, page_params
from app.common.schemas import MAX_ID, DateText, IdPath
from app.engagements import arrears, pay, records
from app.engagements.schemas import (
    ArrearsPage,
    CreditOut,
    ReliabilityOut,
    WorkRecord,
)
from app.engagements.views import outstanding, payment_status, wage_terms

router = APIRouter()


@router.get(
    "/v1/reports/wage-arrears", response_model=ArrearsPage, tags=["reports"],
    operation_id="wage_arrears_report", summary="Wage arrears report",
)
async def wage_arrears(
    session: SessionDep, now: NowDep, page: Annotated[PageParams, Depends(page_params)],
    district_code: Annotated[str | None, Query(max_length=6)] = None,
    employer_id: Annotated[int | None, Query(ge=1, le=MAX_ID,
                                             description="Admins only; employers see their own")]
    = None,
    principal: Principal = require("reports:read", Role.employer),
) -> ArrearsPage:
    """Engagements whose wages are past due and not fully paid, newest first, with the amount
    outstanding and the days overdue (Asia/Shanghai days; the due day itself is not late).

    Callers: admin, any employer. Refuses: markets, inspectors, partners and workers (403).
    """
    today = pay.shanghai_date(now)
    filters = arrears.scoped_filter(
        principal, arrears.ArrearsFilter(employer_id=employer_id, district_code=district_code)
    )
    rows = await arrears.list_arrears(
        session, today, filters, limit=page.limit, after_id=page.after_id
    )
    rows, cursor = page_of(rows, page, key=lambda r: r.engagement_id)
    summary = await arrears.arrears_summary(session, today, filters)
    return ArrearsPage(
        as_of_date=today, total_count=summary.count,
        total_outstanding_fen=summary.outstanding_fen,
        items=rows, next_cursor=cursor,
    )


@router.get(
    "/v1/workers/{worker_id}/work-records", response_model=Page[WorkRecord], tags=["workers"]
, operation_id="worker_work_records_list", summary="Worker work records")
async def work_records(
    worker_id: IdPath, session: SessionDep, page: Annotated[PageParams, Depends(page_params)],
    from_date: DateText | None = None, to_date: DateText | None = None,
    principal: Principal = require("engagements:read"),
) -> Page[WorkRecord]:
    """Item 十六's record: employer, dates, hours, pay and payment status, agreement type and
    occupational-injury protection, one row per engagement worked or booked.

    Callers: admin, any employer, the market concerned, the worker concerned. Refuses: workers
    the caller may not see (404); inspectors and partners (403).
    """
    rows = await records.list_work_records(
        session, principal, worker_id, limit=page.limit, after_id=page.after_id,
        from_date=from_date, to_date=to_date,
    )
    rows, cursor = page_of(rows, page)
    items = []
    for e in rows:
        minutes = e.confirmed_minutes if e.hours_status == "confirmed" else e.worked_minutes
        pieces = e.confirmed_pieces if e.hours_status == "confirmed" else e.reported_pieces
        items.append(WorkRecord(
            engagement_id=e.id, job_id=e.job_id, job_title=e.job.title,
            employer_id=e.employer_id, employer_name=e.employer.name,
            employment_type=e.job.employment_type, agreement_type=e.agreement_type,
            injury_protection=e.job.injury_protection, status=e.status,
            start_date=pay.shanghai_date(e.checked_in_at or e.starts_at),
            end_date=pay.shanghai_date(e.checked_out_at or e.ends_at),
            checked_in_at=e.checked_in_at, checked_out_at=e.checked_out_at,
            hours=round(minutes / 60, 2) if minutes is not None else None, pieces=pieces,
            wage=wage_terms(e), due_fen=e.pay_due_fen, paid_fen=e.paid_fen,
            outstanding_fen=outstanding(e), disputed_fen=e.disputed_fen, due_date=e.due_date,
            payment_status=payment_status(e),
        ))
    return Page(items=items, next_cursor=cursor)


@router.get(
    "/v1/workers/{worker_id}/reliability", response_model=ReliabilityOut, tags=["workers"]
, operation_id="worker_reliability_get", summary="Worker reliability")
async def reliability(
    worker_id: IdPath, session: SessionDep, principal: Principal = require("workers:read"),
) -> ReliabilityOut:
    """Show-up, cancellation and rating figures for one worker.

    Callers: admin, any employer, the market concerned, the worker concerned. Refuses: workers
    the caller may not see (404); inspectors and partners (403).
    """
    worker, record = await records.get_reliability(session, principal, worker_id)
    return ReliabilityOut(
        worker_id=worker.id, reliability=worker.reliability,
        **{k: v for k, v in record.as_dict().items() if k != "ratings_total"},
    )


@router.get(
    "/v1/employers/{employer_id}/credit", response_model=CreditOut, tags=["employers"],
    operation_id="employer_credit_get", summary="Employer credit record",
)
async def employer_credit(
    employer_id: IdPath, session: SessionDep, now: NowDep,
    principal: Principal = require("engagements:read"),
) -> CreditOut:
    """Wage-payment and rating record of an employer, as workers see it before applying.

    Callers: admin, the employer concerned, any market, any worker. Refuses: another employer
    (404 for employer keys); inspectors and partners (403).
    """
    record, credit = await records.get_employer_credit(session, principal, employer_id, now)
    return CreditOut(
        employer_id=employer_id, credit=credit,
        **{k: v for k, v in record.as_dict().items() if k != "ratings_total"},
    )
