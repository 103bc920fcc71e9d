"""The OpenAPI `webhooks` section, generated from the event registry."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from app.config import Settings
from app.events.registry import event_registry

REF = "#/components/schemas/{model}"

ENVELOPE: dict[str, Any] = {
    "type": "object",
    "title": "WebhookEnvelope",
    "description": "The body of every delivery (and of each item of GET /v1/events).",
    "required": ["id", "type", "timestamp", "data"],
    "properties": {
        "id": {"type": "string", "description": "Event id (`evt_…`); the same as the "
               "`webhook-id` header. Deduplicate on it: a delivery may repeat.",
               "example": "evt_5f0c1d2e3a4b5c6d7e8f9a0b"},
        "type": {"type": "string", "description": "The event type", "example": "job.created"},
        "timestamp": {"type": "string", "format": "date-time",
                      "description": "When the event happened (commit time)"},
        "data": {"type": "object", "description": "The type's payload (see each webhook)"},
    },
}

_HEADERS = [
    ("webhook-id", "The event id; identical on every retry of the same event.",
     "evt_5f0c1d2e3a4b5c6d7e8f9a0b"),
    ("webhook-timestamp", "Unix seconds when this attempt was signed; reject ones more than "
     "five minutes from your clock.", "1764748800"),
    ("webhook-signature", "Space-separated `v1,<base64 HMAC-SHA256>` signatures of "
     "`<webhook-id>.<webhook-timestamp>.<body>` with the endpoint secret (whsec_…, base64 "
     "after the prefix); during a rotation both secrets sign (Standard Webhooks).",
     "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="),
]


def _schedule_text() -> str:
    delays = Settings.model_fields["webhook_retry_schedule_seconds"].get_default(
        call_default_factory=True
    )
    jitter = Settings.model_fields["webhook_retry_jitter"].get_default()
    steps = ", ".join(f"{int(d)} s" for d in delays)
    return (
        f"Delivery: POST to each subscribed endpoint. Any 2xx within the timeout counts as "
        f"received. Otherwise retried up to {len(delays)} attempts in all, waiting {steps} "
        f"before attempts 1–{len(delays)} (±{int(jitter * 100)} % jitter; a 429/503 "
        f"Retry-After longer than the wait is honoured). 410 Gone stops deliveries and "
        f"disables the endpoint; after the last failure the delivery is failed and can be "
        f"redelivered (POST /v1/events/{{event_id}}/redeliver)."
    )


def webhooks_section() -> tuple[dict[str, Any], dict[str, Any]]:
    registry = event_registry()
    models = {model for model, _ in registry.values()}
    _, defs = models_json_schema(
        [(m, "serialization") for m in sorted(models, key=lambda m: m.__name__)],
        ref_template=REF,
    )
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    schemas["WebhookEnvelope"] = ENVELOPE
    schedule = _schedule_text()
    parameters = [
        {"name": name, "in": "header", "required": True, "description": text,
         "schema": {"type": "string"}, "example": example}
        for name, text, example in _HEADERS
    ]
    webhooks: dict[str, Any] = {}
    for type_, (model, description) in registry.items():
        body = {"allOf": [
            {"$ref": "#/components/schemas/WebhookEnvelope"},
            {"type": "object", "properties": {
                "type": {"type": "string", "const": type_},
                "data": {"$ref": REF.format(model=model.__name__)},
            }},
        ]}
        webhooks[type_] = {"post": {
            "operationId": "webhook_" + type_.replace(".", "_"),
            "summary": description.rstrip("."),
            "description": f"{description}\n\n{schedule}",
            "tags": ["webhooks"],
            "security": [],
            "parameters": parameters,
            "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
            "responses": {
                "200": {"description": "Received (any 2xx)"},
                "410": {"description": "Gone: stop sending; the endpoint is disabled"},
                "default": {"description": "Not received; the delivery is retried"},
            },
        }}
    return webhooks, schemas
