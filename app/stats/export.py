"""CSV shapes of the statistics."""

from __future__ import annotations

from collections.abc import Iterator

from app.stats.schemas import OverviewOut, TimeseriesOut

UNITS = ("hour", "day", "piece", "month")
FIGURES = ("postings", "positions", "hires", "filled_positions", "fill_rate",
           "median_time_to_first_match_seconds", "median_time_to_fill_seconds")
TIMESERIES_HEADER = ("start_date", *FIGURES, *(f"median_wage_{u}_fen" for u in UNITS))


def overview_rows(out: OverviewOut) -> Iterator[tuple]:
    yield ("scope", "", out.scope)
    for name, value in out.filters.model_dump().items():
        yield ("filter", name, value)
    for name in (*FIGURES, "open_jobs", "workers_active"):
        yield (name, "", getattr(out, name))
    for unit, value in out.median_wage_by_unit.items():
        yield ("median_wage_fen", unit, value)
    for group, n in out.workers_by_target_group.items():
        yield ("workers_by_target_group", group, n)
    for name, value in out.arrears.model_dump().items():
        yield ("arrears", name, value)


def timeseries_rows(out: TimeseriesOut) -> Iterator[tuple]:
    for b in out.buckets:
        yield (b.start_date, *(getattr(b, name) for name in FIGURES),
               *(b.median_wage_by_unit.get(u) for u in UNITS))
