"""Webhook events about the webhooks themselves (the `data` of each)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class WebhookTestData(BaseModel):
    endpoint_id: int
    message: str


class EndpointDisabledData(BaseModel):
    id: int
    url: str
    reason: str
    disabled_at: datetime


EVENTS = {
    "webhook.test": (WebhookTestData, "Sent on request to check an endpoint."),
    "endpoint.disabled": (EndpointDisabledData, "An endpoint was disabled (by its owner, or "
                                                "after it answered 410 or kept failing)."),
}
