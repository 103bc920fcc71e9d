"""Settings, read from the environment with the GIGMARKET_ prefix."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GIGMARKET_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./gigmarket.db"
    # Keyed hash for API keys. Unset: a random key is kept in `secret_key_file`
    # so every process on this machine agrees; production sets it explicitly.
    secret_key: SecretStr | None = None
    secret_key_file: Path = Path(".gigmarket-secret")

    log_level: str = "INFO"
    log_json: bool = True

    max_body_bytes: int = 1024 * 1024
    # Bulk endpoints (10 000 subsidy assessments with their contribution months).
    batch_max_body_bytes: int = 8 * 1024 * 1024
    # `limits` notation; storage "async+memory://" (per process) or "async+redis://host:port".
    rate_limit_per_key: str = "1200/minute"
    rate_limit_per_address: str = "120/minute"
    rate_limit_storage: str = "async+memory://"
    # A verified API key is remembered this long per process: a revocation (or a worker key's
    # binding) reaches every other process within it. 0 looks the key up on every request.
    key_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    # Browser origins of the public sites that call the API directly (e.g. 渝职聘's pages).
    cors_origins: list[str] = Field(default_factory=list)
    idempotency_ttl_hours: int = 24
    # Each API process sweeps (expired postings, idempotency keys, engagements) this often.
    housekeeping_seconds: float = Field(default=60.0, gt=0)
    # The match-change log keeps this long; a process that has not refreshed its in-memory
    # index for longer (an idle one) reloads it whole on its next match request.
    match_changes_retention_hours: float = Field(default=24.0, gt=0)
    db_pool_size: int = 10
    # How long a request waits for a pooled connection before it is refused with a 503.
    db_pool_timeout_seconds: float = 5.0

    # Legal minimums come from app/reference/data/minimum_wages.json: each district's tier,
    # with the notice and effective date. These settings, when set, override that unit's floor
    # for every district (e.g. the day a new notice takes effect, before the data is updated).
    min_wage_hour_fen: int | None = None
    min_wage_day_fen: int | None = None
    min_wage_month_fen: int | None = None

    duplicate_title_similarity: float = Field(default=85.0, ge=0, le=100)
    duplicate_distance_km: float = 1.0
    skill_match_threshold: float = Field(default=80.0, ge=0, le=100)

    # Matching (app/matching): score = Σ weight × component. Weights are normalised to sum to 1;
    # urgent (即时快招) postings multiply the distance weight first, then normalise.
    match_weights: dict[str, float] = Field(
        default_factory=lambda: {
            "skill": 0.35, "distance": 0.25, "time": 0.1, "wage": 0.15, "reliability": 0.15,
        }
    )
    match_urgent_distance_factor: float = Field(default=2.0, ge=1.0, le=10.0)
    # Job → workers retrieval from this process's in-memory copy of worker_match_keys
    # (app/matching/memindex.py); off: every request reads the rows through SQL.
    match_memindex: bool = True
    # Staffing plans consider at most this many best candidates per job (see app/matching/staffing).
    staffing_pool_per_job: int = Field(default=300, ge=1, le=5000)

    @field_validator("match_weights")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        expected = {"skill", "distance", "time", "wage", "reliability"}
        if set(value) != expected:
            raise ValueError(f"match_weights needs exactly {sorted(expected)}")
        if any(v < 0 for v in value.values()) or sum(value.values()) <= 0:
            raise ValueError("match_weights must be non-negative with a positive sum")
        return value

    # Engagements: offers, attendance, wages (see app/engagements).
    offer_ttl_minutes: int = Field(default=24 * 60, ge=1)
    urgent_offer_ttl_minutes: int = Field(default=60, ge=1)  # 即时快招: answer within the hour
    check_in_flag_distance_m: float = Field(default=500.0, gt=0)
    check_in_early_minutes: int = Field(default=120, ge=0)
    # A check-out must count at least this much work from the later of check-in and shift start.
    check_out_min_minutes: int = Field(default=5, ge=1)
    no_show_grace_minutes: int = Field(default=60, ge=0)
    late_cancellation_hours: float = Field(default=4.0, ge=0)
    # Due dates by settlement, in Asia/Shanghai days. 日结: the day worked + N days; 周结: the
    # next such ISO weekday (7 = Sunday) on or after the day worked; 月结: 0 = the last day of
    # the month worked, 1–28 = that day of the following month; 完工结: the job's last day + N.
    settlement_daily_days: int = Field(default=0, ge=0, le=31)
    settlement_weekly_weekday: int = Field(default=7, ge=1, le=7)
    settlement_monthly_day: int = Field(default=0, ge=0, le=28)
    settlement_on_completion_days: int = Field(default=0, ge=0, le=90)
    # Rights on the record (app/agreements, app/complaints, app/protection).
    signing_code_ttl_minutes: int = Field(default=15, ge=1, le=1440)
    complaint_deadline_days: int = Field(default=15, ge=1, le=90)
    # Substantiated complaints after which an employer may no longer post (0: never blocks).
    complaint_block_threshold: int = Field(default=3, ge=0)
    # A household employer (item 八) hires at most this many people per posting.
    individual_headcount_cap: int = Field(default=3, ge=1, le=20)
    # Webhooks (Standard Webhooks delivery from the outbox).
    # Run the dispatcher inside each API process (`gigmarket serve` turns it on unless
    # --no-dispatcher); separate `gigmarket dispatch` processes can run beside it.
    dispatcher_in_process: bool = False
    # Deliveries in flight per dispatcher; also the claim batch size (a quarter of it at
    # least). Measured (bench/webhooks.py): 64 → ~600/s, 128 → ~1,900/s on loopback.
    dispatcher_concurrency: int = Field(default=128, ge=1, le=1000)
    dispatcher_poll_seconds: float = Field(default=0.5, gt=0)
    # Delay before attempt 1, 2, …: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
    webhook_retry_schedule_seconds: list[float] = Field(
        default=[0, 5, 300, 1800, 7200, 18000, 36000, 36000], min_length=1
    )
    webhook_retry_jitter: float = Field(default=0.1, ge=0, lt=1)
    webhook_timeout_seconds: float = Field(default=15.0, gt=0)
    # A claimed delivery is held for timeout + this margin; a dispatcher that dies mid-flight
    # leaves its claims to others once the lease ends (fault tests shorten it).
    webhook_lease_margin_seconds: float = Field(default=60.0, ge=0)
    # An endpoint failing every attempt this long is disabled (endpoint.disabled event).
    webhook_disable_after_hours: float = Field(default=120.0, gt=0)
    webhook_rotation_overlap_hours: float = Field(default=24.0, ge=0, le=168)
    # Hosts ("localhost") or networks ("127.0.0.0/8") that endpoints may use although they are
    # not public addresses, and over plain http. Empty in production.
    webhook_allow_list: list[str] = Field(default_factory=list)

    def resolved_secret_key(self) -> bytes:
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        path = self.secret_key_file
        if not path.exists():
            token = secrets.token_urlsafe(32)
            # O_EXCL: two processes starting together must not write two different keys.
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as fh:
                    fh.write(token)
        return path.read_text().strip().encode()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
