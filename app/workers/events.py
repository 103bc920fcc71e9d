"""Webhook events about workers (the `data` of each; no personal data)."""

from __future__ import annotations

from pydantic import BaseModel


class WorkerCreatedData(BaseModel):
    id: int
    district_code: str


class WorkerStatusData(BaseModel):
    id: int


EVENTS = {
    "worker.created": (WorkerCreatedData, "A worker profile was registered."),
    "worker.deactivated": (WorkerStatusData, "The worker left matching."),
    "worker.reactivated": (WorkerStatusData, "The worker is matchable again."),
}
