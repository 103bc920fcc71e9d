"""Wire shapes of standards, assessments, verification and rankings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, HttpUrl, StrictBool, StrictFloat, StrictInt, UrlConstraints

from app.common.schemas import StrictModel
from app.common.text import Text
from app.markets.schemas import MarketScale, OperatingMode, RatingName
from app.markets.scoring import ScoreResult
from app.markets.standard_model import Standard

IndicatorCode = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,39}$")]
InputValue = StrictBool | StrictInt | StrictFloat | Annotated[
    list[Text(40)], Field(max_length=50)
]
Value = bool | int | float | list[str] | None
EvidenceUrl = Annotated[HttpUrl, UrlConstraints(max_length=500)]


class IndicatorInput(StrictModel):
    value: InputValue = Field(
        description="true/false, a number, or the list of item codes present (count indicators)"
    )
    evidence_url: EvidenceUrl | None = Field(
        default=None, description="Link to a photo, document or record supporting the value"
    )


class AssessmentCreate(StrictModel):
    values: dict[IndicatorCode, IndicatorInput] = Field(
        max_length=200,
        description="Every indicator that is not computed, by code. Computed indicators "
        "(数字化) are filled from platform data and must not be sent.",
    )
    standard_version: str | None = Field(
        default=None, max_length=40,
        description="Defaults to the current standard; market keys always use the current one",
    )
    note: Text(500) | None = None


class VerificationCreate(StrictModel):
    values: dict[IndicatorCode, IndicatorInput] = Field(
        max_length=200, description="The inspector's own value for every typed-in indicator"
    )
    note: Text(500) | None = None


class DifferenceOut(BaseModel):
    code: str
    name: str
    dimension: str
    submitted: Value
    verified: Value
    submitted_points: float
    verified_points: float
    delta: float


class MarketAssessmentOut(BaseModel):
    id: int
    market_id: int
    standard_version: str
    assessor_role: str
    as_of_at: datetime
    note: str | None
    verified: bool
    verified_at: datetime | None
    verification_note: str | None
    score: float = Field(description="The score that counts: the verified one once verified")
    rating: RatingName
    result: ScoreResult = Field(description="The result that counts")
    submitted_result: ScoreResult | None = Field(
        default=None, description="The market's own result, kept when an inspector verified it"
    )
    differences: list[DifferenceOut] | None = None
    created_at: datetime


class AssessmentSummary(BaseModel):
    id: int
    market_id: int
    standard_version: str
    assessor_role: str
    created_at: datetime
    verified: bool
    verified_at: datetime | None
    score: float
    rating: RatingName
    submitted_score: float


class StandardSummary(BaseModel):
    version: str
    title: str
    status: str
    effective_date: str | None
    source: Literal["builtin", "published"]
    published_at: datetime | None
    current: bool
    indicator_count: int


class StandardOut(StandardSummary):
    standard: Standard


class RankedMarket(BaseModel):
    id: int
    name: str
    scale: MarketScale
    operating_mode: OperatingMode | None
    district_code: str
    district_name: str | None


class RankingItem(BaseModel):
    position: int
    market: RankedMarket
    score: float
    rating: RatingName
    verified: bool
    assessment_id: int
    standard_version: str
    rated_at: datetime


class RankingPage(BaseModel):
    items: list[RankingItem]
    next_cursor: str | None = None
