"""Wire shapes of the training domain (names prefixed so they are unique across the app)."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, model_validator

from app.common.schemas import DateText, DistrictCode, Id, StrictModel
from app.common.text import Text
from app.employers.schemas import CreditCode
from app.workers.schemas import TargetGroup

CatalogueStatus = Literal["proposed", "published", "retired"]
Delivery = Literal["online", "offline"]
InstitutionDelivery = Literal["online", "offline", "both"]


def _known_skill(code: str) -> str:
    from app.reference.taxonomy import taxonomy

    if code not in taxonomy().by_code:
        raise ValueError("not a skill code of the taxonomy (see GET /v1/skills)")
    return code


SkillCode = Annotated[str, AfterValidator(_known_skill)]


def _no_controls(value: str) -> str:
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value):
        raise ValueError("must not contain control characters")
    return value


def Plain(max_length: int, min_length: int = 1):
    """Free text kept exactly as sent (full-width Chinese punctuation included), trimmed."""
    return Annotated[str, StringConstraints(max_length=max_length, min_length=min_length),
                     AfterValidator(_no_controls)]


FigureName = Annotated[str, StringConstraints(min_length=1, max_length=40)]
Figure = Annotated[int, Field(ge=0, le=1_000_000_000)]


class CatalogueMeta(BaseModel):
    status: CatalogueStatus
    proposed_by_market_id: int | None
    published_at: datetime | None
    note: str | None
    version: int
    created_at: datetime
    updated_at: datetime


# -- shortage trades (紧缺工种目录) --------------------------------------------------------------

class ShortageTradeIn(StrictModel):
    skill_code: SkillCode
    district_code: DistrictCode | None = Field(default=None, description="null = citywide")
    period_start_date: DateText
    period_end_date: DateText
    demand_figures: dict[FigureName, Figure] = Field(
        default_factory=dict, max_length=20,
        description="The figures that justify the entry, e.g. {\"open_positions\": 120}",
    )
    note: Plain(500) | None = None

    @model_validator(mode="after")
    def _period(self) -> ShortageTradeIn:
        if self.period_end_date < self.period_start_date:
            raise ValueError("period_end_date must not be before period_start_date")
        return self


class ShortageTradePatch(StrictModel):
    district_code: DistrictCode | None = None
    period_start_date: DateText | None = None
    period_end_date: DateText | None = None
    demand_figures: dict[FigureName, Figure] | None = Field(default=None, max_length=20)
    note: Plain(500) | None = None
    status: Literal["retired"] | None = None


class ShortageTradeOut(CatalogueMeta):
    id: int
    skill_code: str
    skill_name: str
    district_code: str | None
    period_start_date: date
    period_end_date: date
    demand_figures: dict[str, int]


# -- institutions (培训机构目录) ----------------------------------------------------------------

class InstitutionIn(StrictModel):
    name: Plain(120)
    credit_code: CreditCode
    licence_no: Text(60)
    district_codes: list[DistrictCode] = Field(default_factory=list, max_length=40)
    delivery: InstitutionDelivery
    voucher_eligible: bool = False
    note: Plain(500) | None = None


class InstitutionPatch(StrictModel):
    name: Plain(120) | None = None
    licence_no: Text(60) | None = None
    district_codes: list[DistrictCode] | None = Field(default=None, max_length=40)
    delivery: InstitutionDelivery | None = None
    voucher_eligible: bool | None = None
    note: Plain(500) | None = None
    status: Literal["retired"] | None = None


class InstitutionOut(CatalogueMeta):
    id: int
    name: str
    credit_code: str
    licence_no: str
    district_codes: list[str]
    delivery: InstitutionDelivery
    voucher_eligible: bool


# -- subsidy rates (培训补贴目录) ---------------------------------------------------------------

class SubsidyRateIn(StrictModel):
    level: Plain(30) = Field(description="Course level, e.g. 初级, 中级, 高级, 专项能力")
    year: int = Field(ge=2000, le=2100)
    amount_fen: int = Field(ge=0, le=10_000_000)
    source: Plain(200) = Field(description="The document that sets the rate")
    note: Plain(500) | None = None


class SubsidyRatePatch(StrictModel):
    amount_fen: int | None = Field(default=None, ge=0, le=10_000_000)
    source: Plain(200) | None = None
    note: Plain(500) | None = None
    status: Literal["retired"] | None = None


class SubsidyRateOut(CatalogueMeta):
    id: int
    level: str
    year: int
    amount_fen: int
    source: str


class CatalogueHistoryOut(BaseModel):
    version: int
    action: str
    snapshot: dict
    changed_by_key_id: int | None
    changed_at: datetime


# -- courses and enrolments --------------------------------------------------------------------

class CourseIn(StrictModel):
    institution_id: Id | None = Field(
        default=None, description="Admins name the institution; an institution key uses its own"
    )
    title: Plain(120)
    description: Plain(2000) | None = None
    skill_codes: list[SkillCode] = Field(min_length=1, max_length=10)
    certificate: Plain(60) | None = Field(default=None, description="Certificate on completion")
    hours: int = Field(ge=1, le=2000)
    delivery: Delivery
    digital_skills: bool = False
    district_code: DistrictCode | None = None
    address: Plain(200) | None = None
    starts_on_date: DateText
    ends_on_date: DateText
    schedule: Plain(200) | None = None
    capacity: int = Field(ge=1, le=100_000)
    price_fen: int = Field(ge=0, le=100_000_000)
    subsidy_level: Plain(30) | None = None

    @model_validator(mode="after")
    def _dates(self) -> CourseIn:
        if self.ends_on_date < self.starts_on_date:
            raise ValueError("ends_on_date must not be before starts_on_date")
        if self.delivery == "offline" and self.district_code is None:
            raise ValueError("an offline course needs a district_code")
        return self


class CoursePatch(StrictModel):
    title: Plain(120) | None = None
    description: Plain(2000) | None = None
    schedule: Plain(200) | None = None
    address: Plain(200) | None = None
    capacity: int | None = Field(default=None, ge=1, le=100_000)
    price_fen: int | None = Field(default=None, ge=0, le=100_000_000)
    status: Literal["open", "closed"] | None = None


class CourseOut(BaseModel):
    id: int
    institution_id: int
    title: str
    description: str | None
    skill_codes: list[str]
    certificate: str | None
    hours: int
    delivery: Delivery
    digital_skills: bool
    district_code: str | None
    address: str | None
    starts_on_date: date
    ends_on_date: date
    schedule: str | None
    capacity: int
    enrolled: int = 0
    price_fen: int
    subsidy_level: str | None
    subsidy_fen: int | None = None
    status: str
    version: int


class EnrolmentIn(StrictModel):
    worker_id: Id | None = Field(
        default=None, description="Markets and admins name the worker; a worker key enrols itself"
    )


class CourseAttendanceIn(StrictModel):
    hours: int = Field(ge=1, le=24)
    attended_on_date: DateText


class CompletionIn(StrictModel):
    certificate_no: Text(60) | None = None


class EnrolmentOut(BaseModel):
    id: int
    course_id: int
    worker_id: int
    status: str
    registered_by_market_id: int | None
    voucher_id: int | None
    attended_hours: int
    confirmed_at: datetime | None
    completed_at: datetime | None
    certificate_no: str | None
    created_at: datetime


# -- vouchers (满天星) -------------------------------------------------------------------------

class VoucherRules(StrictModel):
    target_groups: list[TargetGroup] = Field(
        default_factory=list, max_length=20,
        description="Workers in any of these groups qualify; empty = every worker",
    )
    registered_only: bool = Field(
        default=True, description="Only workers registered on the platform and active"
    )
    per_worker: int = Field(default=1, ge=1, le=12, description="Vouchers per worker per year")
    validity_days: int = Field(default=180, ge=1, le=730)


class VoucherProgrammeIn(StrictModel):
    quota: int = Field(default=10_000, ge=0, le=10_000_000)
    rules: VoucherRules = Field(default_factory=VoucherRules)


class VoucherProgrammeOut(BaseModel):
    year: int
    quota: int
    issued_count: int
    remaining: int
    rules: VoucherRules
    version: int


class VoucherIssueIn(StrictModel):
    worker_id: Id
    year: int | None = Field(default=None, ge=2000, le=2100, description="Default: this year")


class VoucherRedeemIn(StrictModel):
    course_id: Id


class VoucherCancelIn(StrictModel):
    reason: Plain(200)


class VoucherOut(BaseModel):
    id: int
    year: int
    worker_id: int
    status: Literal["issued", "redeemed", "expired", "cancelled"]
    issued_at: datetime
    expires_at: datetime
    issued_by_market_id: int | None
    redeemed_at: datetime | None
    course_id: int | None
    enrolment_id: int | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    replaces_voucher_id: int | None


# -- demand, wishes, recommendations -----------------------------------------------------------

class TrainingWishIn(StrictModel):
    skill: Plain(60) = Field(description="The skill wanted, as said (normalised to the taxonomy)")
    worker_id: Id | None = Field(default=None, description="Markets/admins may name a worker")
    district_code: DistrictCode | None = None
    people: int = Field(default=1, ge=1, le=10_000, description="How many asked (markets)")
    note: Plain(500) | None = None


class TrainingWishOut(BaseModel):
    id: int
    worker_id: int | None
    market_id: int | None
    skill_text: str
    skill_code: str | None
    district_code: str | None
    people: int
    note: str | None
    created_at: datetime


class DemandRowOut(BaseModel):
    skill_code: str
    skill_name: str
    district_code: str | None
    open_positions: int = Field(description="Open postings asking for the skill")
    unfilled_headcount: int = Field(description="Their headcount not yet hired")
    missed_offers: int = Field(description="Offers for such postings declined or expired")
    wishes: int = Field(description="People who asked for training in it")
    shortage_listed: bool
    score: int


class DemandOut(BaseModel):
    period_start_date: date
    period_end_date: date
    district_code: str | None
    items: list[DemandRowOut]


class RecommendationOut(BaseModel):
    course: CourseOut
    newly_qualified_jobs: int
    job_ids: list[int]
    skills_gained: list[str]
    certificate_gained: str | None
    explanation: str


class RecommendationsOut(BaseModel):
    worker_id: int
    items: list[RecommendationOut]


# -- statistics --------------------------------------------------------------------------------

class TrainingStatsRowOut(BaseModel):
    key: str | None
    vouchers_issued: int
    vouchers_redeemed: int
    trainees: int
    completions: int
    employed_within_90_days: int


class TrainingStatsOut(BaseModel):
    year: int
    group_by: Literal["district", "trade", "institution"]
    voucher_quota: int
    trainee_target: int
    totals: TrainingStatsRowOut
    items: list[TrainingStatsRowOut]
