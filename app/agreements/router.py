"""Agreements: HTTP only. Nested under the engagement they belong to."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from app.agreements import service
from app.agreements.models import Agreement
from app.agreements.schemas import (
    AgreementCreate,
    AgreementOut,
    AgreementSigningCodeOut,
    SignatureIn,
    SigningCodeIn,
)
from app.auth.principal import Principal
from app.common.clock import NowDep
from app.common.deps import SessionDep, SettingsDep, require
from app.common.schemas import IdPath

router = APIRouter(prefix="/v1/engagements/{engagement_id}/agreement", tags=["agreements"])
READ = require("engagements:read")
WRITE = require("engagements:write")


def agreement_out(a: Agreement) -> AgreementOut:
    return AgreementOut(
        id=a.id, engagement_id=a.engagement_id, worker_id=a.worker_id,
        employer_id=a.employer_id, kind=a.kind, terms=a.terms, sha256=a.sha256,
        status=a.status, employer_signed_at=a.employer_signed_at,
        worker_signed_at=a.worker_signed_at, signed_at=a.signed_at,
        document_url=f"/v1/engagements/{a.engagement_id}/agreement/document",
        created_at=a.created_at,
    )


@router.post("", status_code=201, response_model=AgreementOut,
             operation_id="agreement_create", summary="Draw up an engagement's agreement")
async def create_agreement(
    engagement_id: IdPath, body: AgreementCreate, session: SessionDep, response: Response,
    principal: Principal = WRITE,
) -> AgreementOut:
    """The employer side (or an admin) draws up the written agreement from the engagement's
    terms. Refuses the worker side (403), a second agreement (409 agreement-exists) and an
    ended engagement (409).

    Callers: admin, the employer concerned. Refuses: markets, workers, institutions, inspectors,
    partners (403); another employer (404: they cannot tell it exists); no key (401).
    """
    a = await service.create_agreement(session, principal, engagement_id, body)
    response.headers["Location"] = f"/v1/engagements/{engagement_id}/agreement"
    return agreement_out(a)


@router.get("", response_model=AgreementOut, operation_id="agreement_get",
            summary="An engagement's agreement")
async def get_agreement(
    engagement_id: IdPath, session: SessionDep, principal: Principal = READ,
) -> AgreementOut:
    """Either party or an admin; others get 404.

    Callers: admin, the employer concerned, the market concerned, the worker concerned. Refuses:
    institutions, inspectors, partners (403); another employer, another market, another worker
    (404: they cannot tell it exists); no key (401).
    """
    return agreement_out(await service.get_agreement(session, principal, engagement_id))


@router.get("/document", operation_id="agreement_document",
            summary="The agreement as printable HTML",
            responses={200: {"content": {"text/html": {}}}})
async def agreement_document(
    engagement_id: IdPath, session: SessionDep, principal: Principal = READ,
) -> Response:
    """The stored HTML exactly as rendered and hashed (`X-Content-SHA256` names its SHA-256). Either
    party or an admin; others get 404.

    Callers: admin, the employer concerned, the market concerned, the worker concerned. Refuses:
    institutions, inspectors, partners (403); another employer, another market, another worker
    (404: they cannot tell it exists); no key (401).
    """
    a = await service.get_agreement(session, principal, engagement_id)
    return Response(a.document, media_type="text/html; charset=utf-8",
                    headers={"X-Content-SHA256": a.sha256, "ETag": f'"{a.sha256}"'})


@router.post("/signing-codes", status_code=201, response_model=AgreementSigningCodeOut,
             operation_id="agreement_signing_code", summary="A one-time signing code")
async def signing_code(
    engagement_id: IdPath, body: SigningCodeIn, session: SessionDep, settings: SettingsDep,
    now: NowDep, principal: Principal = WRITE,
) -> AgreementSigningCodeOut:
    """Issues a fresh one-time code for one side, answered only to that side's own key
    holder (the worker or its registering market; the employer side). Refuses the other
    side (403) and a side that has signed (409).

    Callers: admin, the employer concerned, the market concerned, the worker concerned. Refuses:
    institutions, inspectors, partners (403); another employer, another market, another worker
    (404: they cannot tell it exists); no key (401).
    """
    code, expires_at = await service.issue_code(
        session, principal, engagement_id, body.side, settings, now
    )
    return AgreementSigningCodeOut(side=body.side, code=code, expires_at=expires_at)


@router.post("/signatures", response_model=AgreementOut, operation_id="agreement_sign",
             summary="Sign the agreement")
async def sign(
    engagement_id: IdPath, body: SignatureIn, session: SessionDep, now: NowDep,
    principal: Principal = WRITE,
) -> AgreementOut:
    """One side signs with its one-time code; when both have, the agreement is `signed` and
    `agreement.signed` is raised. Refuses the other side (403), a wrong or expired code
    (422 signing-code-invalid) and a second signature (409).

    Callers: admin, the employer concerned, the market concerned, the worker concerned. Refuses:
    institutions, inspectors, partners (403); another employer, another market, another worker
    (404: they cannot tell it exists); no key (401).
    """
    a = await service.sign(session, principal, engagement_id, body.side, body.code, now)
    return agreement_out(a)
