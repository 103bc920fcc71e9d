"""Imports every table so Base.metadata is complete (Alembic and tests use it)."""

from app.auth.models import ApiKey
from app.db import Base
from app.employers.models import Employer
from app.engagements.models import Engagement
from app.events.models import Event
from app.idempotency.models import IdempotencyRecord
from app.jobs.models import Job, JobSkill
from app.markets.models import Market
from app.partners.models import PartnerGrant, PartnerPosting
from app.webhooks.models import EventSequencer, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.workers.models import Worker, WorkerSkill

__all__ = [
    "ApiKey", "Base", "Employer", "Engagement", "Event", "EventSequencer", "IdempotencyRecord",
    "Job", "JobSkill", "Market", "PartnerGrant", "PartnerPosting", "WebhookAttempt",
    "WebhookDelivery", "WebhookEndpoint", "Worker", "WorkerSkill",
]
