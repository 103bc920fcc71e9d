"""The request's notion of now: `app.state.clock` if set (tests move time), else the real one.

Services take `now` as a parameter instead of reading the clock, so time-dependent rules
(due dates, grace periods, offer expiry) are tested by passing a time, never by sleeping.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from app.db import utcnow


def now_of(app) -> datetime:
    clock = getattr(app.state, "clock", None)
    return clock() if clock is not None else utcnow()


def _now(request: Request) -> datetime:
    return now_of(request.app)


NowDep = Annotated[datetime, Depends(_now)]
