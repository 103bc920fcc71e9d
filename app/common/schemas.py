"""Wire shapes shared by several domains."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?")


def _rfc3339_text(value: object) -> object:
    """Only RFC 3339 text: pydantic would otherwise read numbers as Unix timestamps."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.fullmatch(value.strip()):
        raise ValueError("must be an RFC 3339 date-time, e.g. 2026-12-01T08:00:00+08:00")
    return value.strip()


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date_text(value: object) -> object:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value.strip()):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value.strip()


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must carry a UTC offset (RFC 3339), e.g. 2026-12-01T08:00:00+08:00")
    return value.astimezone(UTC)


# Request models are strict (no "3" for 3, no 0 for false); dates and times arrive as JSON text,
# so they opt out of strictness and accept only RFC 3339 / ISO 8601 text instead.
AwareDatetime = Annotated[
    datetime, Strict(False), BeforeValidator(_rfc3339_text), AfterValidator(_aware)
]
DateText = Annotated[date, Strict(False), BeforeValidator(_iso_date_text)]


class StrictModel(BaseModel):
    """Request bodies: unknown fields are an error, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)


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


# Ids are 64-bit: anything larger is refused as input, never sent to the database.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
