from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.common.schemas import StrictModel
from app.complaints.schemas import Verbatim

AgreementKind = Literal["labour_contract", "written_agreement", "part_time_contract",
                        "civil_agreement"]
AgreementSide = Literal["worker", "employer"]
AgreementStatus = Literal["awaiting_signatures", "signed"]


class AgreementCreate(StrictModel):
    kind: AgreementKind = Field(description="劳动合同 | 书面协议 | 非全日制 | 民事协议")
    rest_text: Verbatim(300) | None = Field(
        default=None,
        description="Rest breaks and days as agreed, e.g. 每工作4小时休息30分钟",
    )


class SigningCodeIn(StrictModel):
    side: AgreementSide


class SignatureIn(StrictModel):
    side: AgreementSide
    code: str = Field(min_length=4, max_length=32)


class AgreementSigningCodeOut(BaseModel):
    side: AgreementSide
    code: str = Field(description="Shown once, to the key holder of this side only")
    expires_at: datetime


class AgreementOut(BaseModel):
    id: int
    engagement_id: int
    worker_id: int
    employer_id: int
    kind: AgreementKind
    terms: dict
    sha256: str = Field(description="SHA-256 (hex) of the UTF-8 bytes of the HTML document")
    status: AgreementStatus
    employer_signed_at: datetime | None
    worker_signed_at: datetime | None
    signed_at: datetime | None
    document_url: str
    created_at: datetime
