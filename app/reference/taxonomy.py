"""The skill taxonomy and Chongqing's districts: static data files, loaded once per process.

Static reference data shipped with the code, so every process holds the same copy.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from rapidfuzz import fuzz, process, utils

from app.common.text import match_key

_ABILITY = re.compile(r"^(会|能|懂|擅长|熟悉|熟练|精通|可以|可)")


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


def label_similarity(text: str, label: str, *, score_cutoff: float = 0, **_kw) -> float:
    """Similarity 0–100 of typed text and a taxonomy label.

    Whole-string similarity, or a substring match discounted a little, but only when the
    shorter string covers at least half of the longer: "水电维修工" finds 水电维修, while
    "量子计算机调音师" does not become 调音师 just because it contains the word.
    """
    score = fuzz.ratio(text, label)
    short, long_ = sorted((len(text), len(label)))
    if long_ and short / long_ >= 0.5:
        score = max(score, 0.95 * fuzz.partial_ratio(text, label))
    return score if score >= score_cutoff else 0.0


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
        self._folded = [utils.default_process(match_key(label)) for label in self._labels]
        self._exact = {
            match_key(label): skill
            for label, skill in zip(self._labels, self._label_skill, strict=True)
        }

    def normalise(self, raw: str, threshold: float) -> SkillMatch:
        text = match_key(raw)
        exact = self._exact.get(text)
        if exact is None:
            # "会做饭", "能开叉车", "擅长收纳": the skill is what follows the verb of ability.
            stripped = _ABILITY.sub("", text)
            if stripped and stripped != text:
                text = stripped
                exact = self._exact.get(text)
        if exact is not None:
            return SkillMatch(raw, exact, 100.0)
        best = process.extractOne(
            utils.default_process(text), self._folded, scorer=label_similarity,
            score_cutoff=threshold,
        )
        if best is None:
            return SkillMatch(raw, None, 0.0)
        _label, score, index = best
        return SkillMatch(raw, self._label_skill[index], round(float(score), 1))

    def search(self, query: str, limit: int) -> list[tuple[Skill, float]]:
        """Best skills for a query, one row per skill, by its best-scoring label."""
        hits = process.extract(
            utils.default_process(match_key(query)), self._folded, scorer=fuzz.WRatio,
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
