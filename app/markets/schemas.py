from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from app.common.schemas import DateText, DistrictCode, StrictModel
from app.common.text import Text

MarketScale = Literal["market", "station"]
OperatingMode = Literal["public_agency", "agency_window", "purchased_service"]
RatingName = Literal["demonstration", "compliant", "needs_improvement", "failed"]

_HOTLINE = re.compile(r"[0-9][0-9\- ]{3,18}[0-9]")


def _hotline(value: str) -> str:
    if not _HOTLINE.fullmatch(value):
        raise ValueError("a service hotline of 5–20 digits, dashes allowed (e.g. 023-63211234)")
    return value


def _opening(value: date) -> date:
    if not date(1990, 1, 1) <= value <= date.today().replace(year=date.today().year + 1):
        raise ValueError("must lie between 1990-01-01 and a year from today")
    return value


Hotline = Annotated[Text(20), AfterValidator(_hotline)]
OpeningDate = Annotated[DateText, AfterValidator(_opening)]

SCALE_DOC = "market = 零工市场, station = 零工驿站 (the two scales of Chongqing's 规范(试行))"
MODE_DOC = (
    "public_agency = run by the public employment service agency (公共就业服务机构运营); "
    "agency_window = a dedicated window in an existing agency (依托现有机构设立专门窗口); "
    "purchased_service = government-purchased service (政府购买服务)"
)


class MarketCreate(StrictModel):
    name: Text(120)
    scale: MarketScale = Field(description=SCALE_DOC)
    operating_mode: OperatingMode | None = Field(default=None, description=MODE_DOC)
    district_code: DistrictCode
    address: Text(200) | None = None
    lat: float | None = Field(default=None, ge=28.0, le=32.5)
    lng: float | None = Field(default=None, ge=105.0, le=110.5)
    opening_date: OpeningDate | None = Field(
        default=None, description="First day of service; demonstration needs 3 months open"
    )
    operator: Text(120) | None = Field(default=None, description="Operating organisation")
    service_hotline: Hotline | None = None
    opening_hours: Text(100) | None = Field(default=None, examples=["周一至周日 06:00-18:00"])


class MarketPatch(StrictModel):
    """Admins change every field; a market key changes its own contact and location details
    (address, lat, lng, operator, service_hotline, opening_hours)."""

    name: Text(120) | None = None
    scale: MarketScale | None = None
    operating_mode: OperatingMode | None = None
    district_code: DistrictCode | None = None
    address: Text(200) | None = None
    lat: float | None = Field(default=None, ge=28.0, le=32.5)
    lng: float | None = Field(default=None, ge=105.0, le=110.5)
    opening_date: OpeningDate | None = None
    operator: Text(120) | None = None
    service_hotline: Hotline | None = None
    opening_hours: Text(100) | None = None


class CurrentRating(BaseModel):
    assessment_id: int
    rating: RatingName
    score: float
    verified: bool
    standard_version: str
    rated_at: datetime


class MarketOut(BaseModel):
    id: int
    name: str
    scale: MarketScale
    operating_mode: OperatingMode | None
    district_code: str
    address: str | None
    lat: float | None
    lng: float | None
    opening_date: date | None
    operator: str | None
    service_hotline: str | None
    opening_hours: str | None
    current_rating: CurrentRating | None = Field(
        default=None,
        description="The latest verified assessment, or the latest self-assessment if none is",
    )
    created_at: datetime
    updated_at: datetime
