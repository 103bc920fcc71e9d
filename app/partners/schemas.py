from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path
from pydantic import BaseModel, Field

from app.common.schemas import Id, StrictModel
from app.jobs.schemas import JobCreate

SOURCE_PATTERN = r"^[a-z0-9][a-z0-9_-]{1,39}$"
SourcePath = Annotated[str, Path(pattern=SOURCE_PATTERN, description="Partner source, e.g. 'yzp'")]
ExternalIdPath = Annotated[
    str, Path(min_length=1, max_length=100, pattern=r"^[\x21-\x7e]+$",
              description="The partner's own id for the posting (printable ASCII)")
]


class PartnerJobIn(JobCreate):
    employer_id: Id = Field(description="The employer the posting is for; the partner key "
                                         "needs a grant for it under this source")


class GrantIn(StrictModel):
    partner_key_id: Id = Field(description="The partner API key allowed to post")
    employer_id: Id


class GrantOut(BaseModel):
    id: int
    source: str
    partner_key_id: int
    employer_id: int
    created_at: datetime
