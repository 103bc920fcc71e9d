"""Personal data: phone validation and masking."""

from __future__ import annotations

import re

from app.common.text import nfkc

_MOBILE = re.compile(r"1[3-9]\d{9}")


def normalise_phone(value: str) -> str:
    text = re.sub(r"[\s\-()]", "", nfkc(value))
    text = text.removeprefix("+86").removeprefix("0086")
    if not _MOBILE.fullmatch(text):
        raise ValueError("must be a mainland mobile number (11 digits starting 13–19)")
    return text


def mask_phone(phone: str | None) -> str | None:
    if phone is None:
        return None
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"
