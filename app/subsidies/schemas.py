"""Wire shapes for the flexible-employment subsidy."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator

from app.common.schemas import DateText, Id, StrictModel
from app.common.text import Text
from app.jobs.schemas import Gender
from app.subsidies.months import parse_month
from app.workers.schemas import TargetGroup


def _month(value: str) -> str:
    if not 2000 <= parse_month(value) // 12 <= 2100:
        raise ValueError("must be a month between 2000-01 and 2100-12")
    return value


def _plausible(value: date) -> date:
    # Month arithmetic on the date (a 2-year window, 3 months registered) must stay in range.
    if not date(1900, 1, 1) <= value <= date(2100, 12, 31):
        raise ValueError("must be between 1900-01-01 and 2100-12-31")
    return value


MonthText = Annotated[str, AfterValidator(_month)]
FactDate = Annotated[DateText, AfterValidator(_plausible)]
Fen = Annotated[int, Field(ge=0, le=100_000_000, description="Integer fen")]


class ParametersIn(StrictModel):
    year: int = Field(ge=2000, le=2100)
    pension_lowest_fen: int = Field(
        gt=0, le=10_000_000, description="Lowest-tier monthly employee pension contribution, fen"
    )
    medical_lowest_fen: int = Field(
        gt=0, le=10_000_000, description="Lowest-tier monthly employee medical contribution, fen"
    )
    eligible_job_types: list[Text(60)] = Field(
        min_length=1, max_length=300,
        description="Skill codes (transport.ride_hailing) or categories (家政服务)",
    )
    note: Text(500) | None = None


class ParametersPatch(StrictModel):
    pension_lowest_fen: int | None = Field(default=None, gt=0, le=10_000_000)
    medical_lowest_fen: int | None = Field(default=None, gt=0, le=10_000_000)
    eligible_job_types: list[Text(60)] | None = Field(default=None, min_length=1, max_length=300)
    note: Text(500) | None = None


class ParametersOut(BaseModel):
    id: int
    year: int
    pension_lowest_fen: int
    medical_lowest_fen: int
    eligible_job_types: list[str]
    note: str | None
    created_at: datetime
    updated_at: datetime


class ContributionIn(StrictModel):
    month: MonthText = Field(description="First month paid for, YYYY-MM")
    months: int = Field(default=1, ge=1, le=12, description="Months this payment covers")
    pension_paid_fen: Fen
    medical_paid_fen: Fen


class FactsIn(StrictModel):
    """A person who is not (or not yet) a GigMarket worker: the same facts, stated inline."""

    birth_date: FactDate
    gender: Gender
    target_groups: list[TargetGroup] = Field(default_factory=list, max_length=7)
    hukou_chongqing: bool | None = None
    registered_unemployed_date: FactDate | None = None
    graduation_date: FactDate | None = None
    job_types: list[Text(60)] = Field(
        default_factory=list, max_length=20,
        description="Skill codes, categories or free text (normalised to the taxonomy)",
    )


class AssessmentItem(StrictModel):
    worker_id: Id | None = None
    facts: FactsIn | None = None
    contributions: list[ContributionIn] = Field(default_factory=list, max_length=120)
    period_start_month: MonthText | None = Field(
        default=None, description="First month of the subsidy period; default the first month paid"
    )
    female_original_retirement_age: Literal[50, 55] = Field(
        default=55, description="Women's original statutory age: 55 for flexible employees "
        "insured as individuals, 50 for former female workers (女职工)",
    )

    @model_validator(mode="after")
    def _one_subject(self) -> AssessmentItem:
        if (self.worker_id is None) == (self.facts is None):
            raise ValueError("give exactly one of worker_id and facts")
        return self


AsOfDate = Annotated[FactDate, Field(description="Default: today (Shanghai)")]


class AssessmentIn(AssessmentItem):
    as_of_date: AsOfDate | None = None


class BatchIn(StrictModel):
    as_of_date: AsOfDate | None = None
    items: list[AssessmentItem] = Field(min_length=1, max_length=10_000)


class RuleOut(BaseModel):
    name: str
    passed: bool
    reason: str


class MonthOut(BaseModel):
    month: str
    parameter_year: int
    pension_paid_fen: int
    medical_paid_fen: int
    pension_counted_fen: int
    medical_counted_fen: int
    subsidy_fen: int
    note: Literal["subsidised", "not_eligible", "before_period", "after_period"]


class SubsidyAssessmentOut(BaseModel):
    worker_id: int | None
    as_of_date: date
    eligible: bool
    qualifying_group: str | None
    qualifying_groups: list[str]
    rules: list[RuleOut]
    job_types: list[str]
    parameter_year: int = Field(description="Year whose eligible job types were applied")
    parameter_years: list[int] = Field(description="Every year whose parameters were used")
    statutory_retirement_month: str
    statutory_retirement_age: str
    period_start_month: str
    period_end_month: str
    period_months: int
    retirement_extension: bool
    months_remaining: int
    months: list[MonthOut]
    total_subsidy_fen: int


class BatchSummary(BaseModel):
    assessed: int
    eligible: int
    total_subsidy_fen: int


class BatchOut(BaseModel):
    as_of_date: date
    summary: BatchSummary
    items: list[SubsidyAssessmentOut]
