"""HTTP for training demand, wishes, per-worker recommendations and the target statistics."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from app.auth.principal import Principal, Role
from app.common.clock import NowDep
from app.common.csvout import FormatQuery, csv_response, wants_csv
from app.common.deps import SessionDep, SettingsDep, require
from app.common.pagination import Page, PageParams, page_of, page_params
from app.common.problems import field_error
from app.common.schemas import DistrictCode, IdPath
from app.engagements.pay import shanghai_date
from app.training import demand, stats
from app.training.router import course_out
from app.training.schemas import (
    DemandOut,
    DemandRowOut,
    RecommendationOut,
    RecommendationsOut,
    TrainingStatsOut,
    TrainingWishIn,
    TrainingWishOut,
)

router = APIRouter(prefix="/v1", tags=["training"])
_CSV = {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}


@router.get("/training/demand", response_model=DemandOut, operation_id="training_demand_get",
            summary="Skills ranked by unmet demand")
async def get_demand(
    session: SessionDep, now: NowDep,
    district_code: Annotated[DistrictCode | None, Query()] = None,
    from_date: Annotated[date | None, Query(description="YYYY-MM-DD, 2000–2100")] = None,
    to_date: Annotated[date | None, Query(description="YYYY-MM-DD, 2000–2100")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    principal: Principal = require("training:read"),
) -> DemandOut:
    """Every training reader (admins, markets, inspectors, institutions, workers). The period
    defaults to the 90 days up to today; from_date after to_date is 422.

    Callers: admin, any market, any worker, any institution, inspectors. Refuses: employers,
    partners (403); no key (401).
    """
    end = to_date or shanghai_date(now)
    start = from_date or end - timedelta(days=89)
    for name, value in (("from_date", start), ("to_date", end)):
        if not 2000 <= value.year <= 2100:
            raise field_error(f"/{name}", "must be a date in 2000–2100")
    if start > end:
        raise field_error("/from_date", "must not be after to_date")
    rows = await demand.demand(session, start=start, end=end, district_code=district_code,
                               limit=limit)
    return DemandOut(period_start_date=start, period_end_date=end, district_code=district_code,
                     items=[DemandRowOut(**r) for r in rows])


@router.post("/training/wishes", status_code=201, response_model=TrainingWishOut,
             operation_id="training_wishes_create", summary="Record a training wish")
async def create_wish(
    body: TrainingWishIn, session: SessionDep, settings: SettingsDep,
    principal: Principal = require("training:read", Role.worker, Role.market),
) -> TrainingWishOut:
    """A worker for itself; a market for people asking on site (or a worker it registered);
    admins. Other roles are refused.

    Callers: admin, any market, any worker. Refuses: employers, institutions, inspectors,
    partners (403); no key (401).
    """
    wish = await demand.record_wish(session, principal, body, settings)
    return TrainingWishOut.model_validate(wish, from_attributes=True)


@router.get("/training/wishes", response_model=Page[TrainingWishOut],
            operation_id="training_wishes_list", summary="List training wishes")
async def list_wishes(
    session: SessionDep, page: Annotated[PageParams, Depends(page_params)],
    principal: Principal = require("training:read"),
) -> Page[TrainingWishOut]:
    """A worker its own, a market those it recorded, admins and inspectors all; institutions
    see wishes only as aggregated demand (403).

    Callers: admin, any market, any worker, inspectors. Refuses: employers, institutions,
    partners (403); no key (401).
    """
    rows = await demand.list_wishes(session, principal, limit=page.limit, after_id=page.after_id)
    rows, cursor = page_of(rows, page)
    return Page(items=[TrainingWishOut.model_validate(r, from_attributes=True) for r in rows],
                next_cursor=cursor)


@router.get("/workers/{worker_id}/training-recommendations", response_model=RecommendationsOut,
            operation_id="worker_training_recommendations",
            summary="Courses ranked by the positions they would open up")
async def recommendations(
    worker_id: IdPath, session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    principal: Principal = require("training:read"),
) -> RecommendationsOut:
    """The worker, the market that registered it and admins; another worker's or market's is
    404. Each course counts the open positions within the worker's travel distance that the
    worker does not qualify for now and would after it (the matching rules' hard filters and
    every taxonomy skill the posting asks for).

    Callers: admin, the market concerned, the worker concerned. Refuses: employers,
    institutions, inspectors, partners (403); another market, another worker (404: they cannot
    tell it exists); no key (401).
    """
    worker, items = await demand.recommendations(session, principal, worker_id, limit)
    courses = await course_out(session, [i["course"] for i in items])
    return RecommendationsOut(worker_id=worker_id, items=[
        RecommendationOut(course=c, newly_qualified_jobs=len(i["job_ids"]), job_ids=i["job_ids"],
                          skills_gained=i["skills_gained"],
                          certificate_gained=i["certificate_gained"],
                          explanation=demand.explain(i, worker.max_travel_km))
        for c, i in zip(courses, items, strict=True)])


@router.get("/training/stats", response_model=TrainingStatsOut, responses=_CSV,
            operation_id="training_stats_get", summary="Training against the policy targets")
async def get_stats(
    request: Request, session: SessionDep, now: NowDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    group_by: Annotated[Literal["district", "trade", "institution"], Query()] = "district",
    format: FormatQuery = None,
    principal: Principal = require("training:stats", Role.inspector, Role.market),
):
    """Admins, inspectors and markets (city-wide figures, no personal data); others are
    refused. CSV with Accept: text/csv or ?format=csv.

    Callers: admin, any market, inspectors. Refuses: employers, workers, institutions, partners
    (403); no key (401).
    """
    result = await stats.training_stats(session, year or shanghai_date(now).year, group_by)
    if wants_csv(request, format):
        return csv_response(stats.CSV_HEADER, stats.csv_rows(result),
                            f"training-stats-{result['year']}-{group_by}.csv")
    return TrainingStatsOut.model_validate(result)
