"""Webhook endpoints: create (secret shown once), read, change, disable, delete, rotate, test,
and the delivery log. Owned by the caller's employer/market/worker, or by the key itself."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.common.etag import check_if_match
from app.common.problems import Conflict, NotFound, field_error
from app.config import Settings
from app.db import utcnow
from app.events.models import Event
from app.events.service import record_event
from app.webhooks.audience import audience_columns, owner_clause, owner_of, owns
from app.webhooks.lifecycle import disable_endpoint, endpoint_owner
from app.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.webhooks.netguard import AddressNotAllowed, AllowList, check_destination
from app.webhooks.schemas import EndpointCreate, EndpointPatch, RotateIn
from app.webhooks.secretbox import seal
from app.webhooks.signing import new_secret


async def _check_url(url: str, settings: Settings) -> None:
    try:
        await check_destination(url, AllowList.parse(settings.webhook_allow_list))
    except (ValueError, AddressNotAllowed) as exc:
        raise field_error("/url", str(exc)) from exc


async def create_endpoint(
    session: AsyncSession, principal: Principal, data: EndpointCreate, settings: Settings,
    service_key: bytes,
) -> tuple[WebhookEndpoint, str]:
    await _check_url(data.url, settings)
    owner = owner_of(principal)
    secret = new_secret()
    endpoint = WebhookEndpoint(
        url=data.url, description=data.description, event_types=data.event_types, enabled=True,
        owner_role=owner.role.value, owner_subject_id=owner.subject_id, owner_key_id=owner.key_id,
        secret_enc=seal(service_key, secret),
    )
    session.add(endpoint)
    await session.flush()
    return endpoint, secret


async def get_endpoint(
    session: AsyncSession, principal: Principal, endpoint_id: int, *, lock: bool = False
) -> WebhookEndpoint:
    endpoint = await session.get(WebhookEndpoint, endpoint_id, with_for_update=lock or None)
    if endpoint is None or not owns(principal, endpoint_owner(endpoint)):
        raise NotFound(f"no webhook endpoint with id {endpoint_id}")
    return endpoint


async def list_endpoints(
    session: AsyncSession, principal: Principal, *, limit: int, after_id: int | None
) -> list[WebhookEndpoint]:
    stmt = select(WebhookEndpoint).order_by(WebhookEndpoint.id.desc()).limit(limit + 1)
    if not principal.is_admin:
        stmt = stmt.where(owner_clause(WebhookEndpoint, principal))
    if after_id is not None:
        stmt = stmt.where(WebhookEndpoint.id < after_id)
    return list(await session.scalars(stmt))


async def patch_endpoint(
    session: AsyncSession, principal: Principal, endpoint_id: int, data: EndpointPatch,
    if_match: str | None, settings: Settings,
) -> WebhookEndpoint:
    endpoint = await get_endpoint(session, principal, endpoint_id, lock=True)
    check_if_match(if_match, endpoint.id, endpoint.version)
    changes = data.model_dump(exclude_unset=True)
    for name in ("url", "event_types", "description", "enabled"):
        if name in changes and changes[name] is None:
            raise field_error(f"/{name}", "cannot be null")
    if data.url is not None and data.url != endpoint.url:
        await _check_url(data.url, settings)
        endpoint.url = data.url
    if data.event_types is not None:
        endpoint.event_types = data.event_types
    if data.description is not None:
        endpoint.description = data.description
    if data.enabled is False:
        await disable_endpoint(session, endpoint.id, "disabled by its owner", emit=False)
    elif data.enabled is True and not endpoint.enabled:
        enable(endpoint)
    await session.flush()
    return endpoint


def enable(endpoint: WebhookEndpoint) -> None:
    endpoint.enabled = True
    endpoint.disabled_at = endpoint.disabled_reason = endpoint.failing_since = None


async def set_enabled(
    session: AsyncSession, principal: Principal, endpoint_id: int, enabled: bool
) -> WebhookEndpoint:
    endpoint = await get_endpoint(session, principal, endpoint_id, lock=True)
    if enabled and not endpoint.enabled:
        enable(endpoint)
    elif not enabled:
        await disable_endpoint(session, endpoint.id, "disabled by its owner", emit=False)
    await session.flush()
    return endpoint


async def delete_endpoint(session: AsyncSession, principal: Principal, endpoint_id: int) -> None:
    endpoint = await get_endpoint(session, principal, endpoint_id, lock=True)
    # Deliveries and their attempts go with it (ON DELETE CASCADE; explicit for SQLite safety).
    deliveries = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint.id)
    await session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries)))
    await session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    await session.delete(endpoint)
    await session.flush()


async def rotate_secret(
    session: AsyncSession, principal: Principal, endpoint_id: int, data: RotateIn,
    settings: Settings, service_key: bytes,
) -> tuple[WebhookEndpoint, str]:
    """A new secret; the old one keeps signing alongside it for the overlap."""
    endpoint = await get_endpoint(session, principal, endpoint_id, lock=True)
    overlap = (data.overlap_seconds if data.overlap_seconds is not None
               else int(settings.webhook_rotation_overlap_hours * 3600))
    secret = new_secret()
    if overlap > 0:
        endpoint.previous_secret_enc = endpoint.secret_enc
        endpoint.previous_secret_expires_at = utcnow() + timedelta(seconds=overlap)
    else:
        endpoint.previous_secret_enc = endpoint.previous_secret_expires_at = None
    endpoint.secret_enc = seal(service_key, secret)
    await session.flush()
    return endpoint, secret


async def send_test(
    session: AsyncSession, principal: Principal, endpoint_id: int
) -> tuple[Event, WebhookDelivery]:
    endpoint = await get_endpoint(session, principal, endpoint_id)
    if not endpoint.enabled:
        raise Conflict("the endpoint is disabled; enable it first", slug="endpoint-disabled")
    event = record_event(
        session, "webhook.test", resource_type="webhook_endpoint", resource_id=endpoint.id,
        data={"endpoint_id": endpoint.id, "message": "a test event from GigMarket"},
        **audience_columns(endpoint_owner(endpoint)),
    )
    await session.flush()
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id, event_id=event.id, status="pending", attempt_count=0,
        next_attempt_at=utcnow(),
    )
    session.add(delivery)
    await session.flush()
    return event, delivery


async def list_deliveries(
    session: AsyncSession, principal: Principal, endpoint_id: int, *, status: str | None,
    limit: int, after_id: int | None,
) -> tuple[list, dict[int, list[WebhookAttempt]]]:
    await get_endpoint(session, principal, endpoint_id)
    D = WebhookDelivery
    stmt = (
        select(D, Event.public_id, Event.type)
        .join(Event, Event.id == D.event_id)
        .where(D.endpoint_id == endpoint_id)
        .order_by(D.id.desc())
        .limit(limit + 1)
    )
    if status is not None:
        stmt = stmt.where(D.status == status)
    if after_id is not None:
        stmt = stmt.where(D.id < after_id)
    rows = list((await session.execute(stmt)).all())
    attempts: dict[int, list[WebhookAttempt]] = {}
    ids = [r[0].id for r in rows[:limit]]
    if ids:
        for a in await session.scalars(
            select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids))
            .order_by(WebhookAttempt.id)
        ):
            attempts.setdefault(a.delivery_id, []).append(a)
    return rows, attempts
