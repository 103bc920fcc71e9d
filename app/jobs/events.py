"""Webhook events about job postings (the `data` of each)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from app.jobs.schemas import EmploymentType, JobStatus


class JobEventData(BaseModel):
    id: int
    employer_id: int
    title: str
    status: JobStatus
    employment_type: EmploymentType
    district_code: str
    headcount: int
    urgent: bool
    starts_at: datetime
    ends_at: datetime


EVENTS = {
    "job.created": (JobEventData, "A job was posted (it may still await review)."),
    "job.updated": (JobEventData, "A job's details changed."),
    "job.approved": (JobEventData, "A market approved the posting; it is open."),
    "job.rejected": (JobEventData, "A market rejected the posting."),
    "job.filled": (JobEventData, "Every place of the job is taken."),
    "job.reopened": (JobEventData, "A cancelled hire freed a place of a filled job."),
    "job.closed": (JobEventData, "The employer stopped taking applications."),
    "job.cancelled": (JobEventData, "The employer cancelled the job and its hires."),
}
