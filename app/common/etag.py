"""ETags from row versions; If-Match guards PATCH (412 on mismatch)."""

from __future__ import annotations

from app.common.problems import PreconditionFailed


def etag_of(resource_id: int, version: int) -> str:
    return f'"{resource_id}.{version}"'


def check_if_match(if_match: str | None, resource_id: int, version: int) -> None:
    if if_match is None:
        return
    current = etag_of(resource_id, version)
    candidates = [tag.strip().removeprefix("W/") for tag in if_match.split(",")]
    if "*" in candidates or current in candidates:
        return
    raise PreconditionFailed(
        f"If-Match {if_match} does not match the current ETag {current}", current_etag=current
    )
