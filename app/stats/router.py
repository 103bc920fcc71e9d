from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from app.auth.principal import Principal
from app.common.clock import NowDep
from app.common.csvout import FormatQuery, csv_response, wants_csv
from app.common.deps import SessionDep, require
from app.common.schemas import IdQuery
from app.engagements.pay import shanghai_date
from app.stats import export, service
from app.stats.schemas import EmploymentType, Filters, OverviewOut, TimeseriesOut

router = APIRouter(prefix="/v1/stats", tags=["statistics"])
_CSV = {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}


class CsvResponse(Response):
    media_type = "text/csv"


# The CSV twins below exist for generated clients, which pick one media type per status:
# `GET /overview?format=csv` stays for browsers and scripts.
_CSV_ONLY = {200: {"description": "CSV (UTF-8 with BOM)",
                   "content": {"text/csv": {"schema": {"type": "string"}}}}}
DEFAULT_DAYS = 30


def _filters(
    now: NowDep,
    from_date: Annotated[date | None, Query(
        ge=date(2000, 1, 1), le=date(2100, 12, 31),
        description="First day (Asia/Shanghai); default 30 days before to_date")] = None,
    to_date: Annotated[date | None, Query(
        ge=date(2000, 1, 1), le=date(2100, 12, 31),
        description="Last day, inclusive; default today")] = None,
    district_code: Annotated[str | None, Query(max_length=6)] = None,
    skill: Annotated[str | None, Query(max_length=60, description="Skill code")] = None,
    employment_type: EmploymentType | None = None,
    market_id: IdQuery = None,
) -> Filters:
    to_date = to_date or shanghai_date(now)
    return Filters(
        from_date=from_date or to_date - timedelta(days=DEFAULT_DAYS - 1), to_date=to_date,
        district_code=district_code, skill=skill, employment_type=employment_type,
        market_id=market_id,
    )


FiltersDep = Annotated[Filters, Depends(_filters)]


@router.get(
    "/overview", response_model=OverviewOut, responses=_CSV,
    operation_id="stats_overview_get", summary="Market overview (JSON or CSV)",
)
async def overview(
    request: Request, session: SessionDep, filters: FiltersDep, format: FormatQuery = None,
    principal: Principal = require("stats:read"),
):
    """The market at a glance; CSV (metric, key, value rows) with ?format=csv.

    Callers: admin, any market, inspectors. Refuses: employers, partners and workers (403); bad
    dates (422).
    """
    out = await service.overview(session, principal, filters)
    if wants_csv(request, format):
        return csv_response(("metric", "key", "value"), export.overview_rows(out),
                            f"stats-overview-{out.filters.from_date}-{out.filters.to_date}.csv")
    return out


@router.get(
    "/timeseries", response_model=TimeseriesOut, responses=_CSV,
    operation_id="stats_timeseries_get", summary="Time series (JSON or CSV)",
)
async def timeseries(
    request: Request, session: SessionDep, filters: FiltersDep,
    interval: Literal["day", "week"] = "day", format: FormatQuery = None,
    principal: Principal = require("stats:read"),
):
    """Figures per Shanghai day or ISO week (Monday start); CSV one row per bucket.

    Callers: admin, any market, inspectors. Refuses: employers, partners and workers (403); a
    range too long or bad dates (422).
    """
    out = await service.timeseries(session, principal, filters, interval)
    if wants_csv(request, format):
        return csv_response(export.TIMESERIES_HEADER, export.timeseries_rows(out),
                            f"stats-{interval}-{out.filters.from_date}-{out.filters.to_date}.csv")
    return out


@router.get(
    "/overview.csv", response_class=CsvResponse, responses=_CSV_ONLY,
    operation_id="stats_overview_csv", summary="Market overview as CSV",
)
async def overview_csv(
    session: SessionDep, filters: FiltersDep, principal: Principal = require("stats:read"),
) -> Response:
    """The overview as CSV rows (metric, key, value).

    Callers: admin, any market, inspectors. Refuses: employers, partners and workers (403); bad
    dates (422).
    """
    out = await service.overview(session, principal, filters)
    return csv_response(("metric", "key", "value"), export.overview_rows(out),
                        f"stats-overview-{out.filters.from_date}-{out.filters.to_date}.csv")


@router.get(
    "/timeseries.csv", response_class=CsvResponse, responses=_CSV_ONLY,
    operation_id="stats_timeseries_csv", summary="Time series as CSV",
)
async def timeseries_csv(
    session: SessionDep, filters: FiltersDep, interval: Literal["day", "week"] = "day",
    principal: Principal = require("stats:read"),
) -> Response:
    """The time series as CSV, one row per bucket.

    Callers: admin, any market, inspectors. Refuses: employers, partners and workers (403); a
    range too long or bad dates (422).
    """
    out = await service.timeseries(session, principal, filters, interval)
    return csv_response(export.TIMESERIES_HEADER, export.timeseries_rows(out),
                        f"stats-{interval}-{out.filters.from_date}-{out.filters.to_date}.csv")
