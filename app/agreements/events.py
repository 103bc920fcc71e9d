"""Webhook/outbox events raised by agreements."""

from __future__ import annotations

from pydantic import BaseModel


class AgreementCreatedData(BaseModel):
    id: int
    engagement_id: int
    worker_id: int
    employer_id: int
    kind: str
    sha256: str


class AgreementSignedData(AgreementCreatedData):
    signed_at: str


EVENTS: dict[str, tuple[type[BaseModel], str]] = {
    "agreement.created": (AgreementCreatedData, "An engagement's written agreement was drawn up"),
    "agreement.signed": (AgreementSignedData, "Both sides signed an engagement's agreement"),
}
