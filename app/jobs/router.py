from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response

from app.auth.principal import Principal, Role
from app.common.clock import NowDep
from app.common.deps import SessionDep, SettingsDep, require
from app.common.etag import etag_of
from app.common.pagination import Page, PageParams, page_of, page_params
from app.common.problems import Unprocessable
from app.common.schemas import AwareDatetime, IdPath, IdQuery
from app.engagements import service as engagements_service
from app.jobs import service
from app.jobs.models import Job
from app.jobs.schemas import EmploymentType, JobCreate, JobOut, JobPatch, JobStatus, ReviewIn
from app.reference.skills import skill_view, unrecognised
from app.reference.taxonomy import taxonomy

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


def job_out(job: Job) -> JobOut:
    return JobOut(
        id=job.id, employer_id=job.employer_id, title=job.title, description=job.description,
        employment_type=job.employment_type,
        skills=[skill_view(s.raw, s.skill_code, s.similarity) for s in job.skills],
        unrecognised_skills=unrecognised(job.skills),
        headcount=job.headcount,
        location={"lat": job.lat, "lng": job.lng, "address": job.address,
                  "district_code": job.district_code},
        radius_km=job.radius_km, starts_at=job.starts_at, ends_at=job.ends_at,
        shifts=job.shifts,
        wage={"amount": job.wage_amount, "unit": job.wage_unit,
              "settlement": job.wage_settlement},
        requirements={"gender": job.req_gender, "min_age": job.req_min_age,
                      "max_age": job.req_max_age, "certificates": job.req_certificates},
        urgent=job.urgent, injury_protection=job.injury_protection,
        agreement_required=job.agreement_required,
        on_behalf_of_employer_id=job.on_behalf_of_employer_id,
        subcontract_chain=job.subcontract_chain, subcontract_flagged=job.subcontract_flagged,
        suspension_reason=job.suspension_reason, source=job.source, external_id=job.external_id, status=job.status,
        review_note=job.review_note, registered_by_market_id=job.registered_by_market_id,
        published_at=job.published_at, created_at=job.created_at, updated_at=job.updated_at,
    )


def _single(response: Response, job: Job) -> JobOut:
    response.headers["ETag"] = etag_of(job.id, job.version)
    return job_out(job)


def _bad_param(name: str, detail: str) -> Unprocessable:
    return Unprocessable(
        f"{name}: {detail}", errors=[{"parameter": name, "in": "query", "detail": detail}]
    )


def _parse_near(near: str | None) -> tuple[float, float] | None:
    if near is None:
        return None
    try:
        lat_text, lng_text = near.split(",")
        lat, lng = float(lat_text), float(lng_text)
    except ValueError as exc:
        raise _bad_param("near", "expected 'lat,lng', e.g. near=29.56,106.55") from exc
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise _bad_param("near", "coordinates out of range")
    return lat, lng


def _skill_code(skill: str | None, threshold: float) -> str | None:
    if skill is None:
        return None
    if skill in taxonomy().by_code:
        return skill
    match = taxonomy().normalise(skill, threshold)
    if match.skill is None:
        raise _bad_param("skill", "matches no skill in the taxonomy (see GET /v1/skills?q=)")
    return match.skill.code


@router.post(
    "", status_code=201, response_model=JobOut,
    operation_id="jobs_create", summary="Post a job",
)
async def create_job(
    body: JobCreate,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    principal: Principal = require("jobs:write", Role.employer, Role.market),
) -> JobOut:
    """Creates a posting; it waits for a market's review unless the employer is verified.

    Callers: admin, any employer, any market. Refuses: inspectors, partners and workers (403);
    an employer not visible to the caller (422); invalid dates, wages or headcount (422).
    """
    job = await service.create_job(session, principal, body, settings)
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return _single(response, job)


