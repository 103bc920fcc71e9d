"""Compliance endpoints: standards, assessments, verification, rankings and the report."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import HTMLResponse

from app.auth.principal import Principal, Role
from app.common.deps import PrincipalDep, SessionDep, require
from app.common.etag import etag_of
from app.common.pagination import (
    Page,
    PageParams,
    decode_cursor,
    encode_cursor,
    page_of,
    page_params,
)
from app.common.problems import Unprocessable
from app.common.schemas import MAX_ID, IdPath
from app.db import utcnow
from app.markets import assessments, report, standards
from app.markets.assessment_schemas import (
    AssessmentCreate,
    AssessmentSummary,
    MarketAssessmentOut,
    RankedMarket,
    RankingItem,
    RankingPage,
    StandardOut,
    StandardSummary,
    VerificationCreate,
)
from app.markets.models import MarketAssessment
from app.markets.schemas import MarketScale, RatingName
from app.markets.service import get_market
from app.markets.standard_model import Standard
from app.reference.taxonomy import districts

router = APIRouter(tags=["compliance"])

# Built-in standard files are validated as the app is imported: a malformed file stops start-up
# with a message naming every problem, rather than failing the first assessment.
standards.builtin_standards()


def _summary(entry: standards.StandardEntry, current: str) -> dict:
    s = entry.standard
    return {
        "version": s.version, "title": s.title, "status": s.status,
        "effective_date": s.effective_date, "source": entry.source,
        "published_at": entry.published_at, "current": s.version == current,
        "indicator_count": len(s.indicators),
    }


@router.get(
    "/v1/compliance/standards", response_model=Page[StandardSummary],
    operation_id="compliance_standards_list", summary="List compliance standards",
)
async def list_standards(session: SessionDep, _principal: PrincipalDep) -> Page[StandardSummary]:
    """Every published version of the market standard, newest first.

    Callers: any API key. A few versions at most, so always one page (`next_cursor` null).
    """
    current = (await standards.current_standard(session)).version
    return Page(items=[
        StandardSummary(**_summary(e, current)) for e in await standards.list_standards(session)
    ])


@router.get(
    "/v1/compliance/standards/{version}", response_model=StandardOut,
    operation_id="compliance_standards_get", summary="Get a compliance standard",
)
async def get_standard(version: str, session: SessionDep, _principal: PrincipalDep) -> StandardOut:
    """One version of the standard with its items and weights.

    Callers: any API key. Refuses: an unknown version (404).
    """
    entry = await standards.get_standard(session, version)
    current = (await standards.current_standard(session)).version
    return StandardOut(**_summary(entry, current), standard=entry.standard)


@router.post(
    "/v1/compliance/standards", status_code=201, response_model=StandardOut,
    operation_id="compliance_standards_publish", summary="Publish a compliance standard",
)
async def publish_standard(
    body: Standard, session: SessionDep, response: Response,
    principal: Principal = require("standards:write", Role.admin),
) -> StandardOut:
    """Publishes a new standard version; it becomes current. Published versions never change,
    and assessments keep the version they were scored against.

    Callers: admin. Refuses: every role but admin (403); a version that already exists (409);
    weights that do not add up (422).
    """
    entry = await standards.publish_standard(session, principal, body)
    response.headers["Location"] = f"/v1/compliance/standards/{entry.standard.version}"
    return StandardOut(**_summary(entry, entry.standard.version), standard=entry.standard)


def assessment_out(row: MarketAssessment) -> MarketAssessmentOut:
    return MarketAssessmentOut(
        id=row.id, market_id=row.market_id, standard_version=row.standard_version,
        assessor_role=row.assessor_role, as_of_at=row.as_of_at, note=row.note,
        verified=row.verified, verified_at=row.verified_at,
        verification_note=row.verification_note, score=row.score, rating=row.rating,
        result=row.effective_result,
        submitted_result=row.result if row.verified_result is not None else None,
        differences=row.differences, created_at=row.created_at,
    )


@router.post(
    "/v1/markets/{market_id}/assessments", status_code=201, response_model=MarketAssessmentOut,
    tags=["markets"],
    operation_id="market_assessments_create", summary="Assess a market",
)
async def create_assessment(
    market_id: IdPath, body: AssessmentCreate, session: SessionDep, response: Response,
    principal: Principal = require("assessments:write", Role.market, Role.inspector),
) -> MarketAssessmentOut:
    """A market's self-assessment, or an inspector's on-site assessment (verified as made).
    Computed (数字化) indicators are filled from the market's postings of the last 30 days.

    Callers: admin, the market concerned, inspectors. Refuses: another market (404); employers,
    workers, partners (403); items that do not match the current standard (422).
    """
    row = await assessments.create_assessment(session, principal, market_id, body)
    response.headers["Location"] = f"/v1/assessments/{row.id}"
    response.headers["ETag"] = etag_of(row.id, row.version)
    return assessment_out(row)


@router.get(
    "/v1/markets/{market_id}/assessments", response_model=Page[AssessmentSummary],
    tags=["markets"],
    operation_id="market_assessments_list", summary="List a market's assessments",
)
async def list_assessments(
    market_id: IdPath, session: SessionDep, principal: PrincipalDep,
    page: Annotated[PageParams, Depends(page_params)],
) -> Page[AssessmentSummary]:
    """The market's rating history, newest first (the market, inspectors and admins).

    Callers: admin, the market concerned, inspectors. Refuses: another market (404); employers,
    workers, partners (403).
    """
    rows = await assessments.list_assessments(
        session, principal, market_id, limit=page.limit, after_id=page.after_id
    )
    rows, cursor = page_of(rows, page)
    return Page(
        items=[
            AssessmentSummary(
                id=r.id, market_id=r.market_id, standard_version=r.standard_version,
                assessor_role=r.assessor_role, created_at=r.created_at, verified=r.verified,
                verified_at=r.verified_at, score=r.score, rating=r.rating,
                submitted_score=r.result["total"],
            )
            for r in rows
        ],
        next_cursor=cursor,
    )


@router.get(
    "/v1/assessments/{assessment_id}", response_model=MarketAssessmentOut,
    operation_id="assessments_get", summary="Get a market assessment",
)
async def get_assessment(
    assessment_id: IdPath, session: SessionDep, response: Response, principal: PrincipalDep
) -> MarketAssessmentOut:
    """One assessment with its items and score.

    Callers: admin, the market concerned, inspectors. Refuses: another market's assessment
    (404); employers, workers, partners (403).
    """
    row = await assessments.get_assessment(session, principal, assessment_id)
    response.headers["ETag"] = etag_of(row.id, row.version)
    return assessment_out(row)


@router.post(
    "/v1/assessments/{assessment_id}/verify", response_model=MarketAssessmentOut,
    operation_id="assessments_verify", summary="Verify an assessment",
)
async def verify_assessment(
    assessment_id: IdPath, body: VerificationCreate, session: SessionDep, response: Response,
    principal: Principal = require("assessments:verify", Role.inspector),
) -> MarketAssessmentOut:
    """An inspector's own value for every typed-in indicator. The verified score is the one
    that counts; the market's submitted result and the differences are kept.

    Callers: inspectors. Refuses: every role but inspector (403); an assessment already verified
    (409); values missing for typed items (422).
    """
    row = await assessments.verify_assessment(session, principal, assessment_id, body)
    response.headers["ETag"] = etag_of(row.id, row.version)
    return assessment_out(row)


@router.get(
    "/v1/assessments/{assessment_id}/report", response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}, "description": "A printable HTML report"}},
    operation_id="assessment_report_get", summary="Printable assessment report (HTML)",
)
async def assessment_report(
    assessment_id: IdPath, session: SessionDep, principal: PrincipalDep
) -> HTMLResponse:
    """The assessment rendered as a printable HTML report (text/html).

    Callers: admin, the market concerned, inspectors. Refuses: another market's assessment
    (404); employers, workers, partners (403).
    """
    row = await assessments.get_assessment(session, principal, assessment_id)
    market = await get_market(session, row.market_id)
    standard = (await standards.get_standard(session, row.standard_version)).standard
    district = districts().get(market.district_code)
    html = report.render_report(
        assessment={
            "id": row.id, "assessor_role": row.assessor_role, "verified": row.verified,
            "verified_at": assessments.business_date(row.verified_at).isoformat()
            if row.verified_at else None,
            "result": row.effective_result, "differences": row.differences,
            "submitted_score": row.result["total"],
        },
        market={
            "name": market.name, "scale": market.scale, "operating_mode": market.operating_mode,
            "district_code": market.district_code,
            "district_name": district.name if district else None, "address": market.address,
            "operator": market.operator,
            "opening_date": market.opening_date.isoformat() if market.opening_date else None,
        },
        standard=standard,
        generated_at=utcnow().astimezone(assessments.SHANGHAI),
    )
    return HTMLResponse(html)


def _ranking_cursor(cursor: str | None) -> tuple[int, float, int, int] | None:
    if cursor is None:
        return None
    pos = decode_cursor(cursor)
    rank, score, market_id, position = pos.get("r"), pos.get("s"), pos.get("id"), pos.get("p")
    ok = (
        isinstance(rank, int) and not isinstance(rank, bool)
        and 0 <= rank <= len(assessments.RATING_ORDER) and
        isinstance(score, int | float) and not isinstance(score, bool)
        and math.isfinite(score) and 0 <= score <= 100
        and isinstance(market_id, int) and not isinstance(market_id, bool)
        and 1 <= market_id <= MAX_ID
        and isinstance(position, int) and not isinstance(position, bool)
        and 1 <= position <= MAX_ID
    )
    if not ok:
        raise Unprocessable(
            "cursor: not a cursor this API issued",
            errors=[{"parameter": "cursor", "in": "query", "detail": "not a ranking cursor"}],
        )
    return rank, float(score), market_id, position


@router.get(
    "/v1/compliance/rankings", response_model=RankingPage,
    operation_id="compliance_rankings_list", summary="Rank markets by rating",
)
async def rankings(
    session: SessionDep, _principal: PrincipalDep,
    district_code: Annotated[str | None, Query(max_length=6)] = None,
    scale: Annotated[MarketScale | None, Query()] = None,
    rating: Annotated[RatingName | None, Query()] = None,
    verified: Annotated[bool | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> RankingPage:
    """Markets by their current rating (the latest verified assessment, else the latest):
    demonstration first and failed last, then by score, best first; ties by market id.
    For the city's demonstration-market selection.

    Callers: any API key. refuses nothing but bad parameters (422).
    """
    after = _ranking_cursor(cursor)
    rows = await assessments.rankings(
        session,
        assessments.RankingFilters(district_code, scale, rating, verified),
        limit=limit, after=after[:3] if after else None,
    )
    start = after[3] + 1 if after else 1
    more = len(rows) > limit
    rows = rows[:limit]
    items = []
    for offset, (market, current) in enumerate(rows):
        district = districts().get(market.district_code)
        items.append(RankingItem(
            position=start + offset,
            market=RankedMarket(
                id=market.id, name=market.name, scale=market.scale,
                operating_mode=market.operating_mode, district_code=market.district_code,
                district_name=district.name if district else None,
            ),
            **current,
        ))
    next_cursor = None
    if more and items:
        last = items[-1]
        next_cursor = encode_cursor({
            "r": assessments.RATING_ORDER[last.rating], "s": last.score, "id": last.market.id,
            "p": last.position,
        })
    return RankingPage(items=items, next_cursor=next_cursor)
