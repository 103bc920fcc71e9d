"""Webhook/outbox events raised by complaints (item 十五). The complainant is never named."""

from __future__ import annotations

from pydantic import BaseModel


class ComplaintFiledData(BaseModel):
    id: int
    subject_type: str
    subject_id: int
    category: str
    district_code: str | None
    deadline_at: str
    assigned_market_id: int | None


class ComplaintAssignedData(BaseModel):
    id: int
    assigned_market_id: int | None
    assigned_inspector_key_id: int | None


class ComplaintDecidedData(BaseModel):
    id: int
    employer_id: int
    outcome: str
    posting_suspended: bool


EVENTS: dict[str, tuple[type[BaseModel], str]] = {
    "complaint.filed": (ComplaintFiledData, "A complaint was filed and routed to its handler"),
    "complaint.assigned": (ComplaintAssignedData, "A complaint was handed to a market or inspector"),
    "complaint.decided": (ComplaintDecidedData, "A complaint was found substantiated or not"),
}
