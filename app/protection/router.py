"""Injury cover per engagement, the new-forms register and partners' reports: HTTP only."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from app.auth.principal import Principal, Role
from app.common.clock import NowDep
from app.common.csvout import FormatQuery, csv_response, wants_csv
from app.common.deps import SessionDep, require
from app.common.problems import Unprocessable
from app.common.schemas import DateText, IdPath, IdQuery
from app.engagements import pay
from app.engagements.models import Engagement
from app.partners.schemas import ExternalIdPath, SourcePath
from app.protection import service
from app.protection.models import Protection, ReportedEngagement
from app.protection.schemas import (
    NewFormsReport,
    NewFormsRow,
    ProtectionIn,
    ProtectionOut,
    ReportedEngagementIn,
    ReportedEngagementOut,
)

router = APIRouter()


def protection_out(e: Engagement, p: Protection | None, gaps: list[str]) -> ProtectionOut:
    return ProtectionOut(
        engagement_id=e.id, employer_id=e.employer_id, type=p.type if p else None,
        insurer=p.insurer if p else None, policy_no=p.policy_no if p else None,
        from_date=p.from_date if p else None, to_date=p.to_date if p else None,
        evidence_url=p.evidence_url if p else None,
        job_declares_protection=e.job.injury_protection, gaps=gaps,
        updated_at=p.updated_at if p else None,
    )


@router.get("/v1/engagements/{engagement_id}/protection", response_model=ProtectionOut,
            tags=["engagements"], operation_id="protection_get",
            summary="The employer's injury cover for an engagement")
async def get_protection(
    engagement_id: IdPath, session: SessionDep,
    principal: Principal = require("engagements:read"),
) -> ProtectionOut:
    """Either party or an admin (others 404). `gaps` names what the rules find missing: a
    part-timer working for another employer at the same time needs this employer's own
    cover; a platform in the occupational-injury pilot reports pilot cover.

    Callers: admin, the employer concerned, the market concerned, the worker concerned. Refuses:
    institutions, inspectors, partners (403); another employer, another market, another worker
    (404: they cannot tell it exists); no key (401).
    """
    return protection_out(*await service.get_protection(session, principal, engagement_id))


@router.put("/v1/engagements/{engagement_id}/protection", response_model=ProtectionOut,
            tags=["engagements"], operation_id="protection_put",
            summary="Record the employer's injury cover for an engagement")
async def put_protection(
    engagement_id: IdPath, body: ProtectionIn, session: SessionDep,
    principal: Principal = require("engagements:write", Role.employer, Role.market),
) -> ProtectionOut:
    """The employer side (or an admin) records its cover (type, insurer, policy, period,
    evidence); a PUT replaces the record. Refuses the worker side (403).

    Callers: admin, the employer concerned. Refuses: markets, workers, institutions, inspectors,
    partners (403); another employer (404: they cannot tell it exists); no key (401).
    """
    return protection_out(*await service.put_protection(session, principal, engagement_id, body))


NEW_FORMS_COLUMNS = list(NewFormsRow.model_fields)


@router.get("/v1/reports/new-forms", response_model=NewFormsReport, tags=["reports"],
            operation_id="reports_new_forms", summary="New-forms workers' register (item 十六)",
            responses={200: {"content": {"text/csv": {}}}})
async def new_forms(
    request: Request, session: SessionDep, now: NowDep, format: FormatQuery = None,
    from_date: DateText | None = None, to_date: DateText | None = None,
    employer_id: IdQuery = None,
    occupation: Annotated[Literal["rider", "ride_hailing_driver", "truck_driver", "other"] | None,
                          Query()] = None,
    principal: Principal = require("reports:read", Role.employer),
) -> NewFormsReport | Response:
    """Per source, platform, worker and week (Monday, Asia/Shanghai): hours worked,
    agreements, injury cover and its gaps, wages in arrears — for sharing with other
    departments; `?format=csv` downloads it. Defaults to the last 28 days and the coming
    week (by the engagement's start). Admins see all
    (and may filter by employer); an employer sees its own rows.

    Callers: admin, any employer. Refuses: markets, workers, institutions, inspectors, partners
    (403); no key (401).
    """
    today = pay.shanghai_date(now)
    to_date = to_date or today + timedelta(days=7)
    from_date = from_date or today - timedelta(days=27)
    if (not timedelta(0) <= to_date - from_date <= timedelta(days=366)
            or not (1900 <= from_date.year and to_date.year <= 2999)):
        raise Unprocessable(
            "to_date: from_date to to_date spans 0 to 366 days, within years 1900-2999",
            errors=[{"parameter": "to_date", "in": "query",
                     "detail": "on or after from_date, at most 366 days later"}],
        )
    rows = await service.new_forms(session, principal, from_date=from_date, to_date=to_date,
                                   employer_id=employer_id, occupation=occupation)
    if wants_csv(request, format):
        return csv_response(
            NEW_FORMS_COLUMNS,
            ([";".join(v) if isinstance(v, list) else v for v in (r[c] for c in NEW_FORMS_COLUMNS)]
             for r in rows),
            "new-forms.csv",
        )
    return NewFormsReport(items=rows)


@router.put("/v1/partners/{source}/engagements/{external_id}",
            response_model=ReportedEngagementOut, tags=["partners"],
            operation_id="partner_engagement_put",
            summary="Report a platform worker's engagement by external id",
            responses={201: {"model": ReportedEngagementOut, "description": "Created"}})
async def put_reported_engagement(
    source: SourcePath, external_id: ExternalIdPath, body: ReportedEngagementIn,
    session: SessionDep, response: Response, now: NowDep,
    principal: Principal = require("jobs:write", Role.partner),
) -> ReportedEngagementOut:
    """A partner reports one of its own workers' engagements for a granted employer (hours
    of a week, agreement kind, injury cover, arrears); repeating the PUT is safe. Refuses
    other roles (403) and an employer not granted to the source (422 /employer_id).

    Callers: admin, partners. Refuses: employers, markets, workers, institutions, inspectors
    (403); no key (401).
    """
    row, created = await service.put_reported(session, principal, source, external_id, body, now)
    if created:
        response.status_code = 201
    return reported_out(row)


def reported_out(r: ReportedEngagement) -> ReportedEngagementOut:
    return ReportedEngagementOut(
        id=r.id, source=r.source, external_id=r.external_id, employer_id=r.employer_id,
        worker_ref=r.worker_ref, occupation=r.occupation, agreement_kind=r.agreement_kind,
        week_start_date=r.week_start_date, weekly_minutes=r.weekly_minutes,
        protection_type=r.protection_type, arrears_fen=r.arrears_fen, received_at=r.received_at,
    )
