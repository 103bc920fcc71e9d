"""Which engagements lack the injury cover the rules ask for. Pure: no I/O.

Item 十四: a part-time worker employed by two or more employers at once is covered by each
of them (each pays work-injury insurance), so every such engagement needs its own record.
Item 十六: platforms in the occupational-injury pilot report pilot cover for their workers."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

PILOT_FILE = Path(__file__).with_name("data") / "occupational_injury_pilot.json"
COVERED = ("work_injury", "occupational_injury_pilot", "commercial_accident")


@cache
def pilot_names() -> frozenset[str]:
    data = json.loads(PILOT_FILE.read_text("utf-8"))
    return frozenset(_key(p["name"]) for p in data["platforms"])


def _key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).replace(" ", "")


def on_pilot(kind: str, name: str) -> bool:
    return kind == "platform" and _key(name) in pilot_names()


@dataclass(frozen=True)
class Held:
    """One live engagement as the rule sees it."""
    engagement_id: int
    worker_id: int
    employer_id: int
    part_time: bool
    start_date: date
    end_date: date
    pilot_platform: bool
    cover_type: str | None
    cover_from: date | None
    cover_to: date | None


def _covers(h: Held) -> bool:
    return (h.cover_type in COVERED
            and (h.cover_from is None or h.cover_from <= h.start_date)
            and (h.cover_to is None or h.cover_to >= h.end_date))


def gaps(held: list[Held]) -> dict[int, list[str]]:
    """engagement id → reasons it falls short (only engagements that do)."""
    found: dict[int, list[str]] = {}
    by_worker: dict[int, list[Held]] = {}
    for h in held:
        by_worker.setdefault(h.worker_id, []).append(h)
        if h.pilot_platform and h.cover_type != "occupational_injury_pilot":
            found.setdefault(h.engagement_id, []).append("pilot_cover_not_reported")
    for rows in by_worker.values():
        part = [h for h in rows if h.part_time]
        for h in part:
            concurrent = any(
                o.employer_id != h.employer_id
                and o.start_date <= h.end_date and h.start_date <= o.end_date
                for o in part
            )
            if concurrent and not _covers(h):
                found.setdefault(h.engagement_id, []).append("no_own_cover_with_other_employer")
    return found
