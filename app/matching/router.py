"""Matches and staffing plans: HTTP only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.principal import Principal, Role
from app.common.deps import ReadSessionDep, SessionDep, SettingsDep, require
from app.common.schemas import IdPath
from app.matching import diagnosis, explain, service, staffing
from app.matching.schemas import JobMatchPage, StaffingPlanIn, StaffingPlanOut, WorkerMatchPage

router = APIRouter(tags=["matching"])

Limit = Annotated[int, Query(ge=1, le=100, description="Page size (1–100).")]
Cursor = Annotated[str | None, Query(max_length=512, description="Opaque cursor from next_cursor.")]
Radius = Annotated[
    float | None,
    Query(gt=0, le=200, description="Only candidates this close (km), besides every travel limit"),
]


@router.get(
    "/v1/jobs/{job_id}/matches", response_model=WorkerMatchPage,
    operation_id="job_matches_list", summary="Match workers to a job",
)
async def job_matches(
    job_id: IdPath, session: ReadSessionDep, settings: SettingsDep,
    limit: Limit = 20, cursor: Cursor = None, radius_km: Radius = None,
    principal: Principal = require("matches:read", Role.employer, Role.market),
) -> dict:
    """Workers for a job, best first (ties by id): the job's employer, its market, admins.

    Each match explains itself (rounded figures, a reason per component); an empty first page
    says why in `empty_reason`.

    Callers: admin, the employer concerned. Refuses: another employer's job (404); other roles
    (403); bad radius or cursor (422).
    """
    items, next_cursor = await service.job_matches(
        session, principal, job_id, settings, limit=limit, cursor=cursor, radius_km=radius_km
    )
    threshold = settings.skill_match_threshold
    empty = None
    if not items and cursor is None:
        empty = await diagnosis.why_no_workers(session, job_id, threshold, radius_km)
    # A plain dict: FastAPI validates it against response_model once (a model instance would
    # be dumped and validated again).
    return {"items": [explain.present(i, threshold) for i in items], "next_cursor": next_cursor,
            "empty_reason": empty}


@router.get(
    "/v1/workers/{worker_id}/matches", response_model=JobMatchPage,
    operation_id="worker_matches_list", summary="Match jobs to a worker",
)
async def worker_matches(
    worker_id: IdPath, session: ReadSessionDep, settings: SettingsDep,
    limit: Limit = 20, cursor: Cursor = None, radius_km: Radius = None,
    principal: Principal = require("matches:read", Role.worker),
) -> dict:
    """Open jobs for a worker, best first (ties by id): the worker itself and admins. Explained
    like a job's matches; an empty first page says why in `empty_reason`.

    Callers: admin, the worker concerned. Refuses: other workers (404); every role but admin and
    worker (403); bad radius or cursor (422).
    """
    items, next_cursor = await service.worker_matches(
        session, principal, worker_id, settings, limit=limit, cursor=cursor, radius_km=radius_km
    )
    threshold = settings.skill_match_threshold
    empty = None
    if not items and cursor is None:
        empty = await diagnosis.why_no_jobs(session, worker_id, threshold, radius_km)
    return {"items": [explain.present(i, threshold) for i in items], "next_cursor": next_cursor,
            "empty_reason": empty}


@router.post(
    "/v1/staffing-plans", response_model=StaffingPlanOut,
    operation_id="staffing_plans_create", summary="Propose a staffing plan",
)
async def staffing_plan(
    body: StaffingPlanIn, session: SessionDep, settings: SettingsDep,
    principal: Principal = require("matches:read", Role.employer, Role.market),
) -> StaffingPlanOut:
    """Proposes the assignment of workers to open slots with the highest total score; books
    nothing (send offers to act on it).

    Callers: admin, the employer concerned. Refuses: markets, inspectors, partners, workers
    (403); jobs not the caller's (422).
    """
    return StaffingPlanOut(**await staffing.plan(session, principal, body.job_ids, settings))
