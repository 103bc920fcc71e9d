from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, model_validator

from app.common.privacy import normalise_phone
from app.common.schemas import DateText, DistrictCode, StrictModel
from app.common.text import Name, Text, _nfkc
from app.employers.credit_code import validate_credit_code

CreditCode = Annotated[str, BeforeValidator(_nfkc), AfterValidator(validate_credit_code)]
Phone = Annotated[str, BeforeValidator(_nfkc), AfterValidator(normalise_phone)]
EmployerKind = Literal["employer", "platform", "agency", "individual"]


class EmployerCreate(StrictModel):
    name: Text(120)
    credit_code: CreditCode | None = Field(
        default=None, description="Required except for individual (household) employers"
    )
    kind: EmployerKind = Field(
        default="employer",
        description="employer 用人单位 · platform 平台企业 · agency 人力资源服务机构 (needs a "
        "licence to post) · individual 个人/家庭 (item 八: no credit code, household limits)",
    )
    contact_name: Name | None = None
    contact_phone: Phone | None = None
    district_code: DistrictCode | None = None
    licence_no: Text(60) | None = Field(default=None, description="人力资源服务许可证 number")
    licence_expiry_date: DateText | None = None

    @model_validator(mode="after")
    def _by_kind(self) -> EmployerCreate:
        check_kind(self.kind, self.credit_code, self)
        if self.kind == "individual":
            for name in ("contact_phone", "district_code"):
                if getattr(self, name) is None:
                    raise ValueError(f"an individual employer gives {name}")
        return self


def check_kind(kind: str | None, credit_code: str | None, data) -> None:
    if kind is not None and kind != "individual" and credit_code is None:
        raise ValueError("credit_code is required for employers other than individuals")
    if kind == "individual" and getattr(data, "licence_no", None) is not None:
        raise ValueError("an individual employer does no agency work and holds no licence")


class EmployerPatch(StrictModel):
    name: Text(120) | None = None
    kind: EmployerKind | None = None
    contact_name: Name | None = None
    contact_phone: Phone | None = None
    district_code: DistrictCode | None = None
    licence_no: Text(60) | None = None
    licence_expiry_date: DateText | None = None


class VerificationIn(StrictModel):
    status: Literal["verified", "rejected"]
    note: Text(500, min_length=0) | None = None


class EmployerOut(BaseModel):
    id: int
    name: str
    credit_code: str | None
    kind: EmployerKind
    contact_name: str | None
    contact_phone: str | None
    district_code: str | None
    verification_status: Literal["unverified", "verified", "rejected"]
    verified_at: datetime | None
    verification_note: str | None
    licence_no: str | None
    licence_expiry_date: date | None
    substantiated_complaints: int
    posting_blocked_at: datetime | None
    created_at: datetime
    updated_at: datetime
