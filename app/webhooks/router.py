from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Query, Response

from app.auth.principal import Principal
from app.common.deps import SecretKeyDep, SessionDep, SettingsDep, require
from app.common.etag import etag_of
from app.common.pagination import (
    Page,
    PageParams,
    decode_cursor,
    encode_cursor,
    page_of,
    page_params,
)
from app.common.problems import Problem
from app.common.schemas import IdPath
from app.webhooks import feed as feed_service
from app.webhooks import service
from app.webhooks.models import WebhookEndpoint
from app.webhooks.schemas import (
    AttemptOut,
    DeliveryOut,
    DeliveryStatus,
    EndpointCreate,
    EndpointOut,
    EndpointPatch,
    EndpointWithSecret,
    EventFeed,
    EventOut,
    EventType,
    Redelivered,
    RedeliverIn,
    RedeliveryOut,
    RotateIn,
    TestSent,
)

router = APIRouter(prefix="/v1/webhook-endpoints", tags=["webhooks"])
events_router = APIRouter(prefix="/v1/events", tags=["webhooks"])
Writer = require("webhooks:write")


def endpoint_out(endpoint: WebhookEndpoint) -> EndpointOut:
    return EndpointOut.model_validate(endpoint, from_attributes=True)


def _single(response: Response, endpoint: WebhookEndpoint) -> EndpointOut:
    response.headers["ETag"] = etag_of(endpoint.id, endpoint.version)
    return endpoint_out(endpoint)


def _with_secret(response: Response, endpoint: WebhookEndpoint, secret: str) -> EndpointWithSecret:
    response.headers["ETag"] = etag_of(endpoint.id, endpoint.version)
    response.headers["Cache-Control"] = "no-store"
    return EndpointWithSecret(**endpoint_out(endpoint).model_dump(), secret=secret)


@router.post(
    "", status_code=201, response_model=EndpointWithSecret,
    operation_id="webhook_endpoints_create", summary="Subscribe a webhook endpoint",
)
async def create_endpoint(
    body: EndpointCreate, session: SessionDep, settings: SettingsDep, secret_key: SecretKeyDep,
    response: Response, principal: Principal = Writer,
) -> EndpointWithSecret:
    """Subscribe a URL. The `secret` (whsec_…) is shown only in this response.

    Callers: admin, any employer, any market, partners. Refuses: inspectors and workers (403); a
    URL that is not https or points into a private network (422); unknown event types (422).
    """
    endpoint, secret = await service.create_endpoint(session, principal, body, settings, secret_key)
    response.headers["Location"] = f"/v1/webhook-endpoints/{endpoint.id}"
    return _with_secret(response, endpoint, secret)


@router.get(
    "", response_model=Page[EndpointOut],
    operation_id="webhook_endpoints_list", summary="List webhook endpoints",
)
async def list_endpoints(
    session: SessionDep, page: Annotated[PageParams, Depends(page_params)],
    principal: Principal = Writer,
) -> Page[EndpointOut]:
    """The caller's own endpoints (an admin sees all).

    Callers: admin, any employer, any market, partners. Refuses: inspectors and workers (403).
    """
    rows = await service.list_endpoints(
        session, principal, limit=page.limit, after_id=page.after_id
    )
    rows, cursor = page_of(rows, page)
    return Page(items=[endpoint_out(e) for e in rows], next_cursor=cursor)


@router.get(
    "/{endpoint_id}", response_model=EndpointOut,
    operation_id="webhook_endpoints_get", summary="Get a webhook endpoint",
)
async def get_endpoint(
    endpoint_id: IdPath, session: SessionDep, response: Response, principal: Principal = Writer,
) -> EndpointOut:
    """One endpoint (never its secret); the answer carries an ETag for If-Match.

    Callers: admin, the employer concerned. Refuses: others' endpoints (404); inspectors and
    workers (403).
    """
    return _single(response, await service.get_endpoint(session, principal, endpoint_id))


