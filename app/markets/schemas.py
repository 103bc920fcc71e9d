from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.common.schemas import DistrictCode, StrictModel
from app.common.text import Text

MarketScale = Literal["market", "station"]


class MarketCreate(StrictModel):
    name: Text(120)
    scale: MarketScale = Field(description="market = 零工市场, station = 零工驿站")
    district_code: DistrictCode
    address: Text(200) | None = None
    lat: float | None = Field(default=None, ge=28.0, le=32.5)
    lng: float | None = Field(default=None, ge=105.0, le=110.5)


class MarketOut(BaseModel):
    id: int
    name: str
    scale: MarketScale
    district_code: str
    address: str | None
    lat: float | None
    lng: float | None
    created_at: datetime
