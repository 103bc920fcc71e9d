"""create_app(): routers, middleware, exception handlers."""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request
from prometheus_fastapi_instrumentator import Instrumentator
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError
from starlette.responses import JSONResponse

from app.auth.router import router as api_keys_router
from app.common.middleware import BodyLimitMiddleware, RequestContextMiddleware
from app.common.problems import install_problem_handlers, problem_response
from app.config import Settings, get_settings
from app.db import make_engine, make_sessionmaker
from app.employers.router import router as employers_router
from app.idempotency.middleware import IdempotencyMiddleware, purge_expired
from app.jobs.router import router as jobs_router
from app.jobs.service import expire_ended_jobs
from app.logging import configure_logging
from app.markets.router import router as markets_router
from app.ops.router import router as ops_router
from app.partners.router import router as partners_router
from app.reference.router import router as reference_router
from app.webhooks.router import events_router
from app.webhooks.router import router as webhooks_router
from app.webhooks.runner import start_in_process
from app.workers.router import router as workers_router

log = structlog.get_logger("gigmarket")
HOUSEKEEPING_SECONDS = 60


async def _housekeeping(app: FastAPI) -> None:
    """Expires ended postings and purges old idempotency keys. Safe in every process at once."""
    while True:
        try:
            async with app.state.sessionmaker() as session:
                expired = await expire_ended_jobs(session)
                await session.commit()
            purged = await purge_expired(app.state.sessionmaker)
            if expired or purged:
                log.info("housekeeping", jobs_expired=expired, idempotency_purged=purged)
        except Exception:
            log.exception("housekeeping_failed")
        await asyncio.sleep(HOUSEKEEPING_SECONDS)


@asynccontextmanager
async def lifespan(app: FastAPI):
    task = asyncio.create_task(_housekeeping(app))
    dispatcher = start_in_process(app)
    try:
        yield
    finally:
        if dispatcher is not None:
            await dispatcher.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await app.state.engine.dispose()


def _install_database_handlers(app: FastAPI) -> None:
    async def unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database_unavailable", error_type=type(exc).__name__, path=request.url.path)
        return problem_response(
            503, "Service unavailable", "the database is unavailable; retry shortly",
            "database-unavailable", headers={"Retry-After": "2"}, instance=request.url.path,
        )

    async def conflict(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(
            409, "Conflict", "a concurrent change touched the same record; retry the request",
            "concurrent-change", instance=request.url.path,
        )

    for exc_type in (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError,
                     OSError):
        app.add_exception_handler(exc_type, unavailable)
    for exc_type in (sa_exc.IntegrityError, StaleDataError):
        app.add_exception_handler(exc_type, conflict)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)
    app = FastAPI(
        title="GigMarket (零工市场) API",
        version="0.1.0",
        description=(
            "Job postings, worker profiles and explained matching for Chongqing's gig markets. "
            "Authenticate with `Authorization: Bearer gm_live_…`. Errors are RFC 9457 "
            "problem+json; lists use opaque cursors; POSTs accept `Idempotency-Key`."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url, settings.db_pool_size)
    app.state.sessionmaker = make_sessionmaker(app.state.engine)
    app.state.secret_key = settings.resolved_secret_key()

    install_problem_handlers(app)
    _install_database_handlers(app)
    for router in (ops_router, api_keys_router, reference_router, employers_router,
                   markets_router, jobs_router, workers_router, webhooks_router, events_router,
                   partners_router):
        app.include_router(router)

    # Added innermost first: request context wraps everything, then the body limit.
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    Instrumentator(excluded_handlers=["/metrics", "/healthz"]).instrument(app).expose(
        app, endpoint="/metrics", include_in_schema=False
    )
    return app
