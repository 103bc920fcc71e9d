from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    ValidationInfo,
    field_validator,
)

from app.common.privacy import normalise_phone
from app.common.schemas import DateText, DistrictCode, StrictModel
from app.common.text import Name, Text, _nfkc
from app.jobs.schemas import Gender, WageUnit

Phone = Annotated[str, BeforeValidator(_nfkc), AfterValidator(normalise_phone)]
TargetGroup = Literal[
    "graduate",  # graduated within 2 years (高校毕业生)
    "poverty_alleviated",  # 脱贫人口
    "age_4050",  # 4050 people
    "dibao",  # 低保 family
    "zero_employment_family",  # 零就业家庭
    "disabled",  # 残疾人
    "veteran",  # 退役军人
]
_HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d|24:00")


def _hhmm(value: str) -> str:
    if not _HHMM.fullmatch(value):
        raise ValueError("expected HH:MM (24-hour clock, 24:00 allowed as an end)")
    return value


class AvailabilityWindow(StrictModel):
    """A weekly window in Asia/Shanghai time: weekday 1 = Monday … 7 = Sunday."""

    weekday: int = Field(ge=1, le=7)
    start: Annotated[str, AfterValidator(_hhmm)]
    end: Annotated[str, AfterValidator(_hhmm)]

    @field_validator("end")
    @classmethod
    def _after_start(cls, value: str, info: ValidationInfo) -> str:
        start = info.data.get("start")
        if start is not None and value <= start:
            raise ValueError("must be after start (split overnight windows at 24:00)")
        return value


class SkillIn(StrictModel):
    name: Text(60)
    years: float | None = Field(default=None, ge=0, le=60)


class HomeLocation(StrictModel):
    lat: float = Field(ge=28.0, le=32.5)
    lng: float = Field(ge=105.0, le=110.5)
    district_code: DistrictCode | None = None


class MinWage(StrictModel):
    amount: int = Field(gt=0, le=100_000_000, description="Integer fen per unit")
    unit: WageUnit


def _adult_birth_date(value: date) -> date:
    today = date.today()
    age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
    if age < 16:
        raise ValueError("workers must be at least 16 (the legal working age)")
    if age > 90:
        raise ValueError("not a plausible birth date")
    return value


BirthDate = Annotated[DateText, AfterValidator(_adult_birth_date)]


class WorkerCreate(StrictModel):
    name: Name
    phone: Phone
    birth_date: BirthDate
    gender: Gender
    skills: list[SkillIn] = Field(default_factory=list, max_length=20)
    certificates: list[Text(60)] = Field(default_factory=list, max_length=20)
    home_location: HomeLocation
    max_travel_km: float = Field(default=10.0, gt=0, le=200)
    availability: list[AvailabilityWindow] | None = Field(
        default=None, max_length=50, description="Weekly windows; null = available any time"
    )
    available_from_date: DateText | None = None
    available_until_date: DateText | None = None
    min_wage: MinWage | None = None
    target_groups: list[TargetGroup] = Field(default_factory=list, max_length=7)
    hukou_chongqing: bool | None = None
    registered_unemployed_date: DateText | None = None
    graduation_date: DateText | None = None
    occupation: Text(60) | None = Field(
        default=None, description="Declared occupation, e.g. 网约车司机 (a subsidy job type)"
    )

    @field_validator("available_until_date")
    @classmethod
    def _until(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("available_from_date")
        if value is not None and start is not None and value < start:
            raise ValueError("must not be before available_from_date")
        return value


class WorkerPatch(StrictModel):
    name: Name | None = None
    phone: Phone | None = None
    skills: list[SkillIn] | None = Field(default=None, max_length=20)
    certificates: list[Text(60)] | None = Field(default=None, max_length=20)
    home_location: HomeLocation | None = None
    max_travel_km: float | None = Field(default=None, gt=0, le=200)
    availability: list[AvailabilityWindow] | None = Field(default=None, max_length=50)
    available_from_date: DateText | None = None
    available_until_date: DateText | None = None
    min_wage: MinWage | None = None
    target_groups: list[TargetGroup] | None = Field(default=None, max_length=7)
    hukou_chongqing: bool | None = None
    registered_unemployed_date: DateText | None = None
    graduation_date: DateText | None = None
    occupation: Text(60) | None = None


class WorkerSkillOut(BaseModel):
    raw: str
    skill_code: str | None
    skill_name: str | None
    similarity: float
    years: float | None
    source: str | None = None


class HomeLocationOut(BaseModel):
    lat: float
    lng: float
    district_code: str | None


class WorkerOut(BaseModel):
    id: int
    name: str
    phone: str = Field(description="Masked (138****0000) unless the caller may see it")
    phone_masked: bool
    age: int
    birth_date: date | None = Field(description="Only to the worker, its market and admins")
    gender: Gender
    skills: list[WorkerSkillOut]
    unrecognised_skills: list[str] = Field(
        description="Skill entries outside the taxonomy (they match only the same text): "
        "ask the person what they meant"
    )
    certificates: list[str]
    home_location: HomeLocationOut
    max_travel_km: float
    availability: list[AvailabilityWindow] | None
    available_from_date: date | None
    available_until_date: date | None
    min_wage: MinWage | None
    target_groups: list[str]
    hukou_chongqing: bool | None
    registered_unemployed_date: date | None
    graduation_date: date | None
    occupation: str | None
    occupation_code: str | None
    status: Literal["active", "inactive"]
    registered_by_market_id: int | None
    created_at: datetime
    updated_at: datetime
