"""Opaque keyset cursors: lists ordered by id stay stable while rows are inserted."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from app.common.problems import Problem

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(position: dict[str, Any]) -> str:
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _bad_cursor() -> Problem:
    return Problem(
        "cursor: not a cursor this API issued",
        status=422,
        slug="validation-error",
        title="Validation failed",
        errors=[{"parameter": "cursor", "in": "query", "detail": "not a cursor this API issued"}],
    )


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad_cursor() from exc
    if not isinstance(value, dict):
        raise _bad_cursor()
    return value


class PageParams(BaseModel):
    limit: int
    after_id: int | None


def page_params(
    limit: Annotated[int, Query(ge=1, le=100, description="Page size (1–100).")] = 20,
    cursor: Annotated[
        str | None, Query(max_length=512, description="Opaque cursor from next_cursor.")
    ] = None,
) -> PageParams:
    after_id = None
    if cursor is not None:
        position = decode_cursor(cursor)
        after_id = position.get("id")
        if not isinstance(after_id, int) or isinstance(after_id, bool):
            raise _bad_cursor()
    return PageParams(limit=limit, after_id=after_id)


def page_of(rows: list[Any], params: PageParams, key=lambda r: r.id) -> tuple[list[Any], str | None]:
    """Callers fetch limit + 1 rows ordered by id descending; the extra row proves a next page."""
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        return rows, encode_cursor({"id": key(rows[-1])})
    return rows, None
