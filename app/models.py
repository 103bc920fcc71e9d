"""Imports every table so Base.metadata is complete (Alembic and tests use it)."""

from app.agreements.models import Agreement
from app.auth.models import ApiKey
from app.complaints.models import Complaint
from app.db import Base
from app.employers.models import Employer
from app.engagements.models import Application, Engagement, HoursDispute, Offer, Payment, Rating
from app.events.models import Event
from app.idempotency.models import IdempotencyRecord
from app.jobs.models import Job, JobSkill
from app.markets.models import ComplianceStandard, Market, MarketAssessment
from app.matching.models import (
    JobMatchKey,
    WorkerMatchChange,
    WorkerMatchChangeHorizon,
    WorkerMatchKey,
)
from app.partners.models import PartnerGrant, PartnerPosting
from app.protection.models import Protection, ReportedEngagement
from app.stats.models import (
    StatsDay,
    StatsJobFact,
    StatsRollupState,
    StatsWorkerCount,
    StatsWorkerFact,
)
from app.subsidies.models import SubsidyParameters
from app.training.models import (
    CatalogueHistory,
    Course,
    Enrolment,
    ShortageTrade,
    SubsidyRate,
    TrainingInstitution,
    TrainingWish,
    Voucher,
    VoucherProgramme,
)
from app.webhooks.models import EventSequencer, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.workers.models import Worker, WorkerSkill

__all__ = [
    "Agreement",
    "ApiKey",
    "Application",
    "Base",
    "CatalogueHistory",
    "Complaint",
    "ComplianceStandard",
    "Course",
    "Employer",
    "Engagement",
    "Enrolment",
    "Event",
    "EventSequencer",
    "HoursDispute",
    "IdempotencyRecord",
    "Job",
    "JobMatchKey",
    "JobSkill",
    "Market",
    "MarketAssessment",
    "Offer",
    "PartnerGrant",
    "PartnerPosting",
    "Payment",
    "Protection",
    "Rating",
    "ReportedEngagement",
    "ShortageTrade",
    "StatsDay",
    "StatsJobFact",
    "StatsRollupState",
    "StatsWorkerCount",
    "StatsWorkerFact",
    "SubsidyParameters",
    "SubsidyRate",
    "TrainingInstitution",
    "TrainingWish",
    "Voucher",
    "VoucherProgramme",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "Worker",
    "WorkerMatchChange",
    "WorkerMatchChangeHorizon",
    "WorkerMatchKey",
    "WorkerSkill",
]
