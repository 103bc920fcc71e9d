from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from app.common.problems import problem_response

router = APIRouter(tags=["operations"])


class HealthOut(BaseModel):
    status: Literal["ok"]


class ReadinessOut(BaseModel):
    status: Literal["ready"]
    database: Literal["ok"]


@router.get("/healthz", operation_id="health_get", summary="Liveness probe")
async def healthz() -> HealthOut:
    """The process is up (no dependencies checked).

    Anyone; no key is needed. Never refuses.
    """
    return HealthOut(status="ok")


@router.get(
    "/readyz", response_model=ReadinessOut, responses={503: {"description": "Database unreachable"}},
    operation_id="readiness_get", summary="Readiness probe",
)
async def readyz(request: Request) -> JSONResponse:
    """Ready to serve: the database answers a query within the pool timeout.

    Anyone; no key is needed. Answers 503 (problem+json) while the database does not answer,
    and while the process is still loading its match index at start-up.
    """
    try:
        async with request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:  # any failure means not ready; the reason goes to the log, not the caller
        return problem_response(
            503, "Service unavailable", "the database is not reachable", "not-ready"
        )
    warming = getattr(request.app.state, "match_index_warming", None)
    if warming is not None and not warming.done():
        # A load balancer sends no traffic until the match index is in memory (12 s at 1M
        # workers); a match request before then would wait for it.
        return problem_response(
            503, "Service unavailable", "the match index is still loading", "not-ready"
        )
    return JSONResponse({"status": "ready", "database": "ok"})
