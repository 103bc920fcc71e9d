from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from fastapi.responses import JSONResponse

from app.auth.principal import Principal, Role
from app.common.clock import NowDep
from app.common.csvout import FormatQuery, csv_response, wants_csv
from app.common.deps import SessionDep, SettingsDep, require
from app.common.etag import etag_of
from app.common.pagination import Page, PageParams, page_of, page_params
from app.engagements.pay import shanghai_date
from app.subsidies import parameters, service
from app.subsidies.models import SubsidyParameters
from app.subsidies.schemas import (
    AssessmentIn,
    BatchIn,
    BatchOut,
    ParametersIn,
    ParametersOut,
    ParametersPatch,
    SubsidyAssessmentOut,
)

router = APIRouter(prefix="/v1/subsidies/flexible-employment", tags=["subsidies"])
YearPath = Annotated[int, Path(ge=2000, le=2100)]
_CSV = {"text/csv": {"schema": {"type": "string"}}}
BATCH_PATH = f"{router.prefix}/assessments/batch"  # allowed a larger body (app/main.py)


def _params_out(response: Response, row: SubsidyParameters) -> ParametersOut:
    response.headers["ETag"] = etag_of(row.id, row.version)
    return ParametersOut.model_validate(row, from_attributes=True)


@router.post(
    "/assessments", response_model=SubsidyAssessmentOut,
    operation_id="subsidy_assessments_create", summary="Assess subsidy eligibility",
)
async def assess(
    body: AssessmentIn, session: SessionDep, settings: SettingsDep, now: NowDep,
    principal: Principal = require("subsidies:assess", Role.market, Role.worker),
) -> SubsidyAssessmentOut:
    """One worker (by id: the profile and engagements supply the facts) or inline facts.

    Callers: admin, the market concerned, the worker concerned. Refuses: another market's or
    worker's worker (404); employers, inspectors, partners (403); no parameters for the year
    (422).
    """
    as_of = body.as_of_date or shanghai_date(now)
    (result,) = await service.assess_items(session, principal, settings, as_of, [body])
    return SubsidyAssessmentOut.model_validate(result)


@router.post("/assessments/batch", response_model=BatchOut,
             responses={200: {"content": _CSV}}, operation_id="subsidy_assessments_batch", summary="Assess subsidy eligibility in bulk")
async def assess_batch(
    body: BatchIn, request: Request, session: SessionDep, settings: SettingsDep, now: NowDep,
    format: FormatQuery = None,
    principal: Principal = require("subsidies:assess", Role.market),
):
    """Up to 10 000 workers; CSV (one row per worker) with Accept: text/csv or ?format=csv.

    Callers: admin, the market concerned. Refuses: every role but admin and market (403); more
    than 10 000 workers or workers outside the market (422).
    """
    as_of = body.as_of_date or shanghai_date(now)
    items = await service.assess_items(session, principal, settings, as_of, body.items, "/items")
    if wants_csv(request, format):
        return csv_response(service.CSV_HEADER, service.csv_rows(items),
                            f"subsidy-assessments-{as_of}.csv")
    # Built as plain data and sent as is: validating 10 000 results again would double the time.
    return JSONResponse(service.batch_out(as_of, items))


@router.post(
    "/parameters", status_code=201, response_model=ParametersOut,
    operation_id="subsidy_parameters_create", summary="Set a year's subsidy parameters",
)
async def create_parameters(
    body: ParametersIn, session: SessionDep, response: Response,
    principal: Principal = require("subsidies:admin", Role.admin),
) -> ParametersOut:
    """Records the parameters for a year.

    Callers: admin. Refuses: every role but admin (403); a year already set (409); inconsistent
    amounts (422).
    """
    row = await parameters.create_parameters(session, principal, body)
    response.headers["Location"] = f"{router.prefix}/parameters/{row.year}"
    return _params_out(response, row)


@router.get(
    "/parameters", response_model=Page[ParametersOut],
    operation_id="subsidy_parameters_list", summary="List subsidy parameters",
)
async def list_parameters(
    session: SessionDep, page: Annotated[PageParams, Depends(page_params)],
    principal: Principal = require("subsidies:assess"),
) -> Page[ParametersOut]:
    """The yearly parameters (contribution base, rates, caps), newest first.

    Callers: admin, any market, any worker. Refuses: employers, inspectors and partners (403).
    """
    rows = await parameters.list_parameters(session, limit=page.limit, after_id=page.after_id)
    rows, cursor = page_of(rows, page)
    return Page(items=[ParametersOut.model_validate(r, from_attributes=True) for r in rows],
                next_cursor=cursor)


@router.get(
    "/parameters/{year}", response_model=ParametersOut,
    operation_id="subsidy_parameters_get", summary="Get a year's subsidy parameters",
)
async def get_parameters(
    year: YearPath, session: SessionDep, response: Response,
    principal: Principal = require("subsidies:assess"),
) -> ParametersOut:
    """One year's parameters; the answer carries an ETag for If-Match.

    Callers: admin, any market, any worker. Refuses: employers, inspectors and partners (403);
    an unknown year (404).
    """
    return _params_out(response, await parameters.get_parameters(session, year))


@router.patch(
    "/parameters/{year}", response_model=ParametersOut,
    operation_id="subsidy_parameters_update", summary="Update a year's subsidy parameters",
)
async def patch_parameters(
    year: YearPath, body: ParametersPatch, session: SessionDep, response: Response,
    if_match: Annotated[str | None, Header(max_length=200)] = None,
    principal: Principal = require("subsidies:admin", Role.admin),
) -> ParametersOut:
    """Merge-patches a year's parameters; send If-Match with the ETag you read.

    Callers: admin. Refuses: every role but admin (403); an unknown year (404); a stale If-Match
    (412).
    """
    row = await parameters.patch_parameters(session, principal, year, body, if_match)
    return _params_out(response, row)


@router.delete(
    "/parameters/{year}", status_code=204,
    operation_id="subsidy_parameters_delete", summary="Delete a year's subsidy parameters",
)
async def delete_parameters(
    year: YearPath, session: SessionDep,
    principal: Principal = require("subsidies:admin", Role.admin),
) -> Response:
    """Removes a year's parameters that no assessment has used yet.

    Callers: admin. Refuses: every role but admin (403); an unknown year (404); a year already
    used (409).
    """
    await parameters.delete_parameters(session, year)
    return Response(status_code=204)
