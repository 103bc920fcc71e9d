"""Turning free-text skills into taxonomy rows, the same way for jobs and workers."""

from __future__ import annotations

import re

from app.reference.taxonomy import SkillMatch, taxonomy

# People type several skills in one box: "搬运、装卸", "电工/焊工", "保洁 做饭".
_SEPARATORS = re.compile(r"[、，,/／;；\s]+")
MAX_SKILL_ENTRIES = 30


def split_skill_text(raw: str) -> list[str]:
    """The entries in one skill text, each kept as typed (trimmed)."""
    return [part for part in _SEPARATORS.split(raw) if part]


def normalise_skills(raw_skills: list[str], threshold: float) -> list[SkillMatch]:
    """One match per distinct entry (texts split on 、，,/; and spaces) and at most one row
    per taxonomy skill; the code is null when nothing is close enough."""
    return [m for m, _source in normalise_skill_entries(raw_skills, threshold)]


def normalise_skill_entries(
    raw_skills: list[str], threshold: float
) -> list[tuple[SkillMatch, int]]:
    """(match, index of the text it came from), so callers can carry per-text details."""
    seen_text: set[str] = set()
    seen_code: set[str] = set()
    out = []
    for source, raw in enumerate(raw_skills):
        for part in split_skill_text(raw):
            if part in seen_text:
                continue
            seen_text.add(part)
            match = taxonomy().normalise(part, threshold)
            if match.skill is not None:
                if match.skill.code in seen_code:
                    continue  # "搬运、装卸" is one skill, not two rows for the same key
                seen_code.add(match.skill.code)
            out.append((match, source))
    return out


def unrecognised(skills) -> list[str]:
    """Entries outside the taxonomy, so an app can ask the person what they meant."""
    return [s.raw for s in skills if s.skill_code is None]


def skill_view(raw: str, code: str | None, similarity: float) -> dict:
    skill = taxonomy().by_code.get(code) if code else None
    return {
        "raw": raw,
        "skill_code": code,
        "skill_name": skill.name if skill else None,
        "similarity": similarity,
    }
