"""Every problem slug the code can raise, found by reading app/ (no import needed)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
# Callables taking (status, title, detail, slug, …); the value is the slug's position.
POSITIONAL = {"problem_response": 3, "problem_body": 3, "send_problem": 4, "_Outcome": 3}


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _slug(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) \
            and SLUG.fullmatch(node.value):
        return node.value
    return None


def slugs_in(source: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == "slug" and (s := _slug(kw.value)):
                    found.add(s)
            position = POSITIONAL.get(_name(node.func))
            if position is not None and len(node.args) > position \
                    and (s := _slug(node.args[position])):
                found.add(s)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "slug" and (s := _slug(value)):
                    found.add(s)
        elif isinstance(node, ast.AnnAssign):  # `slug: str = "bad-request"`
            if isinstance(node.target, ast.Name) and node.target.id == "slug" \
                    and (s := _slug(node.value)):
                found.add(s)
        elif isinstance(node, ast.Assign):
            # `slug = "x"` or `status, slug, title = 404, "not-found", "Not found"` in a class
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == "slug" \
                        and (s := _slug(node.value)):
                    found.add(s)
                if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    for t, v in zip(target.elts, node.value.elts, strict=False):
                        if isinstance(t, ast.Name) and t.id == "slug" and (s := _slug(v)):
                            found.add(s)
    return found


def all_slugs(root: Path) -> dict[str, set[str]]:
    """slug → the files that raise it."""
    where: dict[str, set[str]] = {}
    for path in sorted((root / "app").rglob("*.py")):
        for slug in slugs_in(path.read_text(encoding="utf-8")):
            where.setdefault(slug, set()).add(str(path.relative_to(root)))
    return where
