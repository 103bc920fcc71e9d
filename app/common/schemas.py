"""Wire shapes shared by several domains."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?")


def _rfc3339_text(value: object) -> object:
    """Only RFC 3339 text: pydantic would otherwise read numbers as Unix timestamps."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.fullmatch(value.strip()):
        raise ValueError("must be an RFC 3339 date-time, e.g. 2026-12-01T08:00:00+08:00")
    return value.strip()


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must carry a UTC offset (RFC 3339), e.g. 2026-12-01T08:00:00+08:00")
    return value.astimezone(UTC)


AwareDatetime = Annotated[datetime, BeforeValidator(_rfc3339_text), AfterValidator(_aware)]


class StrictModel(BaseModel):
    """Request bodies: unknown fields are an error, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Location(StrictModel):
    lat: float = Field(ge=18, le=54, description="WGS-84 latitude (within China)")
    lng: float = Field(ge=73, le=136, description="WGS-84 longitude (within China)")


def _known_district(code: str) -> str:
    from app.reference.taxonomy import districts

    code = code.strip()
    if code not in districts():
        raise ValueError("not a Chongqing district code (see GET /v1/districts)")
    return code


DistrictCode = Annotated[str, AfterValidator(_known_district)]
