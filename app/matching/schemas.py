from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.common.schemas import Id, StrictModel
from app.jobs.schemas import Gender, JobStatus, Settlement, WageUnit


class Components(BaseModel):
    skill: float
    distance: float
    time: float
    wage: float
    reliability: float


class MatchWorkerSummary(BaseModel):
    id: int
    name: str
    phone: str = Field(description="Always masked (138****0000) in matches")
    gender: Gender
    age: int
    district_code: str | None
    skills: list[str]


class MatchWage(BaseModel):
    amount: int
    unit: WageUnit
    settlement: Settlement


class MatchJobSummary(BaseModel):
    id: int
    title: str
    employer_id: int
    district_code: str
    starts_at: datetime
    ends_at: datetime
    wage: MatchWage
    headcount: int
    urgent: bool
    status: JobStatus


class MatchReasons(BaseModel):
    """One short reason in Chinese per score component, e.g. 距离 2.3 公里."""

    skill: str
    distance: str
    time: str
    wage: str
    reliability: str


class MatchBase(BaseModel):
    id: int = Field(description="The matched worker's (or job's) id")
    score: float = Field(
        description="Σ weights[k] × components[k] over the unrounded values, in [0, 1], then "
        "rounded to 4 decimals; with the shown (rounded) values the sum agrees within 0.0004"
    )
    components: Components = Field(description="Each in [0, 1], rounded to 4 decimals")
    weights: Components = Field(description="Rounded to 4 decimals")
    distance_km: float
    matched_skills: list[str] = Field(
        description="The job's required skills the worker holds, by their taxonomy names"
    )
    missing_skills: list[str] = Field(description="The job's other required skills, same names")
    reasons: MatchReasons


class MatchEmptyReason(BaseModel):
    code: str = Field(description="job_not_open, no_skilled_workers, no_skilled_workers_nearby, "
                      "beyond_travel, worker_inactive, no_skills, no_jobs_for_skills, "
                      "no_jobs_nearby, one hard filter (booked, availability, dates, "
                      "certificates, age, gender), all_excluded or no_match")
    message: str = Field(description="The reason in Chinese, e.g. 5 公里内没有具备「叉车司机」技能的求职者")
    counts: dict[str, int] | None = Field(
        default=None, description="Candidates within reach excluded, by the first filter failed"
    )


class WorkerMatch(MatchBase):
    worker: MatchWorkerSummary


class JobMatch(MatchBase):
    job: MatchJobSummary


class WorkerMatchPage(BaseModel):
    items: list[WorkerMatch]
    next_cursor: str | None = None
    empty_reason: MatchEmptyReason | None = Field(
        default=None, description="Why the first page is empty; null otherwise"
    )


class JobMatchPage(BaseModel):
    items: list[JobMatch]
    next_cursor: str | None = None
    empty_reason: MatchEmptyReason | None = Field(
        default=None, description="Why the first page is empty; null otherwise"
    )


class StaffingPlanIn(StrictModel):
    job_ids: list[Id] = Field(min_length=1, max_length=200)


class Assignment(BaseModel):
    job_id: int
    worker_id: int
    score: float


class JobPlan(BaseModel):
    job_id: int
    open_slots: int
    assigned: int


class StaffingPlanOut(BaseModel):
    assignments: list[Assignment]
    jobs: list[JobPlan]
    total_score: float
    greedy_total_score: float
    method: str = Field(description="How the plan was found (see the README's Matching section)")
