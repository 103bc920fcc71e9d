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
from app.reference.skills import skill_view
from app.reference.taxonomy import taxonomy

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


def job_out(job: Job) -> JobOut:
    return JobOut(
        id=job.id, employer_id=job.employer_id, title=job.title, description=job.description,
        employment_type=job.employment_type,
        skills=[skill_view(s.raw, s.skill_code, s.similarity) for s in job.skills],
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


@router.post("", status_code=201, response_model=JobOut)
async def create_job(
    body: JobCreate,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    principal: Principal = require("jobs:write", Role.employer, Role.market),
) -> JobOut:
    job = await service.create_job(session, principal, body, settings)
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return _single(response, job)


@router.get("", response_model=Page[JobOut])
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


@router.get("/{job_id}", response_model=JobOut)
async def get_job(
    job_id: IdPath, session: SessionDep, response: Response,
    principal: Principal = require("jobs:read"),
) -> JobOut:
    return _single(response, await service.get_job(session, principal, job_id))


@router.patch("/{job_id}", response_model=JobOut)
async def patch_job(
    job_id: IdPath,
    body: JobPatch,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
    principal: Principal = require("jobs:write", Role.employer, Role.market),
) -> JobOut:
    job = await service.patch_job(session, principal, job_id, body, if_match, settings)
    return _single(response, job)


@router.post("/{job_id}/close", response_model=JobOut)
async def close_job(
    job_id: IdPath, session: SessionDep, response: Response,
    principal: Principal = require("jobs:write", Role.employer, Role.market),
) -> JobOut:
    return _single(response, await service.close_job(session, principal, job_id))


@router.post("/{job_id}/cancel", response_model=JobOut)
async def cancel_job(
    job_id: IdPath, session: SessionDep, response: Response,
    settings: SettingsDep, now: NowDep,
    principal: Principal = require("jobs:write", Role.employer, Role.market),
) -> JobOut:
    """Cancels the posting and the hires that have not started (each an
    `engagement.cancelled` by the employer, late inside the notice period). 409
    `job-work-started` once anyone has checked in: close the job instead."""
    job = await engagements_service.cancel_job(session, principal, job_id, settings, now)
    return _single(response, job)


@router.post("/{job_id}/review", response_model=JobOut)
async def review_job(
    job_id: IdPath, body: ReviewIn, session: SessionDep, response: Response,
    principal: Principal = require("jobs:review", Role.market),
) -> JobOut:
    return _single(response, await service.review_job(session, principal, job_id, body))
