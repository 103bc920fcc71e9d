"""Where standards come from: the built-in files shipped in `app/markets/standards/`, and
versions admins publish through the API (stored in the database, never changed afterwards).

The newest published version is the current one; with none published, the built-in default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.common.problems import Conflict, NotFound
from app.markets.models import ComplianceStandard
from app.markets.standard_model import Standard, StandardInvalid, parse_standard

DEFAULT_VERSION = "cq-draft-2024"
SUFFIXES = (".yaml", ".yml", ".json")


def parse_standard_text(text: str, source: str) -> Standard:
    """A standard from YAML or JSON text (JSON is YAML), validated strictly."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise StandardInvalid(source, [(where, f"not valid YAML/JSON: {problem}")]) from None
    return parse_standard(raw, source)


def load_standard_file(path: Path) -> Standard:
    standard = parse_standard_text(path.read_text("utf-8"), path.name)
    if path.stem != standard.version:
        raise StandardInvalid(
            path.name, [("version", f"{standard.version!r} must match the file name {path.stem!r}")]
        )
    return standard


def load_directory(directory: Path) -> dict[str, Standard]:
    found = {}
    for path in sorted(directory.iterdir()):
        if path.suffix in SUFFIXES:
            standard = load_standard_file(path)
            found[standard.version] = standard
    return found


@cache
def builtin_standards() -> dict[str, Standard]:
    """Every file version, validated once per process; a malformed file stops the start."""
    directory = Path(str(resources.files("app.markets").joinpath("standards")))
    found = load_directory(directory)
    if DEFAULT_VERSION not in found:
        raise StandardInvalid(str(directory), [("", f"the default {DEFAULT_VERSION} is missing")])
    return found


@dataclass(frozen=True)
class StandardEntry:
    standard: Standard
    source: str  # builtin | published
    published_at: datetime | None = None


# Published rows never change, so a parsed copy per process stays true everywhere.
_parsed: dict[tuple[int, str], Standard] = {}


def _from_row(row: ComplianceStandard) -> StandardEntry:
    key = (row.id, row.version)
    if key not in _parsed:
        _parsed[key] = parse_standard(row.document, f"published version {row.version}")
    return StandardEntry(_parsed[key], "published", row.published_at)


async def list_standards(session: AsyncSession) -> list[StandardEntry]:
    rows = await session.scalars(
        select(ComplianceStandard).order_by(ComplianceStandard.published_at, ComplianceStandard.id)
    )
    builtin = [StandardEntry(s, "builtin") for s in builtin_standards().values()]
    return builtin + [_from_row(r) for r in rows]


async def current_standard(session: AsyncSession) -> Standard:
    row = await session.scalar(
        select(ComplianceStandard)
        .order_by(ComplianceStandard.published_at.desc(), ComplianceStandard.id.desc())
        .limit(1)
    )
    return _from_row(row).standard if row is not None else builtin_standards()[DEFAULT_VERSION]


async def get_standard(session: AsyncSession, version: str) -> StandardEntry:
    if version in builtin_standards():
        return StandardEntry(builtin_standards()[version], "builtin")
    row = await session.scalar(
        select(ComplianceStandard).where(ComplianceStandard.version == version)
    )
    if row is None:
        raise NotFound(f"no compliance standard version {version!r}")
    return _from_row(row)


async def publish_standard(
    session: AsyncSession, principal: Principal, standard: Standard
) -> StandardEntry:
    if standard.version in builtin_standards():
        raise Conflict(f"version {standard.version!r} is a built-in standard; choose a new version")
    exists = await session.scalar(
        select(ComplianceStandard.id).where(ComplianceStandard.version == standard.version)
    )
    if exists is not None:
        raise Conflict(
            f"version {standard.version!r} is already published; published versions never change"
        )
    row = ComplianceStandard(
        version=standard.version, title=standard.title,
        document=json.loads(standard.model_dump_json()), published_by_key_id=principal.key_id,
    )
    session.add(row)
    await session.flush()
    return _from_row(row)
