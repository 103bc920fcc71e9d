"""Imports every table so Base.metadata is complete (Alembic and tests use it)."""

from app.auth.models import ApiKey
from app.db import Base
from app.employers.models import Employer
from app.engagements.models import Application, Engagement, HoursDispute, Offer, Payment, Rating
from app.events.models import Event
from app.idempotency.models import IdempotencyRecord
from app.jobs.models import Job, JobSkill
from app.markets.models import ComplianceStandard, Market, MarketAssessment
from app.matching.models import JobMatchKey, WorkerMatchChange, WorkerMatchKey
from app.partners.models import PartnerGrant, PartnerPosting
from app.subsidies.models import SubsidyParameters
from app.webhooks.models import EventSequencer, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.workers.models import Worker, WorkerSkill

__all__ = [
    "ApiKey", "Application", "Base", "ComplianceStandard", "Employer", "Engagement", "Event",
    "EventSequencer", "HoursDispute", "IdempotencyRecord", "Job", "JobMatchKey", "JobSkill", "Market",
    "MarketAssessment", "Offer", "PartnerGrant", "PartnerPosting", "Payment", "Rating",
    "SubsidyParameters", "WebhookAttempt", "WebhookDelivery", "WebhookEndpoint", "Worker",
    "WorkerMatchChange", "WorkerMatchKey", "WorkerSkill",
]
