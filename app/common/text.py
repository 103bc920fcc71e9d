"""Text types shared by request schemas, and the derived keys used to compare text.

What a person sends is stored and returned exactly as sent (only trimmed): Chinese
typography uses full-width punctuation and a company's registered name has one spelling.
Control characters are refused rather than silently dropped, so nothing changes unseen.
Only derived keys (skill matching, duplicate detection, search) are folded, by `match_key`.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, StringConstraints

# Line breaks and tabs belong in multi-line text; every other C0/C1 control is refused.
_ALLOWED_CONTROLS = frozenset("\n\r\t")


def match_key(text: str) -> str:
    """The folded form used only for comparing: NFKC (full-width １３８ → 138, （ → (),
    case-folded, outer whitespace trimmed. Never stored in place of what was sent."""
    return unicodedata.normalize("NFKC", text).casefold().strip()


def nfkc(text: str) -> str:
    """NFKC only, for identifiers with one canonical spelling (phone numbers, credit codes)."""
    return unicodedata.normalize("NFKC", text).strip()


def _nfkc(value: object) -> object:
    return nfkc(value) if isinstance(value, str) else value


def control_character(text: str) -> str | None:
    """The first refused control character, as U+XXXX, or None."""
    for ch in text:
        if unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS:
            return f"U+{ord(ch):04X}"
    return None


def _exact(value: object) -> object:
    if not isinstance(value, str):
        return value
    bad = control_character(value)
    if bad is not None:
        raise ValueError(f"must not contain control characters (found {bad})")
    return value.strip()


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("must not be blank")
    return value


def Text(max_length: int, min_length: int = 1):
    return Annotated[
        str,
        BeforeValidator(_exact),
        StringConstraints(max_length=max_length, min_length=min_length),
        AfterValidator(_not_blank) if min_length else AfterValidator(lambda v: v),
    ]


Name = Text(100)
Title = Text(120)
Description = Text(5000, min_length=0)
ShortText = Text(200)
