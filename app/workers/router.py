from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal, Role
from app.common.deps import SessionDep, SettingsDep, require
from app.common.etag import etag_of
from app.common.pagination import Page, PageParams, page_of, page_params
from app.common.privacy import mask_phone
from app.common.schemas import IdPath
from app.reference.skills import skill_view, unrecognised
from app.workers import service
from app.workers.models import Worker
from app.workers.schemas import WorkerCreate, WorkerOut, WorkerPatch

router = APIRouter(prefix="/v1/workers", tags=["workers"])


def _age(birth_date: date, today: date) -> int:
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


async def worker_out(session: AsyncSession, principal: Principal, worker: Worker) -> WorkerOut:
    full = service.manages(principal, worker)
    phone_visible = await service.can_see_phone(session, principal, worker)
    # Others see what staffing needs: skills, area, age. Not the birth date, the exact home,
    # or the target groups (脱贫, 低保 …), which are nobody's business but the bureau's.
    coarse = 3 if full else 2
    return WorkerOut(
        id=worker.id, name=worker.name,
        phone=worker.phone if phone_visible else mask_phone(worker.phone),
        phone_masked=not phone_visible,
        age=_age(worker.birth_date, date.today()),
        birth_date=worker.birth_date if full else None,
        gender=worker.gender,
        skills=[
            {**skill_view(s.raw, s.skill_code, s.similarity), "years": s.years,
             "source": s.source}
            for s in worker.skills
        ],
        unrecognised_skills=unrecognised(worker.skills),
        certificates=worker.certificates,
        home_location={
            "lat": round(worker.home_lat, coarse), "lng": round(worker.home_lng, coarse),
            "district_code": worker.district_code,
        },
        max_travel_km=worker.max_travel_km, availability=worker.availability,
        available_from_date=worker.available_from_date,
        available_until_date=worker.available_until_date,
        min_wage=(
            {"amount": worker.min_wage_amount, "unit": worker.min_wage_unit}
            if worker.min_wage_amount is not None else None
        ),
        target_groups=worker.target_groups if full else [],
        hukou_chongqing=worker.hukou_chongqing if full else None,
        registered_unemployed_date=worker.registered_unemployed_date if full else None,
        graduation_date=worker.graduation_date if full else None,
        occupation=worker.occupation, occupation_code=worker.occupation_code,
        status=worker.status, registered_by_market_id=worker.registered_by_market_id,
        created_at=worker.created_at, updated_at=worker.updated_at,
    )


async def _single(
    session: AsyncSession, principal: Principal, response: Response, worker: Worker
) -> WorkerOut:
    response.headers["ETag"] = etag_of(worker.id, worker.version)
    return await worker_out(session, principal, worker)


@router.post(
    "", status_code=201, response_model=WorkerOut,
    operation_id="workers_create", summary="Register a worker",
)
async def create_worker(
    body: WorkerCreate, session: SessionDep, settings: SettingsDep, response: Response,
    principal: Principal = require("workers:write"),
) -> WorkerOut:
    """Registers a worker profile; ID number and phone are stored exactly and shown masked.

    Callers: admin, any market, any worker. Refuses: employers, inspectors and partners (403); a
    duplicate ID number (409); an invalid ID number, phone or district (422).
    """
    worker = await service.create_worker(session, principal, body, settings)
    if principal.role is Role.worker:  # the key was bound to this profile just now
        principal = replace(principal, subject_id=worker.id)
    response.headers["Location"] = f"/v1/workers/{worker.id}"
    return await _single(session, principal, response, worker)


@router.get(
    "", response_model=Page[WorkerOut],
    operation_id="workers_list", summary="List workers",
)
async def list_workers(
    session: SessionDep,
    page: Annotated[PageParams, Depends(page_params)],
    status: Literal["active", "inactive"] | None = None,
    district_code: Annotated[str | None, Query(max_length=6)] = None,
    principal: Principal = require("workers:read"),
) -> Page[WorkerOut]:
    """Workers the caller may see: a worker key sees itself, a market its registrations; phones and
    ID numbers masked.

    Callers: admin, any market, any worker. Refuses: employers, inspectors and partners (403).
    """
    rows = await service.list_workers(
        session, principal, limit=page.limit, after_id=page.after_id, status=status,
        district_code=district_code,
    )
    rows, cursor = page_of(rows, page)
    return Page(items=[await worker_out(session, principal, w) for w in rows], next_cursor=cursor)


@router.get(
    "/{worker_id}", response_model=WorkerOut,
    operation_id="workers_get", summary="Get a worker",
)
async def get_worker(
    worker_id: IdPath, session: SessionDep, response: Response,
    principal: Principal = require("workers:read"),
) -> WorkerOut:
    """One worker (masked for employers); the answer carries an ETag for If-Match.

    Callers: admin, any employer, the market concerned, the worker concerned. Refuses: workers
    the caller may not see (404); inspectors and partners (403).
    """
    worker = await service.get_worker(session, principal, worker_id)
    return await _single(session, principal, response, worker)


@router.patch(
    "/{worker_id}", response_model=WorkerOut,
    operation_id="workers_update", summary="Update a worker",
)
async def patch_worker(
    worker_id: IdPath, body: WorkerPatch, session: SessionDep, settings: SettingsDep,
    response: Response, if_match: Annotated[str | None, Header()] = None,
    principal: Principal = require("workers:write"),
) -> WorkerOut:
    """Merge-patches the profile; send If-Match with the ETag you read.

    Callers: admin, the market concerned, the worker concerned. Refuses: others' workers (404);
    employers, inspectors, partners (403); a stale If-Match (412); invalid fields (422).
    """
    worker = await service.patch_worker(session, principal, worker_id, body, if_match, settings)
    return await _single(session, principal, response, worker)


@router.post(
    "/{worker_id}/deactivate", response_model=WorkerOut,
    operation_id="workers_deactivate", summary="Deactivate a worker",
)
async def deactivate_worker(
    worker_id: IdPath, session: SessionDep, response: Response,
    principal: Principal = require("workers:write"),
) -> WorkerOut:
    """Hides the worker from matching; pending applications are withdrawn.

    Callers: admin, the market concerned, the worker concerned. Refuses: others' workers (404);
    employers, inspectors, partners (403); already inactive (409).
    """
    worker = await service.set_worker_status(session, principal, worker_id, "inactive")
    return await _single(session, principal, response, worker)


@router.post(
    "/{worker_id}/reactivate", response_model=WorkerOut,
    operation_id="workers_reactivate", summary="Reactivate a worker",
)
async def reactivate_worker(
    worker_id: IdPath, session: SessionDep, response: Response,
    principal: Principal = require("workers:write"),
) -> WorkerOut:
    """Makes a deactivated worker matchable again.

    Callers: admin, the market concerned, the worker concerned. Refuses: others' workers (404);
    employers, inspectors, partners (403); already active (409).
    """
    worker = await service.set_worker_status(session, principal, worker_id, "active")
    return await _single(session, principal, response, worker)
