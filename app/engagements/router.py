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


@engagements.get(
    "", response_model=Page[EngagementOut],
    operation_id="engagements_list", summary="List engagements",
)
async def list_engagements(
    session: SessionDep, now: NowDep, page: Annotated[PageParams, Depends(page_params)],
    status: EngagementStatus | None = None, job_id: IdQuery = None,
    worker_id: IdQuery = None, principal: Principal = READ,
) -> Page[EngagementOut]:
    """Engagements the caller may see: an employer's, a worker's own, a market's in its area.

    Callers: admin, any employer, any market, any worker. Refuses: inspectors and partners
    (403).
    """
    rows = await service.list_engagements(
        session, principal, limit=page.limit, after_id=page.after_id, status=status,
        job_id=job_id, worker_id=worker_id,
    )
    rows, cursor = page_of(rows, page)
    return Page(items=[engagement_out(e, now) for e in rows], next_cursor=cursor)


@engagements.get(
    "/{engagement_id}", response_model=EngagementOut,
    operation_id="engagements_get", summary="Get an engagement",
)
async def get_engagement(
    engagement_id: IdPath, session: SessionDep, now: NowDep, response: Response,
    principal: Principal = READ,
) -> EngagementOut:
    """One engagement with its attendance, hours, payments and disputes.

    Callers: admin, the employer concerned, the market concerned, the worker concerned. Refuses:
    others' engagements (404); inspectors and partners (403).
    """
    return _single(response, await service.get_engagement(session, principal, engagement_id), now)


@engagements.post(
    "/{engagement_id}/check-in", response_model=EngagementOut,
    operation_id="engagements_check_in", summary="Check in",
)
async def check_in(
    engagement_id: IdPath, session: SessionDep, settings: SettingsDep, now: NowDep,
    response: Response, body: AttendanceIn | None = None, principal: Principal = WORKER_WRITE,
) -> EngagementOut:
    """The worker (or the worker's market) records arrival at the site.

    Callers: admin, the market concerned, the worker concerned. Refuses: others' engagements
    (404); employers, inspectors, partners (403); checking in twice or too early (409); a
    position too far from the site (422).
    """
    e = await attendance.check_in(
        session, principal, engagement_id, body or AttendanceIn(), settings, now
    )
    return _single(response, e, now)


@engagements.post(
    "/{engagement_id}/check-out", response_model=EngagementOut,
    operation_id="engagements_check_out", summary="Check out",
)
async def check_out(
    engagement_id: IdPath, session: SessionDep, settings: SettingsDep, now: NowDep,
    response: Response, body: CheckOutIn | None = None, principal: Principal = WORKER_WRITE,
) -> EngagementOut:
    """The worker records leaving; hours worked follow from check-in and check-out.

    Callers: admin, the market concerned, the worker concerned. Refuses: others' engagements
    (404); employers, inspectors, partners (403); no check-in yet or checked out already
    (409).
    """
    e = await attendance.check_out(
        session, principal, engagement_id, body or CheckOutIn(), settings, now
    )
    return _single(response, e, now)


@engagements.post(
    "/{engagement_id}/hours", response_model=EngagementOut,
    operation_id="engagement_hours_review", summary="Confirm or dispute hours",
)
async def review_hours(
    engagement_id: IdPath, body: HoursIn, session: SessionDep, now: NowDep, response: Response,
    principal: Principal = EMPLOYER_WRITE,
) -> EngagementOut:
    """Confirm the attendance (the engagement completes and pay falls due) or dispute it.

    Callers: admin, the employer concerned. Refuses: another employer's engagement (404);
    workers, markets, inspectors, partners (403); no check-out yet or hours already reviewed
    (409).
    """
    e = await attendance.review_hours(session, principal, engagement_id, body, now)
    return _single(response, e, now)


@engagements.post(
    "/{engagement_id}/disputes/{dispute_id}/resolve", response_model=EngagementOut
, operation_id="engagement_disputes_resolve", summary="Resolve an hours dispute")
async def resolve_dispute(
    engagement_id: IdPath, dispute_id: IdPath, session: SessionDep, now: NowDep, response: Response,
    body: ResolutionIn | None = None, principal: Principal = WRITE,
) -> EngagementOut:
    """The worker accepts the employer's figures; an admin may decide other figures.

    Callers: admin, the market concerned, the worker concerned. Refuses: others' engagements or
    disputes (404); employers, inspectors, partners (403); a dispute already resolved (409).
    """
    e = await attendance.resolve_dispute(
        session, principal, engagement_id, dispute_id, body or ResolutionIn(), now
    )
    return _single(response, e, now)


@engagements.post(
    "/{engagement_id}/cancel", response_model=EngagementOut,
    operation_id="engagements_cancel", summary="Cancel an engagement",
)
async def cancel(
    engagement_id: IdPath, session: SessionDep, settings: SettingsDep, now: NowDep,
    response: Response, body: CancelIn | None = None, principal: Principal = WRITE,
) -> EngagementOut:
    """Either side (or the worker's market) cancels before work starts; late cancellations count
    against reliability.

    Callers: admin, the employer concerned, the market concerned, the worker concerned. Refuses:
    others' engagements (404); inspectors and partners (403); an engagement already started
    or finished (409).
    """
    e = await service.cancel(session, principal, engagement_id, body or CancelIn(), settings, now)
    return _single(response, e, now)


@engagements.post(
    "/{engagement_id}/no-show", response_model=EngagementOut,
    operation_id="engagements_mark_no_show", summary="Mark a no-show",
)
async def mark_no_show(
    engagement_id: IdPath, session: SessionDep, settings: SettingsDep, now: NowDep,
    response: Response, principal: Principal = EMPLOYER_WRITE,
) -> EngagementOut:
    """The employer records that the worker did not come.

    Callers: admin, the employer concerned. Refuses: another employer's engagement (404); other
    roles (403); before the start time or after check-in (409).
    """
    e = await service.mark_no_show(session, principal, engagement_id, settings, now)
    return _single(response, e, now)


@engagements.post(
    "/{engagement_id}/payments", status_code=201, response_model=EngagementOut,
    operation_id="engagement_payments_create", summary="Record a wage payment",
)
async def record_payment(
    engagement_id: IdPath, body: PaymentIn, session: SessionDep, now: NowDep, response: Response,
    principal: Principal = EMPLOYER_WRITE,
) -> EngagementOut:
    """The employer records a payment of the confirmed wage; honours Idempotency-Key.

    Callers: admin, the employer concerned. Refuses: another employer's engagement (404); other
    roles (403); hours not confirmed yet or paid already (409); an amount that is not
    positive (422).
    """
    e = await payments.record_payment(session, principal, engagement_id, body, now)
    return _single(response, e, now)


@engagements.post(
    "/{engagement_id}/ratings", status_code=201, response_model=EngagementOut,
    operation_id="engagement_ratings_create", summary="Rate the other side",
)
async def rate(
    engagement_id: IdPath, body: RatingIn, session: SessionDep, now: NowDep, response: Response,
    principal: Principal = WRITE,
) -> EngagementOut:
    """Employer and worker (or the worker's market) rate each other once the engagement is
    finished.

    Callers: the employer concerned, the market concerned, the worker concerned. Refuses:
    others' engagements (404); admin, inspectors and partners (403); rating twice or before
    the end (409).
    """
    e = await payments.rate(session, principal, engagement_id, body, now)
    return _single(response, e, now)


router = APIRouter()
for sub in (hiring_router, engagements, records_router):
    router.include_router(sub)
