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


@router.post(
    "/v1/jobs/{job_id}/applications", status_code=201, response_model=ApplicationOut,
    operation_id="job_applications_create", summary="Apply to a job",
)
async def apply(
    job_id: IdPath, body: ApplicationIn, session: SessionDep, now: NowDep, response: Response,
    principal: Principal = WORKER_WRITE,
) -> ApplicationOut:
    """A worker (or the worker's market) applies to an open posting.

    Callers: admin, the market concerned, any worker. Refuses: employers, inspectors, partners
    (403); a job that is not open (409); applying twice (409); a worker not visible to the
    caller (422).
    """
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


@router.get(
    "/v1/jobs/{job_id}/applications", response_model=Page[ApplicationOut],
    operation_id="job_applications_list", summary="List a job's applications",
)
async def list_job_applications(
    job_id: IdPath, session: SessionDep, page: Annotated[PageParams, Depends(page_params)],
    status: ApplicationStatus | None = None, principal: Principal = READ,
) -> Page[ApplicationOut]:
    """Applications to one job the caller may see.

    Callers: admin, any employer, any market, any worker. Refuses: inspectors and partners
    (403); a job not visible (404).
    """
    return await _application_page(session, principal, page, job_id=job_id, status=status)


@router.get(
    "/v1/applications", response_model=Page[ApplicationOut],
    operation_id="applications_list", summary="List applications",
)
async def list_applications(
    session: SessionDep, page: Annotated[PageParams, Depends(page_params)],
    status: ApplicationStatus | None = None, job_id: IdQuery = None,
    worker_id: IdQuery = None, principal: Principal = READ,
) -> Page[ApplicationOut]:
    """Applications the caller may see: an employer's to its jobs, a worker's own, a market's in
    its area.

    Callers: admin, any employer, any market, any worker. Refuses: inspectors and partners
    (403).
    """
    return await _application_page(
        session, principal, page, status=status, job_id=job_id, worker_id=worker_id
    )


@router.get(
    "/v1/applications/{application_id}", response_model=ApplicationOut,
    operation_id="applications_get", summary="Get an application",
)
async def get_application(
    application_id: IdPath, session: SessionDep, principal: Principal = READ,
) -> ApplicationOut:
    """One application.

    Callers: admin, the employer concerned, the market concerned, the worker concerned. Refuses:
    applications of other employers, workers or markets answer 404; inspectors and partners
    403.
    """
    row = await applications.get_application(session, principal, application_id)
    return await _application(session, principal, row)


@router.post(
    "/v1/applications/{application_id}/accept", status_code=201, response_model=EngagementOut
, operation_id="applications_accept", summary="Accept an application")
async def accept_application(
    application_id: IdPath, session: SessionDep, now: NowDep, response: Response,
    body: AcceptApplicationIn | None = None, principal: Principal = EMPLOYER_WRITE,
) -> EngagementOut:
    """The employer hires the applicant: the application becomes accepted and an engagement starts.

    Callers: admin, the employer concerned. Refuses: another employer's application (404);
    workers, markets, inspectors, partners (403); an application no longer pending or a job
    already full (409).
    """
    engagement = await applications.accept_application(
        session, principal, application_id, body or AcceptApplicationIn(), now
    )
    _hired(response, engagement)
    return engagement_out(engagement, now)


@router.post(
    "/v1/applications/{application_id}/decline", response_model=ApplicationOut,
    operation_id="applications_decline", summary="Decline an application",
)
async def decline_application(
    application_id: IdPath, session: SessionDep, now: NowDep, body: DecisionIn | None = None,
    principal: Principal = EMPLOYER_WRITE,
) -> ApplicationOut:
    """The employer turns the applicant down.

    Callers: admin, the employer concerned. Refuses: another employer's application (404); other
    roles (403); an application no longer pending (409).
    """
    row = await hiring.close_pending(
        session, principal, Application, application_id, "declined", now,
        note=body.note if body else None,
    )
    return await _application(session, principal, row)


@router.post(
    "/v1/applications/{application_id}/withdraw", response_model=ApplicationOut,
    operation_id="applications_withdraw", summary="Withdraw an application",
)
async def withdraw_application(
    application_id: IdPath, session: SessionDep, now: NowDep, body: DecisionIn | None = None,
    principal: Principal = WORKER_WRITE,
) -> ApplicationOut:
    """The worker (or the worker's market) withdraws a pending application.

    Callers: admin, the market concerned, the worker concerned. Refuses: another worker's
    application (404); employers, inspectors, partners (403); an application no longer
    pending (409).
    """
    row = await hiring.close_pending(
        session, principal, Application, application_id, "withdrawn", now,
        note=body.note if body else None,
    )
    return await _application(session, principal, row)


