"""Assessments: score a market against a standard, verify, and read current ratings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal, Role
from app.common.problems import Conflict, Forbidden, NotFound, Unprocessable, field_error
from app.complaints.metrics import market_complaint_values
from app.db import utcnow
from app.events.service import record_event
from app.markets import metrics, scoring
from app.markets.assessment_schemas import AssessmentCreate, IndicatorInput, VerificationCreate
from app.markets.models import Market, MarketAssessment
from app.markets.service import get_market
from app.markets.standard_model import Standard
from app.markets.standards import current_standard, get_standard

SHANGHAI = ZoneInfo("Asia/Shanghai")
ASSESSORS = (Role.admin, Role.market, Role.inspector)


def business_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def can_see(principal: Principal, market_id: int) -> bool:
    return principal.role in (Role.admin, Role.inspector) or principal.acts_for(
        Role.market, market_id
    )


def _value_errors(standard: Standard, values: Mapping[str, IndicatorInput]) -> None:
    errors = scoring.input_errors(standard, {k: v.value for k, v in values.items()})
    if not errors:
        return
    missing = [code for code, detail in errors if detail.startswith("missing:")]
    head = (
        f"missing indicators: {', '.join(missing)}" if missing
        else f"{len(errors)} indicator value(s) are not acceptable"
    )
    if missing and len(errors) > len(missing):
        head += f"; {len(errors) - len(missing)} other value(s) are not acceptable"
    raise Unprocessable(
        head, errors=[{"pointer": f"/values/{code}", "detail": d} for code, d in errors],
        missing=missing or None, standard_version=standard.version,
    )


def _entries(
    standard: Standard, values: Mapping[str, IndicatorInput], computed: Mapping[str, object]
) -> dict[str, scoring.Entry]:
    entries = {
        code: scoring.Entry(v.value, str(v.evidence_url) if v.evidence_url else None)
        for code, v in values.items()
    }
    for ind in standard.indicators:
        if ind.kind == "computed":
            entries[ind.code] = scoring.Entry(computed.get(ind.metric), source="computed")
    return entries


def _stored(values: Mapping[str, IndicatorInput]) -> dict[str, dict]:
    return {
        code: {"value": v.value, "evidence_url": str(v.evidence_url) if v.evidence_url else None}
        for code, v in values.items()
    }


async def _standard_for(
    session: AsyncSession, principal: Principal, requested: str | None
) -> Standard:
    current = await current_standard(session)
    if requested is None or requested == current.version:
        return current
    if principal.role is Role.market:
        raise field_error(
            "/standard_version", f"self-assessments use the current standard ({current.version})"
        )
    try:
        return (await get_standard(session, requested)).standard
    except NotFound:
        raise field_error("/standard_version", f"no standard version {requested!r}") from None


async def create_assessment(
    session: AsyncSession, principal: Principal, market_id: int, data: AssessmentCreate
) -> MarketAssessment:
    market = await get_market(session, market_id)
    if principal.role not in ASSESSORS:
        raise Forbidden(f"the {principal.role.value} role cannot assess markets")
    if principal.role is Role.market and principal.subject_id != market.id:
        # Another market's assessments are another tenant's records: they do not exist here.
        raise NotFound(f"no market with id {market_id}")
    standard = await _standard_for(session, principal, data.standard_version)
    _value_errors(standard, data.values)
    now = utcnow()
    computed = {
        **await metrics.platform_values(session, market.id, now, standard.window_days),
        **await market_complaint_values(session, market.id, now, standard.window_days),
    }
    inspection = principal.role is Role.inspector
    result = scoring.score(
        standard, scale=market.scale, district_code=market.district_code,
        entries=_entries(standard, data.values, computed), verified=inspection,
        opening_date=market.opening_date, as_of=business_date(now),
    ).to_json()
    row = MarketAssessment(
        market_id=market.id, standard_version=standard.version,
        assessor_role=principal.role.value, submitted_by_key_id=principal.key_id, as_of_at=now,
        scale=market.scale, district_code=market.district_code,
        submitted_values=_stored(data.values), computed_values=computed, result=result,
        note=data.note, verified=inspection,
        verified_at=now if inspection else None,
        verified_by_key_id=principal.key_id if inspection else None,
        score=result["total"], rating=result["rating"], effective_at=now,
    )
    session.add(row)
    await session.flush()
    _event(session, "assessment.submitted", row)
    return row


async def verify_assessment(
    session: AsyncSession, principal: Principal, assessment_id: int, data: VerificationCreate
) -> MarketAssessment:
    if principal.role is not Role.inspector:
        raise Forbidden("only inspectors verify assessments")
    row = await session.get(MarketAssessment, assessment_id)
    if row is None:
        raise NotFound(f"no assessment with id {assessment_id}")
    if row.verified:
        raise Conflict(
            f"assessment {row.id} is already verified; submit a new assessment to re-assess",
            verified_at=row.verified_at.isoformat() if row.verified_at else None,
        )
    standard = (await get_standard(session, row.standard_version)).standard
    _value_errors(standard, data.values)
    market = await get_market(session, row.market_id)
    now = utcnow()
    verified = scoring.score(
        standard, scale=row.scale, district_code=row.district_code,
        entries=_entries(standard, data.values, row.computed_values), verified=True,
        opening_date=market.opening_date, as_of=business_date(now),
    ).to_json()
    row.verified, row.verified_at, row.verified_by_key_id = True, now, principal.key_id
    row.verified_values = _stored(data.values)
    row.verified_result = verified
    row.differences = scoring.differences(row.result, verified)
    row.verification_note = data.note
    row.score, row.rating, row.effective_at = verified["total"], verified["rating"], now
    await session.flush()
    _event(session, "assessment.verified", row)
    return row


def _event(session: AsyncSession, type_: str, row: MarketAssessment) -> None:
    record_event(
        session, type_, resource_type="assessment", resource_id=row.id, market_id=row.market_id,
        data={"id": row.id, "market_id": row.market_id, "standard_version": row.standard_version,
              "score": row.score, "rating": row.rating, "verified": row.verified},
    )


async def get_assessment(
    session: AsyncSession, principal: Principal, assessment_id: int
) -> MarketAssessment:
    _require_reader(principal)
    row = await session.get(MarketAssessment, assessment_id)
    if row is None or not can_see(principal, row.market_id):
        raise NotFound(f"no assessment with id {assessment_id}")
    return row


def _require_reader(principal: Principal) -> None:
    """Assessments are for the assessed market, inspectors and admins: any other role is
    refused outright (403), another market finds nothing (404)."""
    if principal.role not in ASSESSORS:
        raise Forbidden("assessments are for the market itself, inspectors and admins")


async def list_assessments(
    session: AsyncSession, principal: Principal, market_id: int, *, limit: int,
    after_id: int | None,
) -> list[MarketAssessment]:
    _require_reader(principal)
    await get_market(session, market_id)
    if not can_see(principal, market_id):
        raise NotFound(f"no market with id {market_id}")
    stmt = (
        select(MarketAssessment).where(MarketAssessment.market_id == market_id)
        .order_by(MarketAssessment.id.desc()).limit(limit + 1)
    )
    if after_id is not None:
        stmt = stmt.where(MarketAssessment.id < after_id)
    return list(await session.scalars(stmt))


# ------------------------------------------------------------------ current ratings, rankings


def _current(market_ids: list[int] | None = None) -> Select:
    """One row per market: its latest verified assessment, else its latest one."""
    rank = func.row_number().over(
        partition_by=MarketAssessment.market_id,
        order_by=(MarketAssessment.verified.desc(), MarketAssessment.effective_at.desc(),
                  MarketAssessment.id.desc()),
    ).label("rn")
    stmt = select(
        MarketAssessment.id, MarketAssessment.market_id, MarketAssessment.score,
        MarketAssessment.rating, MarketAssessment.verified, MarketAssessment.standard_version,
        MarketAssessment.effective_at, rank,
    )
    if market_ids is not None:
        stmt = stmt.where(MarketAssessment.market_id.in_(market_ids))
    return stmt


async def current_ratings(session: AsyncSession, market_ids: list[int]) -> dict[int, dict]:
    if not market_ids:
        return {}
    sub = _current(market_ids).subquery()
    rows = await session.execute(select(sub).where(sub.c.rn == 1))
    return {row.market_id: _rating_view(row) for row in rows}


def _rating_view(row) -> dict:
    return {
        "assessment_id": row.id, "rating": row.rating, "score": row.score,
        "verified": bool(row.verified), "standard_version": row.standard_version,
        "rated_at": row.effective_at,
    }


@dataclass
class RankingFilters:
    district_code: str | None = None
    scale: str | None = None
    rating: str | None = None
    verified: bool | None = None


RATING_ORDER = {name: i for i, name in enumerate(scoring.RATINGS)}


async def rankings(
    session: AsyncSession, filters: RankingFilters, *, limit: int,
    after: tuple[int, float, int] | None,
) -> list[tuple[Market, dict]]:
    """Markets by current rating (demonstration first, failed last), then score, best first,
    ties by id; keyset after (rating order, score, market id)."""
    cur = _current().subquery()
    tier = case(RATING_ORDER, value=cur.c.rating, else_=len(RATING_ORDER))
    stmt = (
        select(Market, cur)
        .join(cur, cur.c.market_id == Market.id)
        .where(cur.c.rn == 1)
        .order_by(tier, cur.c.score.desc(), Market.id)
        .limit(limit + 1)
    )
    if filters.district_code:
        stmt = stmt.where(Market.district_code == filters.district_code)
    if filters.scale:
        stmt = stmt.where(Market.scale == filters.scale)
    if filters.rating:
        stmt = stmt.where(cur.c.rating == filters.rating)
    if filters.verified is not None:
        stmt = stmt.where(cur.c.verified == filters.verified)
    if after is not None:
        rank, score, market_id = after
        stmt = stmt.where(
            or_(
                tier > rank,
                and_(tier == rank, cur.c.score < score),
                and_(tier == rank, cur.c.score == score, Market.id > market_id),
            )
        )
    return [(row[0], _rating_view(row)) for row in await session.execute(stmt)]
