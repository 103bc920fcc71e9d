"""Complaints: HTTP only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from app.auth.principal import Principal, Role
from app.common.clock import NowDep
from app.common.deps import PrincipalDep, SessionDep, SettingsDep, require
from app.common.pagination import Page, PageParams, page_of, page_params
from app.common.schemas import IdPath, IdQuery
from app.complaints import service
from app.complaints.models import Complaint
from app.complaints.schemas import (
    ComplaintAssignmentIn,
    ComplaintCreate,
    ComplaintDecisionIn,
    ComplaintOut,
    ComplaintStatisticsOut,
    ComplaintStatus,
)

router = APIRouter(prefix="/v1/complaints", tags=["complaints"])
HANDLE = require("complaints:handle", Role.market, Role.inspector)


def complaint_out(c: Complaint, now) -> ComplaintOut:
    return ComplaintOut(
        id=c.id, subject={"type": c.subject_type, "id": c.subject_id}, employer_id=c.employer_id,
        job_id=c.job_id, engagement_id=c.engagement_id, category=c.category,
        description=c.description, district_code=c.district_code,
        complainant_role=c.complainant_role, status=c.status, deadline_at=c.deadline_at,
        overdue=c.status not in service.DECIDED and c.deadline_at < now,
        assigned_market_id=c.assigned_market_id,
        assigned_inspector_key_id=c.assigned_inspector_key_id, outcome_note=c.outcome_note,
        posting_suspended=c.posting_suspended, decided_at=c.decided_at, created_at=c.created_at,
    )


@router.post("", status_code=201, response_model=ComplaintOut, operation_id="complaint_create",
             summary="File a complaint")
async def file_complaint(
    body: ComplaintCreate, session: SessionDep, settings: SettingsDep, now: NowDep,
    response: Response, principal: PrincipalDep,
) -> ComplaintOut:
    """Anyone with a key (a worker, a market, a partner, …) complains about a posting, an
    employer or an engagement. The case goes to the market of the subject's district with a
    deadline. Refuses a subject the caller cannot see (422 naming /subject/id)."""
    c = await service.file_complaint(session, principal, body, settings, now)
    response.headers["Location"] = f"/v1/complaints/{c.id}"
    return complaint_out(c, now)


@router.get("", response_model=Page[ComplaintOut], operation_id="complaint_list",
            summary="List complaints")
async def list_complaints(
    session: SessionDep, now: NowDep, page: Annotated[PageParams, Depends(page_params)],
    principal: PrincipalDep, status: ComplaintStatus | None = None, employer_id: IdQuery = None,
) -> Page[ComplaintOut]:
    """Admins see all; a market or inspector the cases assigned to it; an employer those
    about itself; everyone the complaints it filed.

    Callers: admin, any employer, any market, any worker, any institution, inspectors, partners.
    Refuses: no key (401).
    """
    rows = await service.list_complaints(
        session, principal, limit=page.limit, after_id=page.after_id, status=status,
        employer_id=employer_id,
    )
    rows, cursor = page_of(rows, page)
    return Page(items=[complaint_out(c, now) for c in rows], next_cursor=cursor)


@router.get("/statistics", response_model=ComplaintStatisticsOut,
            operation_id="complaint_statistics", summary="Complaint counts by district")
async def complaint_statistics(
    session: SessionDep, now: NowDep, principal: Principal = require("stats:read"),
) -> ComplaintStatisticsOut:
    """Filed, decided, pending and overdue complaints per district and category (a market
    sees its own district). Admins, markets and inspectors.

    Callers: admin, any market, inspectors. Refuses: employers, workers, institutions, partners
    (403); no key (401).
    """
    return ComplaintStatisticsOut(items=await service.statistics(session, principal, now))


@router.get("/{complaint_id}", response_model=ComplaintOut, operation_id="complaint_get",
            summary="A complaint")
async def get_complaint(
    complaint_id: IdPath, session: SessionDep, now: NowDep, principal: PrincipalDep,
) -> ComplaintOut:
    """Visible as in the list; otherwise 404.

    Callers: admin, the employer concerned, the market concerned, the worker concerned. Refuses:
    another employer, another market, another worker, institutions, inspectors, partners (404:
    they cannot tell it exists); no key (401).
    """
    return complaint_out(await service.get_complaint(session, principal, complaint_id), now)


@router.post("/{complaint_id}/assignment", response_model=ComplaintOut,
             operation_id="complaint_assign", summary="Hand a complaint over")
async def assign_complaint(
    complaint_id: IdPath, body: ComplaintAssignmentIn, session: SessionDep, now: NowDep,
    principal: Principal = HANDLE,
) -> ComplaintOut:
    """The assigned market (or inspector, or an admin) hands the case to another market or
    to an inspector. Refuses other roles (403), unassigned handlers (404 / 403) and decided
    cases (409 complaint-decided).

    Callers: admin, the market concerned. Refuses: employers, workers, institutions, partners
    (403); another market, inspectors (404: they cannot tell it exists); no key (401).
    """
    c = await service.assign(session, principal, complaint_id, body)
    return complaint_out(c, now)


@router.post("/{complaint_id}/decision", response_model=ComplaintOut,
             operation_id="complaint_decide", summary="Decide a complaint")
async def decide_complaint(
    complaint_id: IdPath, body: ComplaintDecisionIn, session: SessionDep, settings: SettingsDep,
    now: NowDep, principal: Principal = HANDLE,
) -> ComplaintOut:
    """The handler decides: substantiated marks the employer (past the configured number it
    may no longer post) and may suspend the posting. Refuses other roles (403), cases not
    assigned to the caller (404 / 403) and decided cases (409 complaint-decided).

    Callers: admin, the market concerned. Refuses: employers, workers, institutions, partners
    (403); another market, inspectors (404: they cannot tell it exists); no key (401).
    """
    c = await service.decide(session, principal, complaint_id, body, settings, now)
    return complaint_out(c, now)
