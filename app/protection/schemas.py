from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, HttpUrl, UrlConstraints, model_validator

from app.common.schemas import DateText, Id, StrictModel
from app.common.text import Text
from app.complaints.schemas import Verbatim

ProtectionType = Literal["work_injury", "occupational_injury_pilot", "commercial_accident", "none"]
ProtectionGap = Literal["no_own_cover_with_other_employer", "pilot_cover_not_reported"]


class ProtectionIn(StrictModel):
    type: ProtectionType = Field(
        description="work_injury 工伤保险 · occupational_injury_pilot 职业伤害保障 · "
        "commercial_accident 商业意外险 · none"
    )
    insurer: Verbatim(120) | None = None
    policy_no: Text(60) | None = None
    from_date: DateText | None = None
    to_date: DateText | None = None
    evidence_url: Annotated[HttpUrl, UrlConstraints(max_length=500)] | None = None

    @model_validator(mode="after")
    def _dates(self) -> ProtectionIn:
        if self.from_date and self.to_date and self.to_date < self.from_date:
            raise ValueError("to_date must not come before from_date")
        return self


class ProtectionOut(BaseModel):
    engagement_id: int
    employer_id: int
    type: ProtectionType | None = Field(description="None: nothing recorded yet")
    insurer: str | None
    policy_no: str | None
    from_date: date | None
    to_date: date | None
    evidence_url: str | None
    job_declares_protection: bool = Field(
        description="What the posting advertised (the former per-job boolean)"
    )
    gaps: list[ProtectionGap]
    updated_at: datetime | None


class NewFormsRow(BaseModel):
    source: str = Field(description="gigmarket, or the partner that reported the row")
    employer_id: int
    employer_name: str
    employer_kind: str
    worker_ref: str = Field(description="Worker id here; the partner's reference otherwise")
    occupation: str
    week_start_date: date
    engagements: int
    weekly_minutes: int
    agreement_kinds: list[str]
    agreements_signed: int
    protection_types: list[str]
    protection_gaps: list[str]
    arrears_fen: int


class NewFormsReport(BaseModel):
    items: list[NewFormsRow]
    next_cursor: str | None = None


class ReportedEngagementIn(StrictModel):
    employer_id: Id = Field(description="The platform the partner reports for (granted)")
    worker_ref: Text(100) = Field(description="The partner's own, non-identifying worker reference")
    occupation: Literal["rider", "ride_hailing_driver", "truck_driver", "other"]
    agreement_kind: Literal["labour_contract", "written_agreement", "part_time_contract",
                            "civil_agreement"] | None = None
    week_start_date: DateText
    weekly_minutes: int = Field(ge=0, le=7 * 24 * 60)
    protection: ProtectionIn
    arrears_fen: int = Field(default=0, ge=0, le=2**31 - 1)


class ReportedEngagementOut(BaseModel):
    id: int
    source: str
    external_id: str
    employer_id: int
    worker_ref: str
    occupation: str
    agreement_kind: str | None
    week_start_date: date
    weekly_minutes: int
    protection_type: str
    arrears_fen: int
    received_at: datetime
