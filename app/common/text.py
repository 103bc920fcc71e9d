"""Text and value types shared by request schemas: NFKC-normalised, trimmed, bounded."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, StringConstraints


def nfkc(text: str) -> str:
    """Full-width digits and letters (１３８…) become ASCII; control characters go."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()


def _nfkc(value: object) -> object:
    return nfkc(value) if isinstance(value, str) else value


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("must not be blank")
    return value


def Text(max_length: int, min_length: int = 1):
    return Annotated[
        str,
        BeforeValidator(_nfkc),
        StringConstraints(max_length=max_length, min_length=min_length),
        AfterValidator(_not_blank) if min_length else AfterValidator(lambda v: v),
    ]


Name = Text(100)
Title = Text(120)
Description = Text(5000, min_length=0)
ShortText = Text(200)
