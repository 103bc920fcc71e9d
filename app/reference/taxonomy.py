"""The skill taxonomy and Chongqing's districts: static data files, loaded once per process.

Static reference data shipped with the code, so every process holds the same copy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from rapidfuzz import fuzz, process, utils

from app.common.text import nfkc


@dataclass(frozen=True)
class Skill:
    code: str
    name: str
    category: str
    synonyms: tuple[str, ...]
    certificates: tuple[str, ...]


@dataclass(frozen=True)
class District:
    code: str
    name: str
    kind: str
    lat: float
    lng: float
    area_group: str


@dataclass(frozen=True)
class SkillMatch:
    raw: str
    skill: Skill | None
    similarity: float  # 0–100; 100 for an exact name or synonym


def _load(name: str) -> list[dict]:
    return json.loads(resources.files("app.reference").joinpath("data", name).read_text("utf-8"))


class Taxonomy:
    def __init__(self, skills: list[Skill]) -> None:
        self.skills = skills
        self.by_code = {s.code: s for s in skills}
        # Every name and synonym points at its skill; fuzzy search runs over these labels.
        self._labels: list[str] = []
        self._label_skill: list[Skill] = []
        for skill in skills:
            for label in (skill.name, *skill.synonyms):
                self._labels.append(label)
                self._label_skill.append(skill)
        self._exact = {label: skill for label, skill in zip(self._labels, self._label_skill)}

    def normalise(self, raw: str, threshold: float) -> SkillMatch:
        text = nfkc(raw)
        exact = self._exact.get(text)
        if exact is not None:
            return SkillMatch(raw, exact, 100.0)
        best = process.extractOne(
            text, self._labels, scorer=fuzz.WRatio, processor=utils.default_process,
            score_cutoff=threshold,
        )
        if best is None:
            return SkillMatch(raw, None, 0.0)
        _label, score, index = best
        return SkillMatch(raw, self._label_skill[index], round(float(score), 1))

    def search(self, query: str, limit: int) -> list[tuple[Skill, float]]:
        """Best skills for a query, one row per skill, by its best-scoring label."""
        hits = process.extract(
            nfkc(query), self._labels, scorer=fuzz.WRatio, processor=utils.default_process,
            limit=limit * 4, score_cutoff=50,
        )
        seen: dict[str, tuple[Skill, float]] = {}
        for _label, score, index in hits:
            skill = self._label_skill[index]
            if skill.code not in seen:
                seen[skill.code] = (skill, round(float(score), 1))
        return sorted(seen.values(), key=lambda item: (-item[1], item[0].code))[:limit]


@cache
def taxonomy() -> Taxonomy:
    return Taxonomy(
        [
            Skill(
                code=row["code"], name=row["name"], category=row["category"],
                synonyms=tuple(row.get("synonyms", ())),
                certificates=tuple(row.get("certificates", ())),
            )
            for row in _load("skills.json")
        ]
    )


@cache
def districts() -> dict[str, District]:
    return {row["code"]: District(**row) for row in _load("districts.json")}