@router.patch(
    "/{endpoint_id}", response_model=EndpointOut,
    operation_id="webhook_endpoints_update", summary="Update a webhook endpoint",
)
async def patch_endpoint(
    endpoint_id: IdPath, body: EndpointPatch, session: SessionDep, settings: SettingsDep,
    response: Response, if_match: Annotated[str | None, Header()] = None,
    principal: Principal = Writer,
) -> EndpointOut:
    """Merge-patches URL, event types or description; send If-Match with the ETag you read.

    Callers: admin, the employer concerned. Refuses: others' endpoints (404); inspectors and
    workers (403); a stale If-Match (412); an unsafe URL (422).
    """
    endpoint = await service.patch_endpoint(session, principal, endpoint_id, body, if_match,
                                            settings)
    return _single(response, endpoint)


@router.post(
    "/{endpoint_id}/disable", response_model=EndpointOut,
    operation_id="webhook_endpoints_disable", summary="Disable a webhook endpoint",
)
async def disable_endpoint(
    endpoint_id: IdPath, session: SessionDep, response: Response, principal: Principal = Writer,
) -> EndpointOut:
    """Stops deliveries; pending ones are cancelled (redeliver or poll the feed later).

    Callers: admin, the employer concerned. Refuses: others' endpoints (404); inspectors and
    workers (403).
    """
    return _single(response, await service.set_enabled(session, principal, endpoint_id, False))


@router.post(
    "/{endpoint_id}/enable", response_model=EndpointOut,
    operation_id="webhook_endpoints_enable", summary="Enable a webhook endpoint",
)
async def enable_endpoint(
    endpoint_id: IdPath, session: SessionDep, response: Response, principal: Principal = Writer,
) -> EndpointOut:
    """Resumes deliveries to a disabled endpoint.

    Callers: admin, the employer concerned. Refuses: others' endpoints (404); inspectors and
    workers (403).
    """
    return _single(response, await service.set_enabled(session, principal, endpoint_id, True))


@router.delete(
    "/{endpoint_id}", status_code=204,
    operation_id="webhook_endpoints_delete", summary="Delete a webhook endpoint",
)
async def delete_endpoint(
    endpoint_id: IdPath, session: SessionDep, principal: Principal = Writer,
) -> Response:
    """Deletes the endpoint; pending deliveries are cancelled.

    Callers: admin, the employer concerned. Refuses: others' endpoints (404); inspectors and
    workers (403).
    """
    await service.delete_endpoint(session, principal, endpoint_id)
    return Response(status_code=204)


@router.post(
    "/{endpoint_id}/rotate-secret", response_model=EndpointWithSecret,
    operation_id="webhook_endpoints_rotate_secret", summary="Rotate the signing secret",
)
async def rotate_secret(
    endpoint_id: IdPath, session: SessionDep, settings: SettingsDep, secret_key: SecretKeyDep,
    response: Response, body: Annotated[RotateIn | None, Body()] = None,
    principal: Principal = Writer,
) -> EndpointWithSecret:
    """A new secret, shown once. Until `previous_secret_expires_at`, every delivery carries a
    signature with the old secret as well, so receivers can switch without losing any.

    Callers: admin, the employer concerned. Refuses: others' endpoints (404); inspectors and
    workers (403).
    """
    endpoint, secret = await service.rotate_secret(
        session, principal, endpoint_id, body or RotateIn(), settings, secret_key
    )
    return _with_secret(response, endpoint, secret)


@router.post(
    "/{endpoint_id}/test", status_code=202, response_model=TestSent,
    operation_id="webhook_endpoints_test", summary="Send a test event",
)
async def send_test(
    endpoint_id: IdPath, session: SessionDep, principal: Principal = Writer,
) -> TestSent:
    """Queues a `webhook.test` event for this endpoint only.

    Callers: admin, the employer concerned. Refuses: others' endpoints (404); inspectors and
    workers (403); a disabled endpoint (409).
    """
    event, delivery = await service.send_test(session, principal, endpoint_id)
    return TestSent(event_id=event.public_id, delivery_id=delivery.id)


