"""Webhook/outbox events about employers' standing and their postings (items 八, 十五)."""

from __future__ import annotations

from pydantic import BaseModel


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
    "job.suspended": (JobSuspendedData, "A posting was taken off the market (complaint, licence)"),
    "employer.posting_blocked": (
        EmployerPostingBlockedData, "Repeated substantiated complaints blocked an employer's posting"
    ),
    "employer.licence_expired": (
        EmployerLicenceExpiredData, "An agency's 人力资源服务许可证 lapsed; its postings were suspended"
    ),
}
