"""Every event type the service emits, collected from each domain's `events.py`.

A domain package declares `EVENTS = {"job.created": (JobEventData, "English description")}` in
`app/<domain>/events.py`; packages are discovered, so a new domain plugs in by adding that
file. record_event refuses a type not declared here, so nothing is emitted undocumented.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from pydantic import BaseModel

import app

EventSpec = tuple[type[BaseModel], str]


@cache
def event_registry() -> dict[str, EventSpec]:
    registry: dict[str, EventSpec] = {}
    for package in pkgutil.iter_modules(app.__path__):
        if not package.ispkg:
            continue
        name = f"app.{package.name}.events"
        if importlib.util.find_spec(name) is None:
            continue
        for type_, spec in importlib.import_module(name).EVENTS.items():
            if type_ in registry:
                raise RuntimeError(f"event type {type_} declared twice ({name})")
            registry[type_] = spec
    return dict(sorted(registry.items()))
