"""The OpenAPI document: every error an operation can answer, as problem+json.

FastAPI documents only 200 and a JSON 422; clients generated from the document must also know
the problem shape and the statuses the conventions produce (auth, 404 for others' resources,
conflicts, rate limits, an unavailable database).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
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


def _error_codes(path: str, method: str) -> list[str]:
    if not path.startswith("/v1/"):
        return ["503"] if path == "/readyz" else []
    codes = ["401", "403", "404", "405", "422", "429", "503"]
    if method in ("post", "put", "patch", "delete"):
        codes += ["400", "409", "413"]
    if method == "patch":
        codes.append("412")
    return sorted(codes)


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = PROBLEM_SCHEMA
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "gm_live_…"}
        }
        problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for code in _error_codes(path, method):
                    responses[code] = {"description": _DESCRIPTIONS[code], "content": problem}
                if path.startswith("/v1/"):
                    operation["security"] = [{"bearer": []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi
