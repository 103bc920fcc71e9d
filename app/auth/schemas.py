from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, Strict

from app.auth.principal import Role
from app.common.schemas import AwareDatetime, Id, StrictModel
from app.common.text import Name


class ApiKeyCreate(StrictModel):
    name: Name
    role: Annotated[Role, Strict(False)]  # enum from JSON text
    subject_id: Id | None = Field(
        default=None, description="Employer, market or worker the key acts for"
    )
    scopes: list[str] | None = Field(
        default=None, max_length=30, description="Defaults to every scope of the role"
    )
    expires_at: AwareDatetime | None = None


class ApiKeyOut(BaseModel):
    id: int
    name: str
    role: Annotated[Role, Strict(False)]  # enum from JSON text
    scopes: list[str]
    prefix: str
    subject_id: int | None
    expires_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="Shown once; store it now. Only a keyed hash is kept.")
