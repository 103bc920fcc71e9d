"""Webhook events about employers (the `data` of each)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class EmployerCreatedData(BaseModel):
    id: int
    name: str


class EmployerVerificationData(BaseModel):
    id: int
    verification_status: Literal["verified", "rejected"]


EVENTS = {
    "employer.created": (EmployerCreatedData, "An employer was registered."),
    "employer.verified": (EmployerVerificationData, "A market verified the employer's licence."),
    "employer.rejected": (EmployerVerificationData, "A market rejected the employer's licence."),
}
