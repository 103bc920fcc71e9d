from __future__ import annotations

from pydantic import BaseModel


class SkillOut(BaseModel):
    code: str
    name: str
    category: str
    synonyms: list[str]
    certificates: list[str]
    similarity: float | None = None


class DistrictOut(BaseModel):
    code: str
    name: str
    kind: str
    lat: float
    lng: float
    area_group: str


class SkillPage(BaseModel):
    items: list[SkillOut]
    next_cursor: str | None = None


class DistrictPage(BaseModel):
    items: list[DistrictOut]
    next_cursor: str | None = None


class SubsidyJobTypeOut(BaseModel):
    name: str
    skills: list[str]
    categories: list[str]
    employment_forms: list[str]


class SubsidyJobTypePage(BaseModel):
    items: list[SubsidyJobTypeOut]
    next_cursor: str | None = None
