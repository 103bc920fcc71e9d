"""Unified social credit code (统一社会信用代码), GB 32100-2015: charset and check character."""

from __future__ import annotations

# 31 characters: digits and capitals without I, O, S, V, Z.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    total = sum(CHARSET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 18:
        raise ValueError("must be 18 characters")
    bad = sorted({ch for ch in code if ch not in CHARSET})
    if bad:
        raise ValueError(f"contains characters outside GB 32100: {''.join(bad)}")
    if not code[2:8].isdigit():
        raise ValueError("characters 3–8 must be the administrative division code")
    if check_character(code[:17]) != code[17]:
        raise ValueError("check character does not match (GB 32100 checksum)")
    return code
