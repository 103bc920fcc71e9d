from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.common.problems import problem_response

router = APIRouter(tags=["operations"])


@router.get("/healthz", operation_id="health_get", summary="Liveness probe")
async def healthz() -> dict[str, str]:
    """The process is up (no dependencies checked).

    Anyone; no key is needed. Never refuses; needs no key.
    """
    return {"status": "ok"}


@router.get(
    "/readyz", responses={503: {"description": "Database unreachable"}},
    operation_id="readiness_get", summary="Readiness probe",
)
async def readyz(request: Request) -> JSONResponse:
    """Ready to serve: the database answers a query within the pool timeout.

    Anyone; no key is needed. Answers 503 while the database does not answer; needs no key.
    """
    try:
        async with request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:  # any failure means not ready; the reason goes to the log, not the caller
        return problem_response(
            503, "Service unavailable", "the database is not reachable", "not-ready"
        )
    return JSONResponse({"status": "ready", "database": "ok"})
