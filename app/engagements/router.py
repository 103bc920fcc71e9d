"""Engagements: HTTP only. `router` also carries applications/offers and the reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from app.auth.principal import Principal, Role
from app.common.clock import NowDep
from app.common.deps import SessionDep, SettingsDep, require
from app.common.etag import etag_of
from app.common.pagination import Page, PageParams, page_of, page_params
from app.common.schemas import IdPath, IdQuery
from app.engagements import attendance, payments, service
from app.engagements.hiring_router import router as hiring_router
from app.engagements.models import Engagement
from app.engagements.records_router import router as records_router
from app.engagements.schemas import (
    AttendanceIn,
    CancelIn,
    CheckOutIn,
    EngagementOut,
    EngagementStatus,
    HoursIn,
    PaymentIn,
    RatingIn,
    ResolutionIn,
)
from app.engagements.views import engagement_out

engagements = APIRouter(prefix="/v1/engagements", tags=["engagements"])
READ = require("engagements:read")
WRITE = require("engagements:write")
EMPLOYER_WRITE = require("engagements:write", Role.employer, Role.market)
WORKER_WRITE = require("engagements:write", Role.worker, Role.market)


def _single(response: Response, e: Engagement, now) -> EngagementOut:
    response.headers["ETag"] = etag_of(e.id, e.version)
    return engagement_out(e, now)


@engagements.get("", response_model=Page[EngagementOut])
async def list_engagements(
    session: SessionDep, now: NowDep, page: Annotated[PageParams, Depends(page_params)],
    status: EngagementStatus | None = None, job_id: IdQuery = None,
    worker_id: IdQuery = None, principal: Principal = READ,
) -> Page[EngagementOut]:
    rows = await service.list_engagements(
        session, principal, limit=page.limit, after_id=page.after_id, status=status,
        job_id=job_id, worker_id=worker_id,
    )
    rows, cursor = page_of(rows, page)
    return Page(items=[engagement_out(e, now) for e in rows], next_cursor=cursor)


@engagements.get("/{engagement_id}", response_model=EngagementOut)
async def get_engagement(
    engagement_id: IdPath, session: SessionDep, now: NowDep, response: Response,
    principal: Principal = READ,
) -> EngagementOut:
    return _single(response, await service.get_engagement(session, principal, engagement_id), now)


@engagements.post("/{engagement_id}/check-in", response_model=EngagementOut)
async def check_in(
    engagement_id: IdPath, session: SessionDep, settings: SettingsDep, now: NowDep,
    response: Response, body: AttendanceIn | None = None, principal: Principal = WORKER_WRITE,
) -> EngagementOut:
    e = await attendance.check_in(
        session, principal, engagement_id, body or AttendanceIn(), settings, now
    )
    return _single(response, e, now)


@engagements.post("/{engagement_id}/check-out", response_model=EngagementOut)
async def check_out(
    engagement_id: IdPath, session: SessionDep, settings: SettingsDep, now: NowDep,
    response: Response, body: CheckOutIn | None = None, principal: Principal = WORKER_WRITE,
) -> EngagementOut:
    e = await attendance.check_out(
        session, principal, engagement_id, body or CheckOutIn(), settings, now
    )
    return _single(response, e, now)


@engagements.post("/{engagement_id}/hours", response_model=EngagementOut)
async def review_hours(
    engagement_id: IdPath, body: HoursIn, session: SessionDep, now: NowDep, response: Response,
    principal: Principal = EMPLOYER_WRITE,
) -> EngagementOut:
    """Confirm the attendance (the engagement completes and pay falls due) or dispute it."""
    e = await attendance.review_hours(session, principal, engagement_id, body, now)
    return _single(response, e, now)


@engagements.post(
    "/{engagement_id}/disputes/{dispute_id}/resolve", response_model=EngagementOut
)
async def resolve_dispute(
    engagement_id: IdPath, dispute_id: IdPath, session: SessionDep, now: NowDep, response: Response,
    body: ResolutionIn | None = None, principal: Principal = WRITE,
) -> EngagementOut:
    """The worker accepts the employer's figures; an admin may decide other figures."""
    e = await attendance.resolve_dispute(
        session, principal, engagement_id, dispute_id, body or ResolutionIn(), now
    )
    return _single(response, e, now)


@engagements.post("/{engagement_id}/cancel", response_model=EngagementOut)
async def cancel(
    engagement_id: IdPath, session: SessionDep, settings: SettingsDep, now: NowDep,
    response: Response, body: CancelIn | None = None, principal: Principal = WRITE,
) -> EngagementOut:
    e = await service.cancel(session, principal, engagement_id, body or CancelIn(), settings, now)
    return _single(response, e, now)


@engagements.post("/{engagement_id}/no-show", response_model=EngagementOut)
async def mark_no_show(
    engagement_id: IdPath, session: SessionDep, settings: SettingsDep, now: NowDep,
    response: Response, principal: Principal = EMPLOYER_WRITE,
) -> EngagementOut:
    e = await service.mark_no_show(session, principal, engagement_id, settings, now)
    return _single(response, e, now)


@engagements.post("/{engagement_id}/payments", status_code=201, response_model=EngagementOut)
async def record_payment(
    engagement_id: IdPath, body: PaymentIn, session: SessionDep, now: NowDep, response: Response,
    principal: Principal = EMPLOYER_WRITE,
) -> EngagementOut:
    e = await payments.record_payment(session, principal, engagement_id, body, now)
    return _single(response, e, now)


@engagements.post("/{engagement_id}/ratings", status_code=201, response_model=EngagementOut)
async def rate(
    engagement_id: IdPath, body: RatingIn, session: SessionDep, now: NowDep, response: Response,
    principal: Principal = WRITE,
) -> EngagementOut:
    e = await payments.rate(session, principal, engagement_id, body, now)
    return _single(response, e, now)


router = APIRouter()
for sub in (hiring_router, engagements, records_router):
    router.include_router(sub)
