"""Webhook events about markets and their assessments (the `data` of each)."""

from __future__ import annotations

from pydantic import BaseModel

from app.markets.schemas import MarketScale, OperatingMode


class MarketEventData(BaseModel):
    id: int
    name: str
    scale: MarketScale
    district_code: str
    operating_mode: OperatingMode | None = None


class AssessmentEventData(BaseModel):
    id: int
    market_id: int
    standard_version: str
    score: float | None = None
    rating: str | None = None
    verified: bool


EVENTS = {
    "market.created": (MarketEventData, "A gig market was registered."),
    "market.updated": (MarketEventData, "A market's public details changed."),
    "assessment.submitted": (AssessmentEventData, "A market assessment was submitted."),
    "assessment.verified": (AssessmentEventData, "An inspector verified an assessment."),
}
