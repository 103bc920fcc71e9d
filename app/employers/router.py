from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Response

from app.auth.principal import Principal, Role
from app.common.deps import SessionDep, SettingsDep, require
from app.common.etag import etag_of
from app.common.pagination import Page, PageParams, page_of, page_params
from app.common.privacy import mask_phone
from app.common.schemas import IdPath
from app.employers import service
from app.employers.models import Employer
from app.employers.schemas import EmployerCreate, EmployerOut, EmployerPatch, VerificationIn

router = APIRouter(prefix="/v1/employers", tags=["employers"])


def employer_out(employer: Employer, principal: Principal) -> EmployerOut:
    out = EmployerOut.model_validate(employer, from_attributes=True)
    if not service.can_edit_employer(principal, employer) and principal.role.value != "market":
        out.contact_phone = mask_phone(out.contact_phone)
    return out


@router.post(
    "", status_code=201, response_model=EmployerOut,
    operation_id="employers_create", summary="Register an employer",
)
async def create_employer(
    body: EmployerCreate,
    session: SessionDep,
    response: Response,
    principal: Principal = require("employers:write", Role.market),
) -> EmployerOut:
    """Registers an employer; the unified social credit code is checked and must be unique.

    Callers: admin, any market. Refuses: employers, inspectors, partners and workers (403); a
    duplicate credit code (409); an invalid credit code or phone (422).
    """
    employer = await service.create_employer(session, principal, body)
    response.headers["Location"] = f"/v1/employers/{employer.id}"
    response.headers["ETag"] = etag_of(employer.id, employer.version)
    return employer_out(employer, principal)


@router.get(
    "", response_model=Page[EmployerOut],
    operation_id="employers_list", summary="List employers",
)
async def list_employers(
    session: SessionDep,
    page: Annotated[PageParams, Depends(page_params)],
    verification_status: Annotated[
        Literal["unverified", "verified", "rejected"] | None, Query()
    ] = None,
    principal: Principal = require("employers:read"),
) -> Page[EmployerOut]:
    """Employers the caller may see; an employer key sees only its own.

    Callers: admin, any employer, any market, inspectors. Refuses: partners and workers (403).
    """
    rows = await service.list_employers(
        session, principal, limit=page.limit, after_id=page.after_id,
        verification_status=verification_status,
    )
    rows, cursor = page_of(rows, page)
    return Page(items=[employer_out(e, principal) for e in rows], next_cursor=cursor)


@router.get(
    "/{employer_id}", response_model=EmployerOut,
    operation_id="employers_get", summary="Get an employer",
)
async def get_employer(
    employer_id: IdPath,
    session: SessionDep,
    response: Response,
    principal: Principal = require("employers:read"),
) -> EmployerOut:
    """One employer; the answer carries an ETag for If-Match.

    Callers: admin, the employer concerned, any market, inspectors. Refuses: another employer
    (404 for employer keys); partners and workers (403).
    """
    employer = await service.get_employer(session, principal, employer_id)
    response.headers["ETag"] = etag_of(employer.id, employer.version)
    return employer_out(employer, principal)


@router.patch(
    "/{employer_id}", response_model=EmployerOut,
    operation_id="employers_update", summary="Update an employer",
)
async def patch_employer(
    employer_id: IdPath,
    body: EmployerPatch,
    session: SessionDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
    principal: Principal = require("employers:write"),
) -> EmployerOut:
    """Merge-patches the employer's contact details; send If-Match with the ETag you read.

    Callers: admin, the employer concerned. Refuses: another employer (404); other roles (403);
    a stale If-Match (412); an invalid field (422).
    """
    employer = await service.patch_employer(session, principal, employer_id, body, if_match)
    response.headers["ETag"] = etag_of(employer.id, employer.version)
    return employer_out(employer, principal)


@router.post(
    "/{employer_id}/verification", response_model=EmployerOut,
    operation_id="employer_verification_create", summary="Verify or reject an employer",
)
async def verify_employer(
    employer_id: IdPath,
    body: VerificationIn,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    principal: Principal = require("employers:verify"),
) -> EmployerOut:
    """A market records the outcome of checking the employer's licence. Its postings waiting
    in review follow the decision: on `verified` each is screened again (fees, minimum wage,
    duplicates) and published, or rejected with the screening reason in `review_note`; on
    `rejected` each is rejected.

    Callers: admin, any market. Refuses: employers, inspectors, partners and workers (403); an
    employer already verified (409).
    """
    employer = await service.verify_employer(session, principal, employer_id, body, settings)
    response.headers["ETag"] = etag_of(employer.id, employer.version)
    return employer_out(employer, principal)
