from __future__ import annotations

from fastapi import APIRouter, Response

from app.auth.principal import Principal, Role
from app.common.deps import SessionDep, SettingsDep, require
from app.common.etag import etag_of
from app.common.pagination import Page
from app.common.schemas import IdPath
from app.jobs.router import job_out
from app.jobs.schemas import JobOut
from app.partners import service
from app.partners.schemas import ExternalIdPath, GrantIn, GrantOut, PartnerJobIn, SourcePath

router = APIRouter(prefix="/v1/partners", tags=["partners"])
Partner = require("jobs:write", Role.partner)


@router.put(
    "/{source}/jobs/{external_id}", response_model=JobOut,
    responses={201: {"model": JobOut, "description": "Created"}},
    operation_id="partner_jobs_upsert", summary="Create or update a partner job",
)
async def put_partner_job(
    source: SourcePath, external_id: ExternalIdPath, body: PartnerJobIn, session: SessionDep,
    settings: SettingsDep, response: Response, principal: Principal = Partner,
) -> JobOut:
    """Creates (201) or updates (200) the posting with this external id. The same payload
    again changes nothing and emits no event. Screening applies: a rejected posting answers
    422 with `reason`; a duplicate of an open posting 409.

    Callers: admin, partners. Refuses: other roles (403); an employer that has not granted the
    partner (403); invalid fields (422).
    """
    job, created = await service.put_job(session, principal, source, external_id, body, settings)
    if created:
        response.status_code = 201
        response.headers["Location"] = f"/v1/jobs/{job.id}"
    response.headers["ETag"] = etag_of(job.id, job.version)
    return job_out(job)


@router.delete(
    "/{source}/jobs/{external_id}", status_code=204,
    operation_id="partner_jobs_delete", summary="Withdraw a partner job",
)
async def delete_partner_job(
    source: SourcePath, external_id: ExternalIdPath, session: SessionDep,
    principal: Principal = Partner,
) -> Response:
    """Closes the posting (cancels it if still under review). Repeating it is harmless.

    Callers: admin, partners. Refuses: other roles (403); a partner key for another source
    (403); an unknown external id (404).
    """
    await service.close_job(session, principal, source, external_id)
    return Response(status_code=204)


def _grant_out(grant) -> GrantOut:
    return GrantOut.model_validate(grant, from_attributes=True)


@router.post(
    "/{source}/grants", status_code=201, response_model=GrantOut,
    operation_id="partner_grants_create", summary="Grant a partner",
)
async def create_grant(
    source: SourcePath, body: GrantIn, session: SessionDep, response: Response,
    principal: Principal = require("partners:grant", Role.employer),
) -> GrantOut:
    """Lets a partner key post for an employer under this source (admin, or the employer for
    itself). A source belongs to one partner key. Granting again returns the grant (200).

    Callers: admin, the employer concerned. Refuses: another employer (403); markets,
    inspectors, partners, workers (403); an unknown source (422).
    """
    grant, created = await service.create_grant(session, principal, source, body)
    if not created:
        response.status_code = 200
    return _grant_out(grant)


@router.get(
    "/{source}/grants", response_model=Page[GrantOut],
    operation_id="partner_grants_list", summary="List partner grants",
)
async def list_grants(
    source: SourcePath, session: SessionDep, principal: Principal = require("jobs:read"),
) -> Page[GrantOut]:
    """Employers that let this partner post for them (one page: `next_cursor` is null).

    Callers: admin, any employer, partners. Refuses: markets, inspectors and workers (403); a
    partner key for another source (403).
    """
    return Page(items=[_grant_out(g) for g in await service.list_grants(session, principal, source)])


@router.delete(
    "/{source}/grants/{employer_id}", status_code=204,
    operation_id="partner_grants_delete", summary="Revoke a partner grant",
)
async def delete_grant(
    source: SourcePath, employer_id: IdPath, session: SessionDep,
    principal: Principal = require("partners:grant", Role.employer),
) -> Response:
    """The employer stops letting the partner post for it.

    Callers: admin, the employer concerned. Refuses: another employer's grant (404); other roles
    (403).
    """
    await service.delete_grant(session, principal, source, employer_id)
    return Response(status_code=204)
