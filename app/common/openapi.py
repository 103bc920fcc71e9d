"""The OpenAPI document: names, errors, headers and media types that generated clients rely on.

FastAPI documents the routes and models. On top of that, by rule (so new routes get it without
extra code): every error an operation can answer as problem+json, the headers the middleware
adds (Idempotency-Key, Idempotent-Replayed, ETag, Location, Retry-After), per-scope security,
CSV/HTML alternatives, readable component names and the `webhooks` section from the event
registry.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from app.common.openapi_examples import REQUEST_EXAMPLES, RESPONSE_EXAMPLES, standard_example
from app.common.openapi_rules import (
    ETAG_SCHEMAS,
    HEADERS,
    PROBLEM_SCHEMA,
    TAGS,
    error_codes,
    error_response,
)

TITLE = "GigMarket API"
DESCRIPTION = (
    "GigMarket (零工市场): job postings, worker profiles and explained matching for Chongqing's "
    "gig markets. Authenticate with `Authorization: Bearer gm_live_…`; each operation names the "
    "scope it needs. Errors are RFC 9457 problem+json (catalogue: docs/problems/README.md); "
    "lists answer `{items, next_cursor}` with opaque cursors; POSTs accept `Idempotency-Key`; "
    "PATCH takes `If-Match` with the ETag read. Webhook events are listed under `webhooks`."
)
SERVERS = [
    {"url": "https://api.gigmarket.example.cn", "description": "Production"},
    {"url": "http://127.0.0.1:8000", "description": "Local development"},
]
CONTACT = {"name": "GigMarket platform team", "email": "api@gigmarket.example.cn"}
LICENSE = {"name": "Proprietary", "identifier": "LicenseRef-GigMarket"}


def _route_scopes(app: FastAPI) -> dict[tuple[str, str], str]:
    """(method, path) → the scope its `require(...)` dependency checks."""
    scopes: dict[tuple[str, str], str] = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        stack = list(route.dependant.dependencies)
        while stack:
            dep = stack.pop()
            scope = getattr(dep.call, "required_scope", None)
            if scope:
                for method in route.methods:
                    scopes[(method.lower(), context.path)] = scope
            stack.extend(dep.dependencies)
    return scopes


def _page_name(name: str) -> str:
    match = re.fullmatch(r"Page_(\w+?)_", name)
    return f"{match.group(1).removesuffix('Out')}Page" if match else name


def _rename_components(schema: dict[str, Any]) -> None:
    """`Page_JobOut_` → `JobPage`, everywhere it is referenced."""
    components = schema["components"]["schemas"]
    renames = {old: _page_name(old) for old in components if _page_name(old) != old}
    clash = set(renames.values()) & (set(components) - set(renames))
    if clash:
        raise RuntimeError(f"page schema names clash with models: {sorted(clash)}")
    for old, new in renames.items():
        components[new] = components.pop(old)
        components[new]["title"] = new

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name in renames:
                    node["$ref"] = f"#/components/schemas/{renames[name]}"
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    schema["components"]["schemas"] = dict(sorted(components.items()))


def _integer_bounds(node: Any) -> None:
    """Integers bounded as integers (pydantic writes 2**63-1 as a float)."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                if isinstance(node.get(key), float) and node[key].is_integer():
                    node[key] = int(node[key])
                    if abs(node[key]) > 2**63 - 1:
                        node[key] = 2**63 - 1 if node[key] > 0 else -(2**63)
        for value in node.values():
            _integer_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _integer_bounds(value)


def _success(operation: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(c, r) for c, r in operation["responses"].items() if c.startswith("2")]


def _json_ref(response: dict[str, Any]) -> str | None:
    ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
    return ref.rsplit("/", 1)[1] if ref else None


def _add_headers(path: str, method: str, operation: dict[str, Any]) -> None:
    params = operation.setdefault("parameters", [])
    names = {p["name"].lower() for p in params if p.get("in") == "header"}
    if method == "post" and path.startswith("/v1/") and "idempotency-key" not in names:
        params.append({"$ref": "#/components/parameters/IdempotencyKey"})
    for param in params:
        if param.get("in") == "header" and param["name"].lower() == "if-match":
            param["description"] = (
                "The ETag you read; on mismatch 412 with the current ETag. Omit only if you "
                "accept overwriting a concurrent change."
            )
    if not params:
        operation.pop("parameters")
    for code, response in _success(operation):
        headers = response.setdefault("headers", {})
        if _json_ref(response) in ETAG_SCHEMAS:
            headers["ETag"] = {"$ref": "#/components/headers/ETag"}
        if code == "201" or (method == "put" and code in ("200", "201")):
            headers["Location"] = {"$ref": "#/components/headers/Location"}
        if method == "post" and path.startswith("/v1/"):
            headers["Idempotent-Replayed"] = {"$ref": "#/components/headers/IdempotentReplayed"}
        if not headers:
            response.pop("headers")


