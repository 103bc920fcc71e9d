"""The hard filters that need a worker's or job's full record (pure).

Distance and skill relevance are judged on the match keys (app/matching/score.py); everything
else here, on the few candidates that rank high enough to be shown, since a filter only
removes candidates and never changes another's score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY_MINUTES = 24 * 60

Need = tuple[int, int, int]  # (ISO weekday, start minute, end minute) in Asia/Shanghai


def _parse(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def job_shifts(
    starts_at: datetime, ends_at: datetime, shifts: list[dict], *, pattern_only: bool = False
) -> list[tuple[datetime, datetime]]:
    """The job's working periods. Without explicit shifts, a posting up to a day long is one
    shift; a longer one means the same hours every day (08:00 on the first day to 18:00 on
    the last is 08:00–18:00 daily, not a 3-day stretch).

    pattern_only: of those daily shifts, only the first week's and the last two days' — the
    same weekly needs and the same first and last dates (the hours repeat each week, and only
    the end can clip a day), without expanding a 90-day season."""
    if shifts:
        return [(_parse(s["starts_at"]), _parse(s["ends_at"])) for s in shifts]
    if ends_at - starts_at <= timedelta(days=1):
        return [(starts_at, ends_at)]
    first, last = starts_at.astimezone(SHANGHAI), ends_at.astimezone(SHANGHAI)
    n = (last.date() - first.date()).days
    offsets = range(n + 1)
    if pattern_only and n > 8:
        offsets = [*range(7), n - 1, n]
    out = []
    for k in offsets:
        day = first.date() + timedelta(days=k)
        s = datetime.combine(day, first.timetz())
        e = datetime.combine(day, last.timetz())
        if e <= s:
            e += timedelta(days=1)
        e = min(e, last)
        if e > s:
            out.append((s, e))
    return out


def weekly_needs(shifts: list[tuple[datetime, datetime]]) -> frozenset[Need]:
    """Each shift as local weekday segments, split at midnight."""
    needs = set()
    for start, end in shifts:
        s, e = start.astimezone(SHANGHAI), end.astimezone(SHANGHAI)
        while s < e:
            midnight = datetime.combine(s.date() + timedelta(days=1), time(), SHANGHAI)
            seg_end = min(e, midnight)
            end_min = DAY_MINUTES if seg_end == midnight else seg_end.hour * 60 + seg_end.minute
            needs.add((s.isoweekday(), s.hour * 60 + s.minute, end_min))
            s = seg_end
    return frozenset(needs)


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def merged_windows(availability: list[dict]) -> dict[int, list[tuple[int, int]]]:
    """Weekday → disjoint windows; touching windows (08–12, 12–18) become one."""
    return _merged(tuple((w["weekday"], w["start"], w["end"]) for w in availability))


@lru_cache(maxsize=4096)  # schedules repeat a lot; a match page checks dozens of workers
def _merged(spans: tuple[tuple[int, str, str], ...]) -> dict[int, list[tuple[int, int]]]:
    by_day: dict[int, list[tuple[int, int]]] = {}
    for weekday, start, end in spans:
        by_day.setdefault(weekday, []).append((_minutes(start), _minutes(end)))
    merged = {}
    for day, spans in by_day.items():
        out: list[list[int]] = []
        for s, e in sorted(spans):
            if out and s <= out[-1][1]:
                out[-1][1] = max(out[-1][1], e)
            else:
                out.append([s, e])
        merged[day] = [(s, e) for s, e in out]
    return merged


def covers(availability: list[dict] | None, needs: frozenset[Need]) -> bool:
    if availability is None:  # null = any time
        return True
    return covered(merged_windows(availability), needs)


def covered(windows: dict[int, list[tuple[int, int]]], needs: frozenset[Need]) -> bool:
    """`windows`: merged_windows' answer (shared, cached: read only)."""
    return all(
        any(s <= ns and ne <= e for s, e in windows.get(day, ())) for day, ns, ne in needs
    )


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


@dataclass(frozen=True)
class JobFacts:
    id: int
    status: str
    starts_at: datetime
    ends_at: datetime
    needs: frozenset[Need]
    first_date: date
    last_date: date
    gender: str | None = None
    min_age: int | None = None
    max_age: int | None = None
    certificates: frozenset[str] = frozenset()


@lru_cache(maxsize=8192)  # a seasonal posting expands to ~90 daily shifts; pages repeat jobs
def _schedule(
    starts_at: datetime, ends_at: datetime, shifts: tuple[tuple[str, str], ...]
) -> tuple[frozenset[Need], date, date]:
    spans = job_shifts(
        starts_at, ends_at, [{"starts_at": s, "ends_at": e} for s, e in shifts], pattern_only=True
    )
    return (
        weekly_needs(spans),
        min(s for s, _ in spans).astimezone(SHANGHAI).date(),
        max(e for _, e in spans).astimezone(SHANGHAI).date(),
    )


def job_schedule(
    starts_at: datetime, ends_at: datetime, shifts
) -> tuple[frozenset[Need], date, date]:
    """(weekly needs, first date, last date) of a posting."""
    return _schedule(starts_at, ends_at,
                     tuple((s["starts_at"], s["ends_at"]) for s in shifts or ()))


def job_facts(job) -> JobFacts:
    needs, first_date, last_date = job_schedule(job.starts_at, job.ends_at, job.shifts)
    return JobFacts(
        id=job.id, status=job.status, starts_at=job.starts_at, ends_at=job.ends_at,
        needs=needs, first_date=first_date, last_date=last_date,
        gender=job.req_gender, min_age=job.req_min_age, max_age=job.req_max_age,
        certificates=frozenset(job.req_certificates or ()),
    )


@dataclass(frozen=True)
class WorkerFacts:
    id: int
    status: str
    birth_date: date
    gender: str
    certificates: frozenset[str]
    availability: list[dict] | None
    available_from_date: date | None = None
    available_until_date: date | None = None
    # Live engagements: (starts_at, ends_at)
    busy: tuple[tuple[datetime, datetime], ...] = field(default_factory=tuple)
    # merged_windows(availability), when worker_facts() built this: a worker's own match page
    # checks one availability against every candidate job.
    windows: dict[int, list[tuple[int, int]]] | None = None


def worker_facts(worker, busy=()) -> WorkerFacts:
    return WorkerFacts(
        id=worker.id, status=worker.status, birth_date=worker.birth_date, gender=worker.gender,
        certificates=frozenset(worker.certificates or ()), availability=worker.availability,
        available_from_date=worker.available_from_date,
        available_until_date=worker.available_until_date, busy=tuple(busy),
        windows=None if worker.availability is None else merged_windows(worker.availability),
    )


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def eligible(job: JobFacts, worker: WorkerFacts) -> bool:
    """Every hard filter except distance and skill relevance (judged on the match keys)."""
    if job.status != "open" or worker.status != "active":
        return False
    if job.gender is not None and worker.gender != job.gender:
        return False
    age = age_on(worker.birth_date, job.starts_at.astimezone(SHANGHAI).date())
    if (job.min_age is not None and age < job.min_age) or (
        job.max_age is not None and age > job.max_age
    ):
        return False
    if not job.certificates <= worker.certificates:
        return False
    if worker.available_from_date is not None and worker.available_from_date > job.first_date:
        return False
    if worker.available_until_date is not None and worker.available_until_date < job.last_date:
        return False
    if any(overlaps(s, e, job.starts_at, job.ends_at) for s, e in worker.busy):
        return False
    if worker.availability is None:  # null = any time
        return True
    windows = worker.windows if worker.windows is not None else merged_windows(worker.availability)
    return covered(windows, job.needs)