@router.get(
    "/{endpoint_id}/deliveries", response_model=Page[DeliveryOut],
    operation_id="webhook_deliveries_list", summary="List deliveries",
)
async def list_deliveries(
    endpoint_id: IdPath, session: SessionDep, page: Annotated[PageParams, Depends(page_params)],
    status: DeliveryStatus | None = None, principal: Principal = Writer,
) -> Page[DeliveryOut]:
    """Newest first, each with every attempt (time, status, latency, response excerpt).

    Callers: admin, the employer concerned. Refuses: others' endpoints (404); inspectors and
    workers (403).
    """
    rows, attempts = await service.list_deliveries(
        session, principal, endpoint_id, status=status, limit=page.limit, after_id=page.after_id
    )
    rows, cursor = page_of(rows, page, key=lambda r: r[0].id)
    items = [
        DeliveryOut(
            id=d.id, endpoint_id=d.endpoint_id, event_id=public_id, event_type=type_,
            status=d.status, attempt_count=d.attempt_count,
            next_attempt_at=d.next_attempt_at if d.status == "pending" else None,
            last_attempt_at=d.last_attempt_at, last_status_code=d.last_status_code,
            last_error=d.last_error, created_at=d.created_at,
            attempts=[AttemptOut.model_validate(a, from_attributes=True)
                      for a in attempts.get(d.id, [])],
        )
        for d, public_id, type_ in rows
    ]
    return Page(items=items, next_cursor=cursor)


def event_out(event) -> EventOut:
    return EventOut(id=event.public_id, type=event.type, timestamp=event.occurred_at,
                    resource_type=event.resource_type, resource_id=event.resource_id,
                    data=event.data)


def _feed_position(cursor: str | None, after: str | None) -> int:
    if cursor is not None and after is not None and cursor != after:
        raise Problem("send cursor (or the deprecated after), not both", status=422,
                      slug="validation-error", title="Validation failed",
                      errors=[{"parameter": "after", "in": "query",
                               "detail": "send cursor (or the deprecated after), not both"}])
    name, value = ("cursor", cursor) if cursor is not None else ("after", after)
    if value is None:
        return 0
    seq = decode_cursor(value).get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise Problem(f"{name}: not a cursor this feed issued", status=422,
                      slug="validation-error", title="Validation failed",
                      errors=[{"parameter": name, "in": "query",
                               "detail": "not a cursor this feed issued"}])
    return seq


@events_router.get("", response_model=EventFeed, operation_id="events_list", summary="List events")
async def list_events(
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=512,
                                        description="next_cursor of the previous poll")] = None,
    after: Annotated[str | None, Query(
        max_length=512, deprecated=True,
        description="Deprecated: the same as `cursor` (the feed's former name for it)")] = None,
    type: Annotated[EventType | None, Query(description="'job.created', 'job.*'")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    principal: Principal = require("events:read"),
) -> EventFeed:
    """Events you may see, in commit order. Poll with `cursor=next_cursor`, as every list
    pages (`after=` is still accepted but deprecated); an event appears once its transaction
    has committed and a dispatcher has ordered it (within a poll interval), and never later
    below a cursor you already passed.

    Callers: admin, any employer, any market, partners. Refuses: inspectors and workers (403).
    """
    rows, position, has_more = await feed_service.feed(
        session, principal, after=_feed_position(cursor, after), type_pattern=type, limit=limit
    )
    return EventFeed(items=[event_out(e) for e in rows],
                     next_cursor=encode_cursor({"seq": position}), has_more=has_more)


@events_router.get(
    "/{event_id}", response_model=EventOut,
    operation_id="events_get", summary="Get an event",
)
async def get_event(
    event_id: str, session: SessionDep, principal: Principal = require("events:read"),
) -> EventOut:
    """One event with its payload as delivered to webhooks.

    Callers: admin, the employer concerned. Refuses: events the caller may not see (404);
    inspectors and workers (403).
    """
    return event_out(await feed_service.get_event(session, principal, event_id))


@events_router.post(
    "/{event_id}/redeliver", status_code=202, response_model=Redelivered,
    operation_id="events_redeliver", summary="Redeliver an event",
)
async def redeliver(
    event_id: str, session: SessionDep, body: Annotated[RedeliverIn | None, Body()] = None,
    principal: Principal = Writer,
) -> Redelivered:
    """Sends the event again to your endpoints that subscribe to it (or the one named).

    Callers: admin, the employer concerned. Refuses: events the caller may not see (404);
    inspectors and workers (403).
    """
    deliveries = await feed_service.redeliver(
        session, principal, event_id, (body or RedeliverIn()).endpoint_id
    )
    return Redelivered(deliveries=[
        RedeliveryOut(delivery_id=d.id, endpoint_id=d.endpoint_id, status=d.status)
        for d in deliveries
    ])
