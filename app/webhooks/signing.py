"""Standard Webhooks signing (pure): secrets, the envelope's exact bytes, and signatures.

Spec: the signed content is `{webhook-id}.{webhook-timestamp}.{body}`, HMAC-SHA256 keyed with
the base64-decoded part of the `whsec_` secret, sent as `v1,<base64>`; several signatures
(during a secret rotation) are separated by spaces.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import datetime
from typing import Any

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key_bytes(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets_: list[str], msg_id: str, timestamp: int, body: bytes) -> str:
    return " ".join(sign(s, msg_id, timestamp, body) for s in secrets_)


def envelope_bytes(event_id: str, type_: str, occurred_at: datetime, data: Any) -> bytes:
    """The body POSTed for an event: the same bytes on every attempt."""
    envelope = {"id": event_id, "type": type_, "timestamp": occurred_at.isoformat(), "data": data}
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


def headers_for(
    secrets_: list[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": "GigMarket-Webhooks/1",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets_, msg_id, timestamp, body),
    }