@router.post(
    "/v1/jobs/{job_id}/offers", status_code=201, response_model=OfferOut,
    operation_id="job_offers_create", summary="Offer a job to a worker",
)
async def create_offer(
    job_id: IdPath, body: OfferIn, session: SessionDep, settings: SettingsDep, now: NowDep,
    response: Response, principal: Principal = EMPLOYER_WRITE,
) -> OfferOut:
    """The employer invites a worker directly; the worker accepts or declines.

    Callers: admin, the employer concerned. Refuses: another employer's job (404); other roles
    (403); a job not open or full, or an offer already pending (409).
    """
    row = await offers.create_offer(session, principal, job_id, body, settings, now)
    response.headers["Location"] = f"/v1/offers/{row.id}"
    return await _offer(session, principal, row, now)


@router.get(
    "/v1/offers", response_model=Page[OfferOut],
    operation_id="offers_list", summary="List offers",
)
async def list_offers(
    session: SessionDep, now: NowDep, page: Annotated[PageParams, Depends(page_params)],
    status: OfferStatus | None = None, job_id: IdQuery = None, worker_id: IdQuery = None,
    principal: Principal = READ,
) -> Page[OfferOut]:
    """Offers the caller may see: an employer's sent, a worker's received.

    Callers: admin, any employer, any market, any worker. Refuses: inspectors and partners
    (403).
    """
    rows = await hiring.list_rows(
        session, principal, Offer, limit=page.limit, after_id=page.after_id, status=status,
        job_id=job_id, worker_id=worker_id,
    )
    rows, cursor = page_of(rows, page)
    rules = await contact_rules(session, principal, rows)
    return Page(items=[offer_out(r, rules, now) for r in rows], next_cursor=cursor)


@router.get(
    "/v1/offers/{offer_id}", response_model=OfferOut,
    operation_id="offers_get", summary="Get an offer",
)
async def get_offer(
    offer_id: IdPath, session: SessionDep, now: NowDep, principal: Principal = READ,
) -> OfferOut:
    """One offer.

    Callers: admin, the employer concerned, the market concerned, the worker concerned. Refuses:
    others' offers (404); inspectors and partners (403).
    """
    row = await offers.get_offer(session, principal, offer_id)
    return await _offer(session, principal, row, now)


@router.post(
    "/v1/offers/{offer_id}/accept", status_code=201, response_model=EngagementOut,
    operation_id="offers_accept", summary="Accept an offer",
)
async def accept_offer(
    offer_id: IdPath, session: SessionDep, now: NowDep, response: Response,
    principal: Principal = WORKER_WRITE,
) -> EngagementOut:
    """The worker (or the worker's market) accepts; an engagement starts.

    Callers: admin, the market concerned, the worker concerned. Refuses: others' offers (404);
    employers, inspectors, partners (403); an offer no longer pending or a job already full
    (409).
    """
    engagement = await offers.accept_offer(session, principal, offer_id, now)
    _hired(response, engagement)
    return engagement_out(engagement, now)


@router.post(
    "/v1/offers/{offer_id}/decline", response_model=OfferOut,
    operation_id="offers_decline", summary="Decline an offer",
)
async def decline_offer(
    offer_id: IdPath, session: SessionDep, now: NowDep, principal: Principal = WORKER_WRITE,
) -> OfferOut:
    """The worker (or the worker's market) declines.

    Callers: admin, the market concerned, the worker concerned. Refuses: others' offers (404);
    employers, inspectors, partners (403); an offer no longer pending (409).
    """
    row = await hiring.close_pending(session, principal, Offer, offer_id, "declined", now)
    return await _offer(session, principal, row, now)


@router.post(
    "/v1/offers/{offer_id}/withdraw", response_model=OfferOut,
    operation_id="offers_withdraw", summary="Withdraw an offer",
)
async def withdraw_offer(
    offer_id: IdPath, session: SessionDep, now: NowDep, principal: Principal = EMPLOYER_WRITE,
) -> OfferOut:
    """The employer takes back a pending offer.

    Callers: admin, the employer concerned. Refuses: another employer's offer (404); other roles
    (403); an offer no longer pending (409).
    """
    row = await hiring.close_pending(session, principal, Offer, offer_id, "withdrawn", now)
    return await _offer(session, principal, row, now)