def _alternative_media(operation: dict[str, Any]) -> None:
    """`?format=csv` answers text/csv; generated clients must know the 200 is not JSON only."""
    names = {p.get("name") for p in operation.get("parameters", []) if "name" in p}
    if "format" not in names:
        return
    for _code, response in _success(operation):
        content = response.setdefault("content", {})
        content["text/csv"] = {
            "schema": {"type": "string"},
            "example": "metric,key,value\r\njobs_open,,42\r\n",
        }


def _request_example(operation: dict[str, Any]) -> None:
    for media in operation.get("requestBody", {}).get("content", {}).values():
        schema = media.get("schema", {})
        refs = [schema.get("$ref")] + [s.get("$ref") for s in schema.get("anyOf", [])]
        for ref in filter(None, refs):
            name = ref.rsplit("/", 1)[1]
            if name == "Standard":
                media["example"] = standard_example()
            elif name in REQUEST_EXAMPLES:
                media["example"] = REQUEST_EXAMPLES[name]


def _response_examples(operation: dict[str, Any]) -> None:
    for _code, response in _success(operation):
        name = _json_ref(response)
        if name in RESPONSE_EXAMPLES:
            response["content"]["application/json"]["example"] = RESPONSE_EXAMPLES[name]


def build_schema(app: FastAPI) -> dict[str, Any]:
    from app.events.contract import webhooks_section  # the registry imports every domain

    schema = get_openapi(
        title=TITLE, version=app.version, description=DESCRIPTION, routes=app.routes,
        tags=TAGS, servers=SERVERS, contact=CONTACT, license_info=LICENSE,
    )
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        components["schemas"].pop(name, None)
    components["securitySchemes"] = {
        "bearer": {
            "type": "http", "scheme": "bearer", "bearerFormat": "gm_live_…",
            "description": "An API key. Each operation lists the scope it requires; a key "
                           "without it gets 403.",
        }
    }
    components["headers"] = HEADERS
    components["parameters"] = {
        "IdempotencyKey": {
            "name": "Idempotency-Key", "in": "header", "required": False,
            "description": "1–255 printable characters, scoped to your API key. The same key "
                           "with the same body replays the stored answer "
                           "(`Idempotent-Replayed: true`); with another body 422; while the "
                           "first is still running 409.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
            "example": "6f1c2a8e-4b1d-4c8e-9a55-0c3f7d2e9b10",
        }
    }
    components["responses"] = {code: error_response(code) for code in sorted(
        {c for path in schema["paths"] for m in schema["paths"][path]
         for c in error_codes(path, m)})}
    scopes = _route_scopes(app)
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in error_codes(path, method):
                responses[code] = {"$ref": f"#/components/responses/{code}"}
            if path.startswith("/v1/"):
                # http bearer schemes cannot list scopes; the scope a key needs is stated
                # in the description and machine-readably in x-required-scope.
                operation["security"] = [{"bearer": []}]
                scope = scopes.get((method, path))
                if scope:
                    operation["x-required-scope"] = scope
                    operation["description"] = (
                        operation.get("description", "") + f"\n\nRequired scope: `{scope}`."
                    ).lstrip()
            else:
                operation["security"] = []
            _add_headers(path, method, operation)
            _alternative_media(operation)
            _request_example(operation)
            _response_examples(operation)
    _rename_components(schema)
    _integer_bounds(schema)
    webhooks, event_schemas = webhooks_section()
    schema["webhooks"] = webhooks
    components["schemas"].update(event_schemas)
    types = {"type": "string", "enum": sorted(webhooks), "description": "The event type"}
    for name in ("EventOut", "WebhookEnvelope"):
        if name in components["schemas"]:
            components["schemas"][name]["properties"]["type"] = types
    components["schemas"] = dict(sorted(components["schemas"].items()))
    return schema


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if not app.openapi_schema:
            app.openapi_schema = build_schema(app)
        return app.openapi_schema

    app.openapi = openapi
