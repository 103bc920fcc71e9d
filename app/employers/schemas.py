from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator

from app.common.privacy import normalise_phone
from app.common.schemas import DistrictCode, StrictModel
from app.common.text import Name, Text, _nfkc
from app.employers.credit_code import validate_credit_code

CreditCode = Annotated[str, BeforeValidator(_nfkc), AfterValidator(validate_credit_code)]
Phone = Annotated[str, BeforeValidator(_nfkc), AfterValidator(normalise_phone)]
EmployerKind = Literal["employer", "platform", "agency"]


class EmployerCreate(StrictModel):
    name: Text(120)
    credit_code: CreditCode
    kind: EmployerKind = "employer"
    contact_name: Name | None = None
    contact_phone: Phone | None = None
    district_code: DistrictCode | None = None


class EmployerPatch(StrictModel):
    name: Text(120) | None = None
    kind: EmployerKind | None = None
    contact_name: Name | None = None
    contact_phone: Phone | None = None
    district_code: DistrictCode | None = None


class VerificationIn(StrictModel):
    status: Literal["verified", "rejected"]
    note: Text(500, min_length=0) | None = None


class EmployerOut(BaseModel):
    id: int
    name: str
    credit_code: str
    kind: EmployerKind
    contact_name: str | None
    contact_phone: str | None
    district_code: str | None
    verification_status: Literal["unverified", "verified", "rejected"]
    verified_at: datetime | None
    verification_note: str | None
    created_at: datetime
    updated_at: datetime
