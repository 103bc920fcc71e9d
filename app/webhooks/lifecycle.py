"""Disabling an endpoint: by its owner, on 410 Gone, or after failing for days."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Role
from app.db import utcnow
from app.events.service import record_event
from app.webhooks.audience import Owner, audience_columns
from app.webhooks.models import WebhookDelivery, WebhookEndpoint


def endpoint_owner(endpoint: WebhookEndpoint) -> Owner:
    return Owner(Role(endpoint.owner_role), endpoint.owner_subject_id, endpoint.owner_key_id)


async def disable_endpoint(
    session: AsyncSession, endpoint_id: int, reason: str, *, emit: bool
) -> WebhookEndpoint | None:
    """Disables the endpoint and cancels its pending deliveries (an in-flight attempt's result
    no longer lands: its claim token is cleared). `emit` records `endpoint.disabled`."""
    endpoint = await session.get(WebhookEndpoint, endpoint_id, with_for_update=True)
    if endpoint is None or not endpoint.enabled:
        return endpoint
    now = utcnow()
    endpoint.enabled = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = reason
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "pending")
        .values(status="cancelled", claim_token=None)
        .execution_options(synchronize_session=False)
    )
    if emit:
        record_event(
            session, "endpoint.disabled", resource_type="webhook_endpoint",
            resource_id=endpoint.id,
            data={"id": endpoint.id, "url": endpoint.url, "reason": reason,
                  "disabled_at": now.isoformat()},
            **audience_columns(endpoint_owner(endpoint)),
        )
    await session.flush()
    return endpoint
