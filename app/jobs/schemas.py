from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from app.common.schemas import AwareDatetime, DistrictCode, Id, StrictModel
from app.common.text import Text

EmploymentType = Literal["part_time", "temporary", "seasonal"]
WageUnit = Literal["hour", "day", "piece", "month"]
Settlement = Literal["daily", "weekly", "monthly", "on_completion"]
JobStatus = Literal["pending_review", "open", "filled", "closed", "expired", "cancelled", "rejected",
                    "suspended"]
Gender = Literal["male", "female"]

MAX_FEN = 100_000_000  # one million yuan per unit: anything above is a typo


class Wage(StrictModel):
    amount: int = Field(gt=0, le=MAX_FEN, description="Integer fen (分) per unit")
    unit: WageUnit
    settlement: Settlement


class JobLocation(StrictModel):
    lat: float = Field(ge=28.0, le=32.5, description="WGS-84 latitude, within Chongqing")
    lng: float = Field(ge=105.0, le=110.5, description="WGS-84 longitude, within Chongqing")
    address: Text(200)
    district_code: DistrictCode | None = Field(
        default=None, description="区县 code; inferred from the coordinates when omitted"
    )


class Shift(StrictModel):
    starts_at: AwareDatetime
    ends_at: AwareDatetime

    @field_validator("ends_at")
    @classmethod
    def _ordered(cls, value: datetime, info: ValidationInfo) -> datetime:
        return check_ends_at(value, info)


class Requirements(StrictModel):
    gender: Gender | None = None
    min_age: int | None = Field(default=None, ge=16, le=75)
    max_age: int | None = Field(default=None, ge=16, le=75)
    certificates: list[Text(60)] = Field(default_factory=list, max_length=10)

    @field_validator("max_age")
    @classmethod
    def _ages(cls, value: int | None, info: ValidationInfo) -> int | None:
        low = info.data.get("min_age")
        if value is not None and low is not None and value < low:
            raise ValueError("max_age must not be below min_age")
        return value


class OnBehalfOf(StrictModel):
    employer_id: Id = Field(description="The end client the work is for")
    via_employer_ids: list[Id] = Field(
        default_factory=list, max_length=10,
        description="Employers between the client and the poster, client side first; any "
        "entry here makes the posting a second-hand one, flagged as 层层转包",
    )


class JobCreate(StrictModel):
    employer_id: Id | None = Field(
        default=None, description="Required for admins and markets; an employer key posts as itself"
    )
    title: Text(120)
    description: Text(5000, min_length=0) = ""
    employment_type: EmploymentType
    skills: list[Text(60)] = Field(min_length=1, max_length=10)
    headcount: int = Field(ge=1, le=1000)
    location: JobLocation
    radius_km: float | None = Field(default=None, gt=0, le=200)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    shifts: list[Shift] = Field(default_factory=list, max_length=200)
    wage: Wage
    requirements: Requirements = Field(default_factory=Requirements)
    urgent: bool = False
    injury_protection: bool = Field(
        default=False,
        description="What the posting advertises about injury cover; each hire's own cover is "
        "recorded on the engagement (PUT /v1/engagements/{id}/protection)",
    )
    agreement_required: bool = Field(
        default=False, description="Hires must sign a written agreement before checking in"
    )
    on_behalf_of: OnBehalfOf | None = Field(
        default=None, description="Posted for another employer (an agency's client)"
    )

    @field_validator("ends_at")
    @classmethod
    def _ends(cls, value: datetime, info: ValidationInfo) -> datetime:
        value = check_ends_at(value, info)
        starts_at = info.data.get("starts_at")
        if starts_at is not None and (value - starts_at).days > 366:
            raise ValueError("a posting spans at most a year; post seasonal work again")
        return value

    @field_validator("shifts")
    @classmethod
    def _shifts(cls, value: list[Shift], info: ValidationInfo) -> list[Shift]:
        starts_at, ends_at = info.data.get("starts_at"), info.data.get("ends_at")
        if starts_at is not None and ends_at is not None:
            check_shifts(value, starts_at, ends_at)
        return value


def check_ends_at(value: datetime, info: ValidationInfo) -> datetime:
    starts_at = info.data.get("starts_at")
    if starts_at is not None and value <= starts_at:
        raise ValueError("must be after starts_at")
    return value


def check_shifts(shifts: list[Shift], starts_at: datetime, ends_at: datetime) -> None:
    ordered = sorted(shifts, key=lambda s: s.starts_at)
    for shift in ordered:
        if shift.starts_at < starts_at or shift.ends_at > ends_at:
            raise ValueError("every shift must lie between the job's starts_at and ends_at")
    for a, b in pairwise(ordered):
        if b.starts_at < a.ends_at:
            raise ValueError("shifts must not overlap")


class JobPatch(StrictModel):
    title: Text(120) | None = None
    description: Text(5000, min_length=0) | None = None
    skills: list[Text(60)] | None = Field(default=None, min_length=1, max_length=10)
    headcount: int | None = Field(default=None, ge=1, le=1000)
    location: JobLocation | None = None
    radius_km: float | None = Field(default=None, gt=0, le=200)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    shifts: list[Shift] | None = Field(default=None, max_length=200)
    wage: Wage | None = None
    requirements: Requirements | None = None
    urgent: bool | None = None
    injury_protection: bool | None = None


class ReviewIn(StrictModel):
    decision: Literal["approve", "reject"]
    note: Text(500, min_length=0) | None = None


class JobSkillOut(BaseModel):
    raw: str
    skill_code: str | None
    skill_name: str | None
    similarity: float


class JobLocationOut(BaseModel):
    lat: float
    lng: float
    address: str
    district_code: str


class JobWage(BaseModel):
    amount: int
    unit: WageUnit
    settlement: Settlement


class RequirementsOut(BaseModel):
    gender: Gender | None
    min_age: int | None
    max_age: int | None
    certificates: list[str]


class ShiftOut(BaseModel):
    starts_at: datetime
    ends_at: datetime


class JobOut(BaseModel):
    id: int
    employer_id: int
    title: str
    description: str
    employment_type: EmploymentType
    skills: list[JobSkillOut]
    unrecognised_skills: list[str] = Field(
        description="Skill entries outside the taxonomy (they match only the same text): "
        "ask the person what they meant"
    )
    headcount: int
    location: JobLocationOut
    radius_km: float | None
    starts_at: datetime
    ends_at: datetime
    shifts: list[ShiftOut]
    wage: JobWage
    requirements: RequirementsOut
    urgent: bool
    injury_protection: bool
    agreement_required: bool
    on_behalf_of_employer_id: int | None
    subcontract_chain: list[int] | None
    subcontract_flagged: bool
    suspension_reason: str | None
    source: str | None
    external_id: str | None
    status: JobStatus
    review_note: str | None
    registered_by_market_id: int | None
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
