from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from app.common.schemas import Id, StrictModel


def _printable(value: str) -> str:
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in value):
        raise ValueError("must not contain control characters")
    return value


def Verbatim(max_length: int):
    """What a person writes, kept exactly as sent (Chinese punctuation included); only the
    surrounding whitespace goes, and control characters are refused rather than dropped."""
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                            max_length=max_length), AfterValidator(_printable)]


ComplaintCategory = Literal["fees_asked", "wage_arrears", "discrimination", "fake_posting",
                            "subcontracting", "other"]
ComplaintSubjectType = Literal["job", "employer", "engagement"]
ComplaintStatus = Literal["open", "assigned", "substantiated", "unsubstantiated"]
ComplaintOutcome = Literal["substantiated", "unsubstantiated"]


class ComplaintSubject(StrictModel):
    type: ComplaintSubjectType
    id: Id


class ComplaintCreate(StrictModel):
    subject: ComplaintSubject
    category: ComplaintCategory = Field(
        description="fees_asked 收费/押金 · wage_arrears 欠薪 · discrimination 歧视 · "
        "fake_posting 虚假招聘 · subcontracting 转包 · other"
    )
    description: Verbatim(2000)


class ComplaintAssignmentIn(StrictModel):
    market_id: Id | None = None
    inspector_key_id: Id | None = Field(default=None, description="An inspector's API key id")


class ComplaintDecisionIn(StrictModel):
    outcome: ComplaintOutcome
    note: Verbatim(1000)
    suspend_posting: bool = Field(
        default=False, description="Substantiated only: take the posting complained of off the market"
    )


class ComplaintOut(BaseModel):
    id: int
    subject: ComplaintSubject
    employer_id: int
    job_id: int | None
    engagement_id: int | None
    category: ComplaintCategory
    description: str
    district_code: str | None
    complainant_role: str
    status: ComplaintStatus
    deadline_at: datetime
    overdue: bool
    assigned_market_id: int | None
    assigned_inspector_key_id: int | None
    outcome_note: str | None
    posting_suspended: bool
    decided_at: datetime | None
    created_at: datetime


class ComplaintStatisticsRow(BaseModel):
    district_code: str | None
    category: ComplaintCategory
    filed: int
    substantiated: int
    unsubstantiated: int
    pending: int
    overdue: int


class ComplaintStatisticsOut(BaseModel):
    items: list[ComplaintStatisticsRow]
    next_cursor: str | None = None
