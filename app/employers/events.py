"""Webhook events about employers: registration, verification, and their standing and postings
(items 八, 十五). The `data` of each."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class EmployerCreatedData(BaseModel):
    id: int
    name: str


class EmployerVerificationData(BaseModel):
    id: int
    verification_status: Literal["verified", "rejected"]


class JobSuspendedData(BaseModel):
    id: int
    employer_id: int
    status: str
    reason: str


class EmployerPostingBlockedData(BaseModel):
    id: int
    substantiated_complaints: int


class EmployerLicenceExpiredData(BaseModel):
    id: int
    licence_expiry_date: str
    jobs_suspended: int


EVENTS: dict[str, tuple[type[BaseModel], str]] = {
    "employer.created": (EmployerCreatedData, "An employer was registered."),
    "employer.verified": (EmployerVerificationData, "A market verified the employer's licence."),
    "employer.rejected": (EmployerVerificationData, "A market rejected the employer's licence."),
    "job.suspended": (JobSuspendedData, "A posting was taken off the market (complaint, licence)"),
    "employer.posting_blocked": (
        EmployerPostingBlockedData, "Repeated substantiated complaints blocked an employer's posting"
    ),
    "employer.licence_expired": (
        EmployerLicenceExpiredData, "An agency's 人力资源服务许可证 lapsed; its postings were suspended"
    ),
}
