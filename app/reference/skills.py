"""Turning free-text skills into taxonomy rows, the same way for jobs and workers."""

from __future__ import annotations

from app.reference.taxonomy import SkillMatch, taxonomy


def normalise_skills(raw_skills: list[str], threshold: float) -> list[SkillMatch]:
    """One match per distinct text; the taxonomy code is null when nothing is close enough."""
    seen: set[str] = set()
    out = []
    for raw in raw_skills:
        if raw in seen:
            continue
        seen.add(raw)
        out.append(taxonomy().normalise(raw, threshold))
    return out


def skill_view(raw: str, code: str | None, similarity: float) -> dict:
    skill = taxonomy().by_code.get(code) if code else None
    return {
        "raw": raw,
        "skill_code": code,
        "skill_name": skill.name if skill else None,
        "similarity": similarity,
    }