@router.get("", response_model=Page[JobOut], operation_id="jobs_list", summary="Search jobs")
async def list_jobs(
    session: SessionDep,
    settings: SettingsDep,
    page: Annotated[PageParams, Depends(page_params)],
    status: JobStatus | None = None,
    district_code: Annotated[str | None, Query(max_length=6)] = None,
    skill: Annotated[str | None, Query(max_length=60, description="Skill code or text")] = None,
    employment_type: EmploymentType | None = None,
    urgent: bool | None = None,
    employer_id: IdQuery = None,
    near: Annotated[str | None, Query(max_length=50, description="lat,lng")] = None,
    radius_km: Annotated[float | None, Query(gt=0, le=200)] = None,
    starts_after: AwareDatetime | None = None,
    starts_before: AwareDatetime | None = None,
    principal: Principal = require("jobs:read"),
) -> Page[JobOut]:
    """Open postings by district, skill, date and wage; employers and admins also see their
    unapproved ones.

    Callers: any API key. bad filters (422).
    """
    filters = service.JobFilters(
        status=status, district_code=district_code,
        skill_code=_skill_code(skill, settings.skill_match_threshold),
        employment_type=employment_type, urgent=urgent, employer_id=employer_id,
        near=_parse_near(near), radius_km=radius_km, starts_after=starts_after,
        starts_before=starts_before,
    )
    rows = await service.list_jobs(
        session, principal, filters, limit=page.limit, after_id=page.after_id
    )
    rows, cursor = page_of(rows, page)
    return Page(items=[job_out(j) for j in rows], next_cursor=cursor)


@router.get("/{job_id}", response_model=JobOut, operation_id="jobs_get", summary="Get a job")
async def get_job(
    job_id: IdPath, session: SessionDep, response: Response,
    principal: Principal = require("jobs:read"),
) -> JobOut:
    """One posting; the answer carries an ETag for If-Match.

    Callers: any API key. Refuses: an unknown job or one not visible to the caller (404).
    """
    return _single(response, await service.get_job(session, principal, job_id))


@router.patch(
    "/{job_id}", response_model=JobOut,
    operation_id="jobs_update", summary="Update a job",
)
async def patch_job(
    job_id: IdPath,
    body: JobPatch,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
    principal: Principal = require("jobs:write", Role.employer, Role.market),
) -> JobOut:
    """Merge-patches an open posting; send If-Match with the ETag you read.

    Callers: admin, the employer concerned. Refuses: another employer's job (404); other roles
    (403); a stale If-Match (412); a closed job or a headcount below the hires (409).
    """
    job = await service.patch_job(session, principal, job_id, body, if_match, settings)
    return _single(response, job)


@router.post(
    "/{job_id}/close", response_model=JobOut,
    operation_id="jobs_close", summary="Close a job",
)
async def close_job(
    job_id: IdPath, session: SessionDep, response: Response,
    principal: Principal = require("jobs:write", Role.employer, Role.market),
) -> JobOut:
    """Stops taking applications; the hires already made stay.

    Callers: admin, the employer concerned. Refuses: another employer's job (404); other roles
    (403); a job already closed or cancelled (409).
    """
    return _single(response, await service.close_job(session, principal, job_id))


@router.post(
    "/{job_id}/cancel", response_model=JobOut,
    operation_id="jobs_cancel", summary="Cancel a job",
)
async def cancel_job(
    job_id: IdPath, session: SessionDep, response: Response,
    settings: SettingsDep, now: NowDep,
    principal: Principal = require("jobs:write", Role.employer, Role.market),
) -> JobOut:
    """Cancels the posting and the hires that have not started (each an
    `engagement.cancelled` by the employer, late inside the notice period). 409
    `job-work-started` once anyone has checked in: close the job instead.

    Callers: admin, the employer concerned. Refuses: another employer's job (404); other roles
    (403); a job already closed or cancelled (409).
    """
    job = await engagements_service.cancel_job(session, principal, job_id, settings, now)
    return _single(response, job)


@router.post(
    "/{job_id}/review", response_model=JobOut,
    operation_id="jobs_review", summary="Approve or reject a job",
)
async def review_job(
    job_id: IdPath, body: ReviewIn, session: SessionDep, response: Response,
    principal: Principal = require("jobs:review", Role.market),
) -> JobOut:
    """A market reviews a posting in its districts before it is published.

    Callers: admin, the market concerned. Refuses: jobs outside the market's area (404); other
    roles (403); a job already reviewed (409).
    """
    return _single(response, await service.review_job(session, principal, job_id, body))
