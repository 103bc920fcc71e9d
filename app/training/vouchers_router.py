"""HTTP for 满天星 vouchers and their yearly programme."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response

from app.auth.principal import Principal, Role
from app.common.clock import NowDep
from app.common.deps import SessionDep, require
from app.common.etag import etag_of
from app.common.pagination import Page, PageParams, page_of, page_params
from app.common.problems import NotFound
from app.common.schemas import IdPath, IdQuery
from app.training import vouchers
from app.training.models import Voucher, VoucherProgramme
from app.training.schemas import (
    VoucherCancelIn,
    VoucherIssueIn,
    VoucherOut,
    VoucherProgrammeIn,
    VoucherProgrammeOut,
    VoucherRedeemIn,
)

router = APIRouter(prefix="/v1/training", tags=["training"])
YearPath = Annotated[int, Path(ge=2000, le=2100)]


def programme_out(row: VoucherProgramme) -> VoucherProgrammeOut:
    return VoucherProgrammeOut(year=row.year, quota=row.quota, issued_count=row.issued_count,
                               remaining=max(row.quota - row.issued_count, 0),
                               rules=vouchers.rules_of(row), version=row.version)


def voucher_out(row: Voucher, now) -> VoucherOut:
    data = VoucherOut.model_validate(row, from_attributes=True)
    data.status = vouchers.effective_status(row, now)
    return data


@router.put("/voucher-programmes/{year}", response_model=VoucherProgrammeOut,
            operation_id="voucher_programmes_put", summary="Set a year's voucher quota and rules")
async def put_programme(
    year: YearPath, body: VoucherProgrammeIn, session: SessionDep, response: Response,
    principal: Principal = require("training:admin", Role.admin),
) -> VoucherProgrammeOut:
    """Admins only; creates or replaces the year's programme. The quota defaults to 10 000
    and may not drop below the vouchers already issued (422).

    Callers: admin. Refuses: employers, markets, workers, institutions, inspectors, partners
    (403); no key (401).
    """
    row, _created = await vouchers.put_programme(session, principal, year, body)
    response.headers["ETag"] = etag_of(row.id, row.version)
    return programme_out(row)


@router.get("/voucher-programmes/{year}", response_model=VoucherProgrammeOut,
            operation_id="voucher_programmes_get", summary="Read a year's voucher programme")
async def get_programme(
    year: YearPath, session: SessionDep,
    principal: Principal = require("training:read"),
) -> VoucherProgrammeOut:
    """Every training reader; a year nobody has set or issued for is 404.

    Callers: admin, any market, any worker, any institution, inspectors. Refuses: employers,
    partners (403); no key (401).
    """
    row = await vouchers.get_programme(session, year)
    if row is None:
        raise NotFound(f"no voucher programme for {year}")
    return programme_out(row)


@router.post("/vouchers", status_code=201, response_model=VoucherOut,
             operation_id="vouchers_issue", summary="Issue a voucher")
async def issue(
    body: VoucherIssueIn, session: SessionDep, response: Response, now: NowDep,
    principal: Principal = require("training:read", Role.market, Role.worker),
) -> VoucherOut:
    """Admins to anyone, a market to a worker it registered, a worker to itself. Refused when
    the worker does not meet the year's rules or already holds its vouchers (409
    voucher-not-eligible) or the quota is used up (409 voucher-quota-exhausted).

    Callers: admin, the market concerned, the worker concerned. Refuses: employers, another
    market, another worker, institutions, inspectors, partners (403); no key (401).
    """
    row = await vouchers.issue(session, principal, body.worker_id, body.year, now)
    response.headers["Location"] = f"{router.prefix}/vouchers/{row.id}"
    return voucher_out(row, now)


@router.get("/vouchers", response_model=Page[VoucherOut], operation_id="vouchers_list",
            summary="List vouchers")
async def list_vouchers(
    session: SessionDep, now: NowDep, page: Annotated[PageParams, Depends(page_params)],
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None, worker_id: IdQuery = None,
    status: Annotated[Literal["issued", "redeemed", "expired", "cancelled"] | None,
                      Query()] = None,
    principal: Principal = require("training:read"),
) -> Page[VoucherOut]:
    """A worker its own, a market those it issued or its workers', admins and inspectors
    all; institutions are refused.

    Callers: admin, any market, any worker, inspectors. Refuses: employers, institutions,
    partners (403); no key (401).
    """
    rows = await vouchers.list_vouchers(session, principal, limit=page.limit,
                                        after_id=page.after_id, year=year, worker_id=worker_id,
                                        status=status, now=now)
    rows, cursor = page_of(rows, page)
    return Page(items=[voucher_out(r, now) for r in rows], next_cursor=cursor)


@router.get("/vouchers/{voucher_id}", response_model=VoucherOut, operation_id="vouchers_get",
            summary="Read a voucher")
async def get_voucher(
    voucher_id: IdPath, session: SessionDep, now: NowDep,
    principal: Principal = require("training:read"),
) -> VoucherOut:
    """Those who may list it; anyone else gets 404.

    Callers: admin, the market concerned, the worker concerned, inspectors. Refuses: employers,
    institutions, partners (403); another market, another worker (404: they cannot tell it
    exists); no key (401).
    """
    return voucher_out(await vouchers.get_voucher(session, principal, voucher_id), now)


@router.post("/vouchers/{voucher_id}/redeem", response_model=VoucherOut,
             operation_id="vouchers_redeem", summary="Redeem a voucher on a course")
async def redeem(
    voucher_id: IdPath, body: VoucherRedeemIn, session: SessionDep, now: NowDep,
    principal: Principal = require("training:enrol", Role.worker),
) -> VoucherOut:
    """The voucher's worker (or an admin): enrols the worker on an online digital-skills
    course of a voucher-listed institution. A used, expired or cancelled voucher is 409
    voucher-unusable; a course that takes no vouchers is 409.

    Callers: admin, the worker concerned. Refuses: employers, markets, institutions, inspectors,
    partners (403); another worker (404: they cannot tell it exists); no key (401).
    """
    return voucher_out(await vouchers.redeem(session, principal, voucher_id, body.course_id, now),
                       now)


@router.post("/vouchers/{voucher_id}/cancel", response_model=VoucherOut,
             operation_id="vouchers_cancel", summary="Cancel a voucher")
async def cancel(
    voucher_id: IdPath, body: VoucherCancelIn, session: SessionDep, now: NowDep,
    principal: Principal = require("training:write", Role.market),
) -> VoucherOut:
    """Admins and the issuing market; only an unredeemed voucher. Frees its quota place.

    Callers: admin, the market concerned. Refuses: employers, workers, institutions, inspectors,
    partners (403); another market (404: they cannot tell it exists); no key (401).
    """
    return voucher_out(await vouchers.cancel(session, principal, voucher_id, body.reason, now),
                       now)


@router.post("/vouchers/{voucher_id}/reissue", status_code=201, response_model=VoucherOut,
             operation_id="vouchers_reissue", summary="Re-issue a cancelled or expired voucher")
async def reissue(
    voucher_id: IdPath, session: SessionDep, response: Response, now: NowDep,
    principal: Principal = require("training:write", Role.market),
) -> VoucherOut:
    """Admins and the issuing market; the rules and quota apply as for a new voucher.

    Callers: admin, the market concerned. Refuses: employers, workers, institutions, inspectors,
    partners (403); another market (404: they cannot tell it exists); no key (401).
    """
    row = await vouchers.reissue(session, principal, voucher_id, now)
    response.headers["Location"] = f"{router.prefix}/vouchers/{row.id}"
    return voucher_out(row, now)
