"""Wire shapes for the market statistics."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

EmploymentType = Literal["part_time", "temporary", "seasonal"]


class Filters(BaseModel):
    from_date: date
    to_date: date
    district_code: str | None = None
    skill: str | None = None
    employment_type: EmploymentType | None = None
    market_id: int | None = None


class ArrearsOut(BaseModel):
    engagements: int
    outstanding_fen: int
    employers: int
    workers: int


class Figures(BaseModel):
    postings: int = Field(description="Postings published in the range")
    positions: int = Field(description="Headcount of those postings")
    hires: int = Field(description="Hires made in the range (cancelled and no-shows excluded)")
    filled_positions: int = Field(description="Positions of the range's postings filled so far")
    fill_rate: float | None = Field(description="filled_positions / positions")
    median_time_to_first_match_seconds: float | None
    median_time_to_fill_seconds: float | None
    median_wage_by_unit: dict[str, float] = Field(description="Median posted wage, fen per unit")


class OverviewOut(Figures):
    scope: str = Field(description="city, or market:<id> for a market's key")
    filters: Filters
    open_jobs: int = Field(description="Postings open now")
    workers_active: int
    workers_by_target_group: dict[str, int]
    arrears: ArrearsOut = Field(description="Wages past due and unpaid at the end of to_date")


class Bucket(Figures):
    start_date: date


class TimeseriesOut(BaseModel):
    scope: str
    filters: Filters
    interval: Literal["day", "week"]
    buckets: list[Bucket]
