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


class MatchBase(BaseModel):
    id: int = Field(description="The matched worker's (or job's) id")
    score: float = Field(description="Σ weights[k] × components[k], in [0, 1]")
    components: Components
    weights: Components
    distance_km: float
    matched_skills: list[str] = Field(description="The job's required skills the worker holds")
    missing_skills: list[str]


class WorkerMatch(MatchBase):
    worker: MatchWorkerSummary


class JobMatch(MatchBase):
    job: MatchJobSummary


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
