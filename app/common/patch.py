"""Applying a PATCH body: only the fields sent; null only where the field may be empty."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from app.common.problems import field_error


def apply_patch(target: Any, data: BaseModel, required: set[str], skip: set[str] = frozenset()) -> dict:
    changes = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is None and field in required:
            raise field_error(f"/{field}", "cannot be null")
    for field, value in changes.items():
        if field not in skip:
            setattr(target, field, value)
    return changes
