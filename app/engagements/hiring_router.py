"""Applications and offers: HTTP only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from app.auth.principal import Principal, Role
from app.common.clock import NowDep
from app.common.deps import SessionDep, SettingsDep, require
from app.common.pagination import Page, PageParams, page_of, page_params
from app.common.schemas import IdPath, IdQuery
from app.engagements import applications, hiring, offers
from app.engagements.access import contact_rules
from app.engagements.models import Application, Offer
from app.engagements.schemas import (
    AcceptApplicationIn,
    ApplicationIn,
    ApplicationOut,
    ApplicationStatus,
    DecisionIn,
    EngagementOut,
    OfferIn,
    OfferOut,
    OfferStatus,
)
from app.engagements.views import application_out, engagement_out, offer_out

router = APIRouter(tags=["applications and offers"])
READ = require("engagements:read")
WRITE = require("engagements:write")
EMPLOYER_WRITE = require("engagements:write", Role.employer, Role.market)
WORKER_WRITE = require("engagements:write", Role.worker, Role.market)


async def _application(session, principal, row: Application) -> ApplicationOut:
    return application_out(row, await contact_rules(session, principal, [row]))


async def _offer(session, principal, row: Offer, now) -> OfferOut:
    return offer_out(row, await contact_rules(session, principal, [row]), now)


def _hired(response: Response, engagement) -> None:
    response.headers["Location"] = f"/v1/engagements/{engagement.id}"


@router.post("/v1/jobs/{job_id}/applications", status_code=201, response_model=ApplicationOut)
async def apply(
    job_id: IdPath, body: ApplicationIn, session: SessionDep, now: NowDep, response: Response,
    principal: Principal = WORKER_WRITE,
) -> ApplicationOut:
    row = await applications.apply(session, principal, job_id, body, now)
    response.headers["Location"] = f"/v1/applications/{row.id}"
    return await _application(session, principal, row)


async def _application_page(session, principal, page: PageParams, **filters) -> Page:
    rows = await hiring.list_rows(
        session, principal, Application, limit=page.limit, after_id=page.after_id, **filters
    )
    rows, cursor = page_of(rows, page)
    rules = await contact_rules(session, principal, rows)
    return Page(items=[application_out(r, rules) for r in rows], next_cursor=cursor)


@router.get("/v1/jobs/{job_id}/applications", response_model=Page[ApplicationOut])
async def list_job_applications(
    job_id: IdPath, session: SessionDep, page: Annotated[PageParams, Depends(page_params)],
    status: ApplicationStatus | None = None, principal: Principal = READ,
) -> Page[ApplicationOut]:
    return await _application_page(session, principal, page, job_id=job_id, status=status)


@router.get("/v1/applications", response_model=Page[ApplicationOut])
async def list_applications(
    session: SessionDep, page: Annotated[PageParams, Depends(page_params)],
    status: ApplicationStatus | None = None, job_id: IdQuery = None,
    worker_id: IdQuery = None, principal: Principal = READ,
) -> Page[ApplicationOut]:
    return await _application_page(
        session, principal, page, status=status, job_id=job_id, worker_id=worker_id
    )


@router.get("/v1/applications/{application_id}", response_model=ApplicationOut)
async def get_application(
    application_id: IdPath, session: SessionDep, principal: Principal = READ,
) -> ApplicationOut:
    row = await applications.get_application(session, principal, application_id)
    return await _application(session, principal, row)


@router.post(
    "/v1/applications/{application_id}/accept", status_code=201, response_model=EngagementOut
)
async def accept_application(
    application_id: IdPath, session: SessionDep, now: NowDep, response: Response,
    body: AcceptApplicationIn | None = None, principal: Principal = EMPLOYER_WRITE,
) -> EngagementOut:
    engagement = await applications.accept_application(
        session, principal, application_id, body or AcceptApplicationIn(), now
    )
    _hired(response, engagement)
    return engagement_out(engagement, now)


@router.post("/v1/applications/{application_id}/decline", response_model=ApplicationOut)
async def decline_application(
    application_id: IdPath, session: SessionDep, now: NowDep, body: DecisionIn | None = None,
    principal: Principal = EMPLOYER_WRITE,
) -> ApplicationOut:
    row = await hiring.close_pending(
        session, principal, Application, application_id, "declined", now,
        note=body.note if body else None,
    )
    return await _application(session, principal, row)


@router.post("/v1/applications/{application_id}/withdraw", response_model=ApplicationOut)
async def withdraw_application(
    application_id: IdPath, session: SessionDep, now: NowDep, body: DecisionIn | None = None,
    principal: Principal = WORKER_WRITE,
) -> ApplicationOut:
    row = await hiring.close_pending(
        session, principal, Application, application_id, "withdrawn", now,
        note=body.note if body else None,
    )
    return await _application(session, principal, row)


@router.post("/v1/jobs/{job_id}/offers", status_code=201, response_model=OfferOut)
async def create_offer(
    job_id: IdPath, body: OfferIn, session: SessionDep, settings: SettingsDep, now: NowDep,
    response: Response, principal: Principal = EMPLOYER_WRITE,
) -> OfferOut:
    row = await offers.create_offer(session, principal, job_id, body, settings, now)
    response.headers["Location"] = f"/v1/offers/{row.id}"
    return await _offer(session, principal, row, now)


@router.get("/v1/offers", response_model=Page[OfferOut])
async def list_offers(
    session: SessionDep, now: NowDep, page: Annotated[PageParams, Depends(page_params)],
    status: OfferStatus | None = None, job_id: IdQuery = None, worker_id: IdQuery = None,
    principal: Principal = READ,
) -> Page[OfferOut]:
    rows = await hiring.list_rows(
        session, principal, Offer, limit=page.limit, after_id=page.after_id, status=status,
        job_id=job_id, worker_id=worker_id,
    )
    rows, cursor = page_of(rows, page)
    rules = await contact_rules(session, principal, rows)
    return Page(items=[offer_out(r, rules, now) for r in rows], next_cursor=cursor)


@router.get("/v1/offers/{offer_id}", response_model=OfferOut)
async def get_offer(
    offer_id: IdPath, session: SessionDep, now: NowDep, principal: Principal = READ,
) -> OfferOut:
    row = await offers.get_offer(session, principal, offer_id)
    return await _offer(session, principal, row, now)


@router.post("/v1/offers/{offer_id}/accept", status_code=201, response_model=EngagementOut)
async def accept_offer(
    offer_id: IdPath, session: SessionDep, now: NowDep, response: Response,
    principal: Principal = WORKER_WRITE,
) -> EngagementOut:
    engagement = await offers.accept_offer(session, principal, offer_id, now)
    _hired(response, engagement)
    return engagement_out(engagement, now)


@router.post("/v1/offers/{offer_id}/decline", response_model=OfferOut)
async def decline_offer(
    offer_id: IdPath, session: SessionDep, now: NowDep, principal: Principal = WORKER_WRITE,
) -> OfferOut:
    row = await hiring.close_pending(session, principal, Offer, offer_id, "declined", now)
    return await _offer(session, principal, row, now)


@router.post("/v1/offers/{offer_id}/withdraw", response_model=OfferOut)
async def withdraw_offer(
    offer_id: IdPath, session: SessionDep, now: NowDep, principal: Principal = EMPLOYER_WRITE,
) -> OfferOut:
    row = await hiring.close_pending(session, principal, Offer, offer_id, "withdrawn", now)
    return await _offer(session, principal, row, now)
