"""Fixed parts of the OpenAPI document: the problem shape, error responses, headers, tags."""

from __future__ import annotations

from typing import Any

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details. `type` ends in a slug documented in "
                   "docs/problems/<slug>.md.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "URI reference naming the problem type"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "One entry per invalid field: a JSON pointer into the body, or the "
                           "name of a query, path or header parameter",
            "items": {
                "type": "object",
                "required": ["detail"],
                "properties": {
                    "pointer": {"type": "string"},
                    "parameter": {"type": "string"},
                    "in": {"type": "string"},
                    "detail": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}

_DESCRIPTIONS = {
    "400": "Malformed request (e.g. a bad Idempotency-Key)",
    "401": "Missing, invalid, revoked or expired API key",
    "403": "The key's role or scopes do not allow this operation",
    "404": "No such resource, or not visible to this caller",
    "405": "Method not allowed",
    "409": "Conflict with the current state (duplicate, illegal transition, request in flight)",
    "412": "If-Match does not match the current ETag",
    "413": "Request body too large",
    "422": "Invalid input; `errors` names each field",
    "429": "Rate limit exceeded; see Retry-After",
    "503": "Database unavailable; retry shortly",
}

_EXAMPLES = {
    "401": ("unauthenticated", "Unauthenticated", "missing or invalid API key"),
    "403": ("forbidden", "Forbidden", "the worker role cannot do this"),
    "404": ("not-found", "Not found", "job 1042 not found"),
    "409": ("conflict", "Conflict", "the job is closed"),
    "422": ("validation-error", "Validation failed", "wage.amount: must be greater than 0"),
}


def error_codes(path: str, method: str) -> list[str]:
    if not path.startswith("/v1/"):
        return ["503"] if path == "/readyz" else []
    codes = ["401", "403", "404", "405", "422", "429", "503"]
    if method in ("post", "put", "patch", "delete"):
        codes += ["400", "409", "413"]
    if method == "patch":
        codes.append("412")
    return sorted(codes)


def error_response(code: str) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": {"$ref": "#/components/schemas/Problem"}}
    if code in _EXAMPLES:
        slug, title, detail = _EXAMPLES[code]
        media["example"] = {"type": f"/problems/{slug}",
                            "title": title, "status": int(code), "detail": detail}
    response: dict[str, Any] = {"description": _DESCRIPTIONS[code],
                                "content": {"application/problem+json": media}}
    if code in ("429", "503"):
        response["headers"] = {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}
    return response


# Response models of versioned resources: their answers carry the ETag that If-Match expects.
ETAG_SCHEMAS = frozenset({
    "EmployerOut", "EngagementOut", "JobOut", "MarketOut", "MarketAssessmentOut",
    "ParametersOut", "EndpointOut", "EndpointWithSecret", "WorkerOut",
})

HEADERS: dict[str, Any] = {
    "ETag": {"description": "The resource's version; send it back as If-Match on PATCH.",
             "schema": {"type": "string"}, "example": '"1042.3"'},
    "Location": {"description": "URL of the created resource.",
                 "schema": {"type": "string"}, "example": "/v1/jobs/1042"},
    "RetryAfter": {"description": "Seconds to wait before retrying.",
                   "schema": {"type": "integer", "minimum": 0}, "example": 30},
    "IdempotentReplayed": {
        "description": "`true` when this answer is the stored one for a repeated "
                       "Idempotency-Key (nothing was done again).",
        "schema": {"type": "string", "enum": ["true"]},
    },
}

TAGS: list[dict[str, str]] = [
    {"name": "operations", "description": "Liveness and readiness probes; no key needed."},
    {"name": "api-keys", "description": "Admins issue and revoke API keys per role and subject."},
    {"name": "reference", "description": "Chongqing's districts (区县) and the skill taxonomy."},
    {"name": "employers", "description": "Employers (用人单位): registration, licence "
                                         "verification and their wage-payment record."},
    {"name": "markets", "description": "Gig markets (零工市场): public service points that "
                                       "review postings and register workers."},
    {"name": "compliance", "description": "The market standard, market self-assessments and "
                                          "inspections, ratings and rankings."},
    {"name": "jobs", "description": "Job postings: create, review, search, close and cancel."},
    {"name": "workers", "description": "Worker profiles (personal data masked for others), "
                                       "reliability and work records."},
    {"name": "matching", "description": "Explained matches both ways and staffing plans."},
    {"name": "applications and offers", "description": "Workers apply, employers offer; an "
                                                       "accepted one becomes an engagement."},
    {"name": "engagements", "description": "A hire from check-in to confirmed hours, wage "
                                           "payment, disputes and ratings."},
    {"name": "reports", "description": "Wage arrears for employers and administrators."},
    {"name": "webhooks", "description": "Webhook endpoints, deliveries and the event feed; "
                                        "payloads are listed under `webhooks`."},
    {"name": "partners", "description": "Partner sites (e.g. 渝职聘) post jobs for employers "
                                        "that granted them."},
    {"name": "subsidies", "description": "Flexible-employment social insurance subsidy (灵活就业"
                                         "社保补贴): parameters and eligibility assessments."},
    {"name": "statistics", "description": "Market figures for markets, inspectors and admins; "
                                          "JSON or CSV."},
    {"name": "agreements", "description": "Written agreements per hire (书面协议, item 十六): "
                                          "drawn from the terms, signed by both sides, immutable."},
    {"name": "complaints", "description": "Complaints about postings, employers and hires "
                                          "(黑职介, fake postings, wage arrears; item 十五)."},
    {"name": "training", "description": "Training that follows demand (items 十一, 十二): the "
                                        "3+ catalogues, courses, 满天星 vouchers, recommendations."},
]
