"""HTTP for the "3+" catalogues, courses and enrolments (rules live in the services)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import BaseModel

from app.auth.principal import Principal, Role
from app.common.deps import SessionDep, require
from app.common.etag import etag_of
from app.common.pagination import Page, PageParams, page_of, page_params
from app.common.schemas import IdPath, IdQuery
from app.reference.taxonomy import taxonomy
from app.training import catalogues, courses
from app.training.catalogues import INSTITUTIONS, SHORTAGE_TRADES, SUBSIDY_RATES, Catalogue
from app.training.models import Course, Enrolment
from app.training.schemas import (
    CatalogueHistoryOut,
    CompletionIn,
    CourseAttendanceIn,
    CourseIn,
    CourseOut,
    CoursePatch,
    EnrolmentIn,
    EnrolmentOut,
    InstitutionIn,
    InstitutionOut,
    InstitutionPatch,
    ShortageTradeIn,
    ShortageTradeOut,
    ShortageTradePatch,
    SubsidyRateIn,
    SubsidyRateOut,
    SubsidyRatePatch,
)

router = APIRouter(prefix="/v1/training", tags=["training"])
IfMatch = Annotated[str | None, Header(max_length=200)]
StatusQuery = Annotated[Literal["proposed", "published", "retired"] | None, Query()]


def _shortage_out(row) -> ShortageTradeOut:
    skill = taxonomy().by_code.get(row.skill_code)
    return ShortageTradeOut.model_validate(
        {**catalogues.snapshot(row), "created_at": row.created_at, "updated_at": row.updated_at,
         "published_at": row.published_at, "skill_name": skill.name if skill else row.skill_code})


def _plain_out(model: type[BaseModel]):
    return lambda row: model.model_validate(row, from_attributes=True)


def _catalogue_routes(cat: Catalogue, body_in: type[BaseModel], body_patch: type[BaseModel],
                      out: type[BaseModel], to_out, prefix: str, filters: dict) -> None:
    """The six operations of one catalogue: list, create/propose, read, change, publish and
    history."""
    path = f"/{cat.name}"
    noun = cat.noun

    async def list_(session: SessionDep, page: Annotated[PageParams, Depends(page_params)],
                    status: StatusQuery = None,
                    principal: Principal = require("training:read")):
        """Callers: admin, any market, any worker, any institution, inspectors. Refuses: employers,
        partners (403); no key (401).
        """
        rows = await catalogues.list_entries(session, principal, cat, limit=page.limit,
                                             after_id=page.after_id, status=status)
        rows, cursor = page_of(rows, page)
        return Page(items=[to_out(r) for r in rows], next_cursor=cursor)

    list_.__doc__ = ("Every training reader (admins, markets, inspectors, workers, "
                     "institutions); proposals only to admins, inspectors and the proposing "
                     "market. Employers and partners are refused.")

    async def create(body: body_in, session: SessionDep, response: Response,
                     principal: Principal = require("training:write", Role.market)):
        """Callers: admin, any market. Refuses: employers, workers, institutions, inspectors,
        partners (403); no key (401).
        """
        row = await catalogues.create_entry(session, principal, cat, body)
        response.headers["Location"] = f"{router.prefix}{path}/{row.id}"
        response.headers["ETag"] = etag_of(row.id, row.version)
        return to_out(row)

    create.__doc__ = (f"Admins add a published {noun}; a market proposes one (status proposed) "
                      f"for an admin to publish. Other roles are refused; a duplicate is 409.")

    async def read(entry_id: IdPath, session: SessionDep, response: Response,
                   principal: Principal = require("training:read")):
        """A published entry is open to every holder of `training:read`; a proposal only to
        admins, inspectors and the market that proposed it (the case below).

        Callers: admin, the market concerned, inspectors. Refuses: employers, partners (403);
        another market, workers, institutions (404: they cannot tell it exists); no key (401).
        """
        row = await catalogues.get_entry(session, principal, cat, entry_id)
        response.headers["ETag"] = etag_of(row.id, row.version)
        return to_out(row)

    read.__doc__ = "Training readers; another market's proposal is 404."

    async def patch(entry_id: IdPath, body: body_patch, session: SessionDep, response: Response,
                    if_match: IfMatch = None,
                    principal: Principal = require("training:write", Role.market)):
        """Callers: admin, the market concerned. Refuses: employers, workers, institutions,
        inspectors, partners (403); another market (404: they cannot tell it exists); no key
        (401).
        """
        row = await catalogues.patch_entry(session, principal, cat, entry_id, body, if_match)
        response.headers["ETag"] = etag_of(row.id, row.version)
        return to_out(row)

    patch.__doc__ = (f"Admins change or retire (status retired) any {noun}; a market only its "
                     f"own proposal before it is published. Honours If-Match (412).")

    async def publish(entry_id: IdPath, session: SessionDep, response: Response,
                      principal: Principal = require("training:admin", Role.admin)):
        """Callers: admin. Refuses: employers, markets, workers, institutions, inspectors, partners
        (403); no key (401).
        """
        row = await catalogues.publish_entry(session, principal, cat, entry_id)
        response.headers["ETag"] = etag_of(row.id, row.version)
        return to_out(row)

    publish.__doc__ = f"Admins only; a {noun} that is not a proposal is 409."

    async def history(entry_id: IdPath, session: SessionDep,
                      principal: Principal = require("training:read")):
        """Callers: admin, the market concerned, inspectors. Refuses: employers, partners (403);
        another market, workers, institutions (404: they cannot tell it exists); no key (401).
        """
        rows = await catalogues.entry_history(session, principal, cat, entry_id)
        return Page(items=[CatalogueHistoryOut.model_validate(r, from_attributes=True)
                           for r in rows])

    history.__doc__ = "Every version of the entry, oldest first; who may read the entry."

    # Annotations are strings here (postponed evaluation): give FastAPI the real body models.
    create.__annotations__["body"] = body_in
    patch.__annotations__["body"] = body_patch
    item = f"{path}/{{entry_id}}"
    router.add_api_route(path, list_, methods=["GET"], response_model=Page[out],
                         operation_id=f"{prefix}_list", summary=f"List the {noun} catalogue")
    router.add_api_route(path, create, methods=["POST"], status_code=201, response_model=out,
                         operation_id=f"{prefix}_create", summary=f"Add or propose a {noun}")
    router.add_api_route(item, read, methods=["GET"], response_model=out,
                         operation_id=f"{prefix}_get", summary=f"Read a {noun}")
    router.add_api_route(item, patch, methods=["PATCH"], response_model=out,
                         operation_id=f"{prefix}_update", summary=f"Change a {noun}")
    router.add_api_route(f"{item}/publish", publish, methods=["POST"], response_model=out,
                         operation_id=f"{prefix}_publish", summary=f"Publish a proposed {noun}")
    router.add_api_route(f"{item}/history", history, methods=["GET"],
                         response_model=Page[CatalogueHistoryOut],
                         operation_id=f"{prefix}_history", summary=f"History of a {noun}")


_catalogue_routes(SHORTAGE_TRADES, ShortageTradeIn, ShortageTradePatch, ShortageTradeOut,
                  _shortage_out, "shortage_trades", {})
_catalogue_routes(INSTITUTIONS, InstitutionIn, InstitutionPatch, InstitutionOut,
                  _plain_out(InstitutionOut), "institutions", {})
_catalogue_routes(SUBSIDY_RATES, SubsidyRateIn, SubsidyRatePatch, SubsidyRateOut,
                  _plain_out(SubsidyRateOut), "subsidy_rates", {})


# -- courses -----------------------------------------------------------------------------------

async def course_out(session, rows: list[Course]) -> list[CourseOut]:
    counts = await courses.enrolled_counts(session, [c.id for c in rows])
    out = []
    for c in rows:
        subsidy = await catalogues.subsidy_for(session, c.subsidy_level, c.starts_on_date.year)
        out.append(CourseOut.model_validate(
            {**{k: getattr(c, k) for k in CourseOut.model_fields
                if k not in ("enrolled", "subsidy_fen")},
             "enrolled": counts.get(c.id, 0), "subsidy_fen": subsidy}))
    return out


@router.post("/courses", status_code=201, response_model=CourseOut,
             operation_id="courses_create", summary="Create a course")
async def create_course(
    body: CourseIn, session: SessionDep, response: Response,
    principal: Principal = require("training:courses", Role.institution),
) -> CourseOut:
    """An institution for itself (a published catalogue entry) or an admin naming the
    institution. Other roles are refused.

    Callers: admin, any institution. Refuses: employers, markets, workers, inspectors, partners
    (403); no key (401).
    """
    course = await courses.create_course(session, principal, body)
    response.headers["Location"] = f"{router.prefix}/courses/{course.id}"
    response.headers["ETag"] = etag_of(course.id, course.version)
    return (await course_out(session, [course]))[0]


@router.get("/courses", response_model=Page[CourseOut], operation_id="courses_list",
            summary="List courses")
async def list_courses(
    session: SessionDep, page: Annotated[PageParams, Depends(page_params)],
    institution_id: IdQuery = None,
    skill_code: Annotated[str | None, Query(max_length=60)] = None,
    delivery: Annotated[Literal["online", "offline"] | None, Query()] = None,
    status: Annotated[Literal["open", "closed"] | None, Query()] = None,
    principal: Principal = require("training:read"),
) -> Page[CourseOut]:
    """Every training reader; employers and partners are refused.

    Callers: admin, any market, any worker, any institution, inspectors. Refuses: employers,
    partners (403); no key (401).
    """
    rows = await courses.list_courses(session, limit=page.limit, after_id=page.after_id,
                                      institution_id=institution_id, skill_code=skill_code,
                                      delivery=delivery, status=status)
    rows, cursor = page_of(rows, page)
    return Page(items=await course_out(session, rows), next_cursor=cursor)


@router.get("/courses/{course_id}", response_model=CourseOut, operation_id="courses_get",
            summary="Read a course")
async def get_course(
    course_id: IdPath, session: SessionDep, response: Response,
    principal: Principal = require("training:read"),
) -> CourseOut:
    """Every training reader.

    Callers: admin, any market, any worker, any institution, inspectors. Refuses: employers,
    partners (403); no key (401).
    """
    course = await courses.get_course(session, course_id)
    response.headers["ETag"] = etag_of(course.id, course.version)
    return (await course_out(session, [course]))[0]


@router.patch("/courses/{course_id}", response_model=CourseOut, operation_id="courses_update",
              summary="Change a course")
async def patch_course(
    course_id: IdPath, body: CoursePatch, session: SessionDep, response: Response,
    if_match: IfMatch = None,
    principal: Principal = require("training:courses", Role.institution),
) -> CourseOut:
    """The course's institution or an admin; another institution's course is 404.

    Callers: admin, the institution concerned. Refuses: employers, markets, workers, inspectors,
    partners (403); another institution (404: they cannot tell it exists); no key (401).
    """
    course = await courses.patch_course(session, principal, course_id, body, if_match)
    response.headers["ETag"] = etag_of(course.id, course.version)
    return (await course_out(session, [course]))[0]


# -- enrolments --------------------------------------------------------------------------------

def enrolment_out(row: Enrolment) -> EnrolmentOut:
    return EnrolmentOut.model_validate(row, from_attributes=True)


@router.post("/courses/{course_id}/enrolments", status_code=201, response_model=EnrolmentOut,
             operation_id="enrolments_create", summary="Enrol on a course")
async def enrol(
    course_id: IdPath, body: EnrolmentIn, session: SessionDep,
    principal: Principal = require("training:enrol", Role.worker, Role.market),
) -> EnrolmentOut:
    """A worker enrols itself; a market registers a worker it registered (a trainee); admins
    anyone. Full (409 course-full), closed (409) and repeated (409) enrolments are refused.

    Callers: admin, the market concerned, any worker. Refuses: employers, another market,
    institutions, inspectors, partners (403); no key (401).
    """
    return enrolment_out(await courses.apply(session, principal, course_id, body.worker_id))


@router.get("/enrolments", response_model=Page[EnrolmentOut], operation_id="enrolments_list",
            summary="List enrolments")
async def list_enrolments(
    session: SessionDep, page: Annotated[PageParams, Depends(page_params)],
    course_id: IdQuery = None, worker_id: IdQuery = None,
    status: Annotated[Literal["applied", "confirmed", "completed"] | None, Query()] = None,
    principal: Principal = require("training:read"),
) -> Page[EnrolmentOut]:
    """A worker its own, a market its trainees', an institution its courses', admins and
    inspectors all.

    Callers: admin, any market, any worker, any institution, inspectors. Refuses: employers,
    partners (403); no key (401).
    """
    rows = await courses.list_enrolments(session, principal, limit=page.limit,
                                         after_id=page.after_id, course_id=course_id,
                                         worker_id=worker_id, status=status)
    rows, cursor = page_of(rows, page)
    return Page(items=[enrolment_out(r) for r in rows], next_cursor=cursor)


@router.get("/enrolments/{enrolment_id}", response_model=EnrolmentOut,
            operation_id="enrolments_get", summary="Read an enrolment")
async def get_enrolment(
    enrolment_id: IdPath, session: SessionDep,
    principal: Principal = require("training:read"),
) -> EnrolmentOut:
    """Those who may list it; anyone else gets 404.

    Callers: admin, the market concerned, the worker concerned, the institution concerned,
    inspectors. Refuses: employers, partners (403); another market, another worker, another
    institution (404: they cannot tell it exists); no key (401).
    """
    return enrolment_out(await courses.get_enrolment(session, principal, enrolment_id))


@router.post("/enrolments/{enrolment_id}/confirm", response_model=EnrolmentOut,
             operation_id="enrolments_confirm", summary="Confirm an enrolment")
async def confirm(
    enrolment_id: IdPath, session: SessionDep,
    principal: Principal = require("training:courses", Role.institution),
) -> EnrolmentOut:
    """The course's institution or an admin; only an applied enrolment (409 otherwise).

    Callers: admin, the institution concerned. Refuses: employers, markets, workers, inspectors,
    partners (403); another institution (404: they cannot tell it exists); no key (401).
    """
    return enrolment_out(await courses.confirm(session, principal, enrolment_id))


@router.post("/enrolments/{enrolment_id}/attendance", response_model=EnrolmentOut,
             operation_id="enrolments_attendance", summary="Record attended hours")
async def attendance(
    enrolment_id: IdPath, body: CourseAttendanceIn, session: SessionDep,
    principal: Principal = require("training:courses", Role.institution),
) -> EnrolmentOut:
    """The course's institution or an admin, on a confirmed enrolment; never beyond the
    course's hours (422).

    Callers: admin, the institution concerned. Refuses: employers, markets, workers, inspectors,
    partners (403); another institution (404: they cannot tell it exists); no key (401).
    """
    return enrolment_out(await courses.attend(session, principal, enrolment_id, body.hours))


@router.post("/enrolments/{enrolment_id}/complete", response_model=EnrolmentOut,
             operation_id="enrolments_complete", summary="Complete and certify an enrolment")
async def complete(
    enrolment_id: IdPath, body: CompletionIn, session: SessionDep,
    principal: Principal = require("training:courses", Role.institution),
) -> EnrolmentOut:
    """The course's institution or an admin, once every hour is attended. Adds the course's
    skills and certificate to the worker's profile (matching uses them at once) and writes
    enrolment.completed.

    Callers: admin, the institution concerned. Refuses: employers, markets, workers, inspectors,
    partners (403); another institution (404: they cannot tell it exists); no key (401).
    """
    row = await courses.complete(session, principal, enrolment_id, body.certificate_no)
    return enrolment_out(row)
