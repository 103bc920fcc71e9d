"""The OpenAPI document as client generators and partner sites read it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.common.openapi import build_schema
from app.events.registry import event_registry
from app.events.service import record_event

ROOT = Path(__file__).resolve().parents[1]
OPERATIONS = ROOT / "tests" / "contract_operations.txt"
METHODS = ("get", "put", "post", "patch", "delete")


@pytest.fixture(scope="module")
def doc(app):
    return build_schema(app)


def _operations(doc):
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_operation_ids_are_explicit_stable_and_documented(app, doc):
    missing = []
    for path, method, op in _operations(doc):
        route_text = f"{method.upper()} {path}"
        if not op.get("summary") or len(op["summary"].split()) < 2:
            missing.append(f"{route_text}: summary (a short phrase)")
        if len(op.get("description") or "") < 40:
            missing.append(f"{route_text}: description (who may call it, what it refuses)")
    # operation_id= set in the decorator (FastAPI's automatic ids end in _get/_post…).
    from fastapi.routing import APIRoute, iter_route_contexts
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema and not route.operation_id:
            missing.append(f"{sorted(route.methods)} {context.path}: operation_id=")
    assert not missing, "\n".join(missing)

    listed = {
        tuple(line.split()) for line in OPERATIONS.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    actual = {(op["operationId"], method.upper(), path) for path, method, op in _operations(doc)}
    assert actual - listed == set(), f"operations not in {OPERATIONS.name}: {actual - listed}"
    assert listed - actual == set(), f"operations gone or renamed: {listed - actual}"
    for op_id, _method, _path in actual:
        assert op_id.replace("_", "").isalnum() and op_id.islower(), op_id


def test_names_metadata_and_integers(doc):
    names = doc["components"]["schemas"]
    leaked = [n for n in names if "__" in n or n.startswith("app") or not n.isidentifier()]
    assert not leaked, leaked
    assert doc["info"]["title"].isascii()
    assert {"license", "contact"} <= set(doc["info"]) and doc["servers"]
    assert all(t.get("description") for t in doc["tags"])
    used = {t for _p, _m, op in _operations(doc) for t in op.get("tags", [])}
    assert used <= {t["name"] for t in doc["tags"]}

    floats = []

    def walk(node, where):
        if isinstance(node, dict):
            if node.get("type") == "integer":
                floats.extend(f"{where}.{k}" for k in ("minimum", "maximum")
                              if isinstance(node.get(k), float))
            for k, v in node.items():
                walk(v, f"{where}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}[{i}]")

    walk(doc, "")
    assert not floats, floats[:5]
    assert doc["paths"]["/healthz"]["get"]["security"] == []
    ready = doc["paths"]["/readyz"]["get"]["responses"]["200"]["content"]["application/json"]
    assert ready["schema"] == {"$ref": "#/components/schemas/ReadinessOut"}


def test_headers_declared_by_rule(doc):
    post = doc["paths"]["/v1/jobs"]["post"]
    assert {"$ref": "#/components/parameters/IdempotencyKey"} in post["parameters"]
    created = post["responses"]["201"]["headers"]
    assert {"ETag", "Location", "Idempotent-Replayed"} <= set(created)
    assert "ETag" in doc["paths"]["/v1/jobs/{job_id}"]["get"]["responses"]["200"]["headers"]
    patch = doc["paths"]["/v1/jobs/{job_id}"]["patch"]
    assert any(p.get("name") == "if-match" for p in patch["parameters"])
    responses = doc["components"]["responses"]
    assert "Retry-After" in responses["429"]["headers"]
    assert "Retry-After" in responses["503"]["headers"]
    assert post["security"] == [{"bearer": []}] and post["x-required-scope"] == "jobs:write"
    assert "Required scope: `jobs:write`" in post["description"]
    overview = doc["paths"]["/v1/stats/overview"]["get"]["responses"]["200"]["content"]
    assert {"application/json", "text/csv"} <= set(overview)
    assert set(doc["paths"]["/v1/stats/overview.csv"]["get"]["responses"]["200"]["content"]) \
        == {"text/csv"}
    report = doc["paths"]["/v1/assessments/{assessment_id}/report"]["get"]["responses"]["200"]
    assert set(report["content"]) == {"text/html"}


def test_every_list_is_a_page(doc):
    bare = []
    for path, method, op in _operations(doc):
        for code, response in op["responses"].items():
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            if code.startswith("2") and schema.get("type") == "array":
                bare.append(f"{method.upper()} {path}")
    assert not bare, bare


def test_webhooks_document_every_registered_event(doc):
    registry = event_registry()
    assert set(doc["webhooks"]) == set(registry)
    for type_, (model, _text) in registry.items():
        op = doc["webhooks"][type_]["post"]
        headers = {p["name"] for p in op["parameters"]}
        assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}
        body = op["requestBody"]["content"]["application/json"]["schema"]["allOf"]
        assert body[0] == {"$ref": "#/components/schemas/WebhookEnvelope"}
        data_ref = body[1]["properties"]["data"]["$ref"].rsplit("/", 1)[1]
        assert data_ref == model.__name__ and data_ref in doc["components"]["schemas"]
        assert "36000 s" in op["description"]  # the retry schedule


def test_record_event_refuses_an_undeclared_type():
    class Session:
        def add(self, _row):
            raise AssertionError("must refuse before adding")

    with pytest.raises(ValueError, match="not declared"):
        record_event(Session(), "job.teleported", resource_type="job", resource_id=1, data={})


def test_checked_in_document_is_current(app):
    checked_in = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    assert checked_in == json.loads(json.dumps(build_schema(app), ensure_ascii=False))


def test_every_request_body_has_an_example_its_model_accepts(app, doc):
    from fastapi.routing import APIRoute, iter_route_contexts
    from pydantic import TypeAdapter

    bodies = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.body_field is not None:
            for method in route.methods:
                bodies[(method.lower(), context.path)] = route.body_field.field_info.annotation
    missing = []
    for path, method, op in _operations(doc):
        content = op.get("requestBody", {}).get("content", {})
        for media_type, media in content.items():
            if "example" not in media:
                missing.append(f"{method.upper()} {path} {media_type}")
                continue
            TypeAdapter(bodies[(method, path)]).validate_python(media["example"])
    assert not missing, "add to app/common/openapi_examples.py: " + ", ".join(missing)


def test_response_examples_are_accepted_by_their_models():
    from app.common.openapi_examples import RESPONSE_EXAMPLES
    from app.employers.schemas import EmployerOut
    from app.jobs.schemas import JobOut
    from app.workers.schemas import WorkerOut

    models = {m.__name__: m for m in (EmployerOut, JobOut, WorkerOut)}
    assert set(RESPONSE_EXAMPLES) == set(models)
    for name, example in RESPONSE_EXAMPLES.items():
        models[name].model_validate(example)
