"""create_app(): routers, middleware, exception handlers."""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import asynccontextmanager
from datetime import timedelta

import structlog
from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError
from starlette.responses import JSONResponse

from app.agreements.router import router as agreements_router
from app.auth.keycache import KeyCache
from app.auth.router import router as api_keys_router
from app.common.deps import authenticated
from app.common.middleware import (
    BodyLimitMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from app.common.openapi import install_openapi
from app.common.problems import (
    DATABASE_UNAVAILABLE,
    install_problem_handlers,
    problem_response,
)
from app.common.ratelimit import AccessMiddleware
from app.common.strict_query import STRICT_QUERY
from app.complaints.router import router as complaints_router
from app.config import Settings, get_settings
from app.db import (
    UNAVAILABLE_ERRORS,
    database_unavailable,
    make_engine,
    make_sessionmaker,
    utcnow,
)
from app.employers.router import router as employers_router
from app.engagements.router import router as engagements_router
from app.engagements.sweeps import engagement_housekeeping
from app.idempotency.middleware import IdempotencyMiddleware, purge_expired
from app.jobs.router import router as jobs_router
from app.jobs.service import expire_ended_jobs
from app.logging import configure_logging
from app.markets.router import router as markets_router
from app.matching.index import prune_worker_changes
from app.matching.memindex import worker_index
from app.matching.router import router as matching_router
from app.ops.metrics import MetricsMiddleware, metrics_endpoint
from app.ops.router import router as ops_router
from app.partners.router import router as partners_router
from app.protection.router import router as protection_router
from app.reference.router import router as reference_router
from app.stats.router import router as stats_router
from app.subsidies.router import BATCH_PATH as SUBSIDY_BATCH_PATH
from app.subsidies.router import router as subsidies_router
from app.training.demand_router import router as training_demand_router
from app.training.router import router as training_router
from app.training.vouchers_router import router as vouchers_router
from app.webhooks.router import events_router
from app.webhooks.router import router as webhooks_router
from app.webhooks.runner import start_in_process
from app.workers.router import router as workers_router

log = structlog.get_logger("gigmarket")


async def _housekeeping(app: FastAPI) -> None:
    """Expires ended postings, purges old idempotency keys, sweeps engagements (lapsed offers,
    no-shows, overdue wages), prunes the match-change log. Safe in every process at once."""
    while True:
        try:
            async with app.state.sessionmaker() as session:
                expired = await expire_ended_jobs(session)
                await session.commit()
            purged = await purge_expired(app.state.sessionmaker)
            swept = await engagement_housekeeping(app.state.sessionmaker, app.state.settings)
            async with app.state.sessionmaker() as session:
                retention = timedelta(hours=app.state.settings.match_changes_retention_hours)
                pruned = await prune_worker_changes(session, utcnow() - retention)
                await session.commit()
            if expired or purged or pruned or any(swept.values()):
                log.info("housekeeping", jobs_expired=expired, idempotency_purged=purged,
                         match_changes_pruned=pruned, **swept)
        except Exception:
            log.exception("housekeeping_failed")
        await asyncio.sleep(app.state.settings.housekeeping_seconds)


async def _warm_match_index(app: FastAPI) -> None:
    """Loads the in-memory match index in the background at start-up (12 s at 1M workers),
    so the first match request does not pay for it; one that comes sooner waits for it."""
    try:
        async with app.state.sessionmaker() as session:
            await worker_index(session)
    except Exception:
        log.exception("match_index_warm_failed")  # the first match request loads it instead


@asynccontextmanager
async def lifespan(app: FastAPI):
    tasks = [asyncio.create_task(_housekeeping(app))]
    if app.state.settings.match_memindex:
        app.state.match_index_warming = asyncio.create_task(_warm_match_index(app))
        tasks.append(app.state.match_index_warming)
    dispatcher = start_in_process(app)
    try:
        yield
    finally:
        if dispatcher is not None:
            await dispatcher.stop()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await app.state.engine.dispose()


def _install_database_handlers(app: FastAPI) -> None:
    async def unavailable(request: Request, exc: Exception) -> JSONResponse:
        cause = exc.__cause__
        log.warning("database_unavailable", error_type=type(exc).__name__, path=request.url.path,
                    cause=type(cause).__name__ if cause is not None else None)
        return problem_response(**DATABASE_UNAVAILABLE, instance=request.url.path)

    async def conflict(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(
            409, "Conflict", "a concurrent change touched the same record; retry the request",
            "concurrent-change", instance=request.url.path,
        )

    async def database_error(request: Request, exc: Exception) -> JSONResponse:
        if database_unavailable(exc):  # the server went away mid-request
            return await unavailable(request, exc)
        # A value the database cannot hold (an out-of-range number, say) that slipped past
        # validation is still the caller's input: 422, and logged so the schema gets fixed.
        orig = getattr(exc, "orig", None)
        causes = (orig, getattr(orig, "__cause__", None))  # asyncpg's own error sits under orig
        if isinstance(exc, sa_exc.DataError) or any(
            "DataError" in type(c).__name__ for c in causes
        ):
            log.warning("database_rejected_value", path=request.url.path)
            return problem_response(
                422, "Validation failed", "a value is out of range for this field",
                "validation-error", instance=request.url.path,
            )
        log.exception("database_error", path=request.url.path, error_type=type(exc).__name__)
        return problem_response(
            500, "Internal server error", "The server could not complete the request.",
            "internal-error", instance=request.url.path,
        )

    app.add_exception_handler(sa_exc.DBAPIError, database_error)
    for exc_type in UNAVAILABLE_ERRORS:
        app.add_exception_handler(exc_type, unavailable)
    for exc_type in (sa_exc.IntegrityError, StaleDataError):
        app.add_exception_handler(exc_type, conflict)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)
    # FastAPIOffline: /docs and /redoc load their scripts from /static-offline-docs (assets in
    # the fastapi-offline package), never from a CDN an intranet cannot reach.
    app = FastAPIOffline(
        title="GigMarket API",
        version="0.1.0",
        description=(
            "Job postings, worker profiles and explained matching for Chongqing's gig markets. "
            "Authenticate with `Authorization: Bearer gm_live_…`. Errors are RFC 9457 "
            "problem+json; lists use opaque cursors; POSTs accept `Idempotency-Key`."
        ),
        lifespan=lifespan,
        dependencies=[STRICT_QUERY],
    )
    app.state.settings = settings
    app.state.engine = make_engine(
        settings.database_url, settings.db_pool_size, settings.db_pool_timeout_seconds
    )
    app.state.sessionmaker = make_sessionmaker(app.state.engine)
    app.state.secret_key = settings.resolved_secret_key()
    app.state.key_cache = KeyCache(app.state.secret_key, settings.key_cache_seconds)

    install_problem_handlers(app)
    install_openapi(app)
    _install_database_handlers(app)
    app.include_router(ops_router)
    # Every /v1 route authenticates before its parameters and body are validated, so a caller
    # without a valid key learns nothing from validation errors. (A body that is not JSON at
    # all is refused while FastAPI reads it, before dependencies run: that 422 reveals nothing.)
    for router in (api_keys_router, reference_router, employers_router, markets_router,
                   jobs_router, workers_router, engagements_router, webhooks_router,
                   events_router, partners_router, matching_router, subsidies_router,
                   stats_router, agreements_router, complaints_router, protection_router,
                   training_router, vouchers_router, training_demand_router):
        app.include_router(router, dependencies=[Depends(authenticated)])

    # Added innermost first. Outermost: request context, security headers, CORS, key check and
    # rate limits,
    # body limit, then idempotency right around the routes.
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=settings.max_body_bytes,
        larger={SUBSIDY_BATCH_PATH: settings.batch_max_body_bytes},
    )
    app.add_middleware(
        AccessMiddleware, keys=app.state.key_cache, per_key=settings.rate_limit_per_key,
        per_address=settings.rate_limit_per_address, storage_uri=settings.rate_limit_storage,
    )
    app.add_middleware(
        CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=False,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "If-Match",
                       "X-Request-ID"],
        expose_headers=["ETag", "Location", "Retry-After", "X-Request-ID",
                        "Idempotent-Replayed"],
        max_age=600,
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(MetricsMiddleware)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    return app
