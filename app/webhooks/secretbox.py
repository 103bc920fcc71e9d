"""Endpoint signing secrets at rest: encrypted (Fernet) with a key derived from the service
secret key, so a database dump alone does not let anyone forge deliveries."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet


@lru_cache(maxsize=8)
def _fernet(service_key: bytes) -> Fernet:
    derived = hmac.new(service_key, b"gigmarket webhook secrets v1", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(service_key: bytes, secret: str) -> str:
    return _fernet(service_key).encrypt(secret.encode()).decode()


def unseal(service_key: bytes, sealed: str) -> str:
    return _fernet(service_key).decrypt(sealed.encode()).decode()
