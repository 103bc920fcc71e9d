"""Event types the training domain writes to the outbox, with the shape of their data."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class VoucherIssuedData(BaseModel):
    id: int
    year: int
    worker_id: int
    expires_at: datetime
    replaces_voucher_id: int | None


class VoucherRedeemedData(BaseModel):
    id: int
    year: int
    worker_id: int
    course_id: int
    enrolment_id: int
    institution_id: int


class EnrolmentCompletedData(BaseModel):
    id: int
    course_id: int
    worker_id: int
    institution_id: int
    skill_codes: list[str]
    certificate: str | None
    completed_at: datetime


EVENTS: dict[str, tuple[type[BaseModel], str]] = {
    "voucher.issued": (VoucherIssuedData, "A 满天星 training voucher was issued to a worker"),
    "voucher.redeemed": (VoucherRedeemedData,
                         "A worker redeemed a voucher against an online digital-skills course"),
    "enrolment.completed": (EnrolmentCompletedData,
                            "A worker completed a course; its skills and certificate were added "
                            "to the profile"),
}
