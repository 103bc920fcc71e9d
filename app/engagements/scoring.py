"""Worker reliability and employer credit (pure), each in [0, 1] with 0.5 for a newcomer.

Every component is a smoothed rate: a prior of PRIOR_WEIGHT pseudo-observations at 0.5 is
added to the record, so one bad day moves a newcomer noticeably but not to the floor, and a
long record outweighs the prior. Bad outcomes that hurt the other side more weigh double.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

PRIOR_WEIGHT = 4.0
NEUTRAL = 0.5


def smoothed(good: float, bad: float) -> float:
    return (good + NEUTRAL * PRIOR_WEIGHT) / (good + bad + PRIOR_WEIGHT)


def rating_component(count: int, total_score: int) -> float:
    """Scores 1–5 mapped to [0, 1] and smoothed like the rest."""
    good = (total_score - count) / 4 if count else 0.0
    return smoothed(good, count - good)


@dataclass(frozen=True)
class Rated:
    ratings_count: int = 0
    ratings_total: int = 0  # the sum of the 1–5 scores

    @property
    def rating_average(self) -> float | None:
        return round(self.ratings_total / self.ratings_count, 2) if self.ratings_count else None

    def as_dict(self) -> dict:
        return {**asdict(self), "rating_average": self.rating_average}


@dataclass(frozen=True)
class WorkerRecord(Rated):
    completed: int = 0
    no_shows: int = 0
    late_cancellations: int = 0


def worker_reliability(record: WorkerRecord) -> float:
    """Turning up (a no-show weighs double a late cancellation) and how employers rated it."""
    attendance = smoothed(record.completed, 2 * record.no_shows + record.late_cancellations)
    ratings = rating_component(record.ratings_count, record.ratings_total)
    return round(0.7 * attendance + 0.3 * ratings, 4)


@dataclass(frozen=True)
class EmployerRecord(Rated):
    settled: int = 0  # engagements paid in full
    in_arrears: int = 0  # engagements with wages past due today
    arrears_fen: int = 0
    kept: int = 0  # hires that were not cancelled by the employer
    cancellations: int = 0
    late_cancellations: int = 0


def employer_credit(record: EmployerRecord) -> float:
    """Paying on time matters most (wage arrears weigh double), then keeping hires, then
    what workers say."""
    wages = smoothed(record.settled, 2 * record.in_arrears)
    hires = smoothed(record.kept, record.cancellations + record.late_cancellations)
    ratings = rating_component(record.ratings_count, record.ratings_total)
    return round(0.5 * wages + 0.25 * hires + 0.25 * ratings, 4)
