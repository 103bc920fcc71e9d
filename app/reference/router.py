from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from app.common.deps import PrincipalDep
from app.common.problems import NotFound
from app.reference.schemas import (
    DistrictOut,
    DistrictPage,
    SkillOut,
    SkillPage,
    SubsidyJobTypeOut,
    SubsidyJobTypePage,
)
from app.reference.subsidy_job_types import policy_job_types
from app.reference.taxonomy import Skill, districts, taxonomy

router = APIRouter(prefix="/v1", tags=["reference"])


def _skill_out(skill: Skill, similarity: float | None = None) -> SkillOut:
    return SkillOut(**asdict(skill), similarity=similarity)


@router.get("/skills", response_model=SkillPage, operation_id="skills_list", summary="List skills")
async def list_skills(
    _principal: PrincipalDep,
    q: Annotated[str | None, Query(min_length=1, max_length=60, description="Fuzzy search")] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 500,
) -> SkillPage:
    """The whole taxonomy (a few hundred rows, one page), or the best fuzzy matches for `q`.

    Callers: any API key.
    """
    if q is not None:
        hits = taxonomy().search(q, limit)
        items = [_skill_out(s, score) for s, score in hits if not category or s.category == category]
    else:
        items = [
            _skill_out(s) for s in sorted(taxonomy().skills, key=lambda s: s.code)
            if not category or s.category == category
        ][:limit]
    return SkillPage(items=items)


@router.get(
    "/skills/{code}", response_model=SkillOut,
    operation_id="skills_get", summary="Get a skill",
)
async def get_skill(code: str, _principal: PrincipalDep) -> SkillOut:
    """One skill of the taxonomy.

    Callers: any API key. Refuses: an unknown code (404).
    """
    skill = taxonomy().by_code.get(code)
    if skill is None:
        raise NotFound(f"no skill with code {code}")
    return _skill_out(skill)


@router.get(
    "/districts", response_model=DistrictPage,
    operation_id="districts_list", summary="List districts",
)
async def list_districts(_principal: PrincipalDep) -> DistrictPage:
    """Chongqing's 38 区县 with administrative codes and centroids (one page).

    Callers: any API key.
    """
    return DistrictPage(items=[DistrictOut(**asdict(d)) for d in districts().values()])


@router.get(
    "/districts/{code}", response_model=DistrictOut,
    operation_id="districts_get", summary="Get a district",
)
async def get_district(code: str, _principal: PrincipalDep) -> DistrictOut:
    """One 区县 by its administrative code.

    Callers: any API key. Refuses: an unknown code (404).
    """
    district = districts().get(code)
    if district is None:
        raise NotFound(f"no district with code {code}")
    return DistrictOut(**asdict(district))


@router.get(
    "/subsidy-job-types", response_model=SubsidyJobTypePage,
    operation_id="subsidy_job_types_list", summary="Job types of policy measure 五",
)
async def list_subsidy_job_types(_principal: PrincipalDep) -> SubsidyJobTypePage:
    """Any key. The job types policy measure 五 names, in its own words, each with the skills,
    skill categories or employment forms that count as doing it (one page). Subsidy
    parameters accept these names as they are written. Refuses nothing but a missing key.

    Callers: admin, any employer, any market, any worker, any institution, inspectors, partners.
    Refuses: no key (401).
    """
    return SubsidyJobTypePage(items=[
        SubsidyJobTypeOut(name=t.name, skills=sorted(t.skills), categories=sorted(t.categories),
                          employment_forms=sorted(t.employment_forms))
        for t in policy_job_types().values()
    ])
