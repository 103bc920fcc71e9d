"""The authorization matrix: every operation in the OpenAPI document × every caller → the
outcome the rules promise, walked against the live app.

`tests/authz_matrix.csv` has one row per operation (`method`, `path` exactly as in the
OpenAPI document) and one column per caller:

    anonymous        no Authorization header
    admin            the bureau
    employer         employer A, whose resources the row's request touches
    other_employer   employer B acting on employer A's resource
    market           market A (district 500103; registered worker A)
    other_market     market B (district 500106)
    inspector, partner
    worker           worker A (hired by employer A)
    other_worker     worker B acting on worker A's resource

Outcomes: `2xx` (allowed; any success status), `401` (no key), `403` (the role may never do
this), `404` (another tenant's resource, so it does not exist for the caller), `422` (the
body names another tenant's record: answered exactly like an id that does not exist, with a
pointer to the field; bodies are otherwise valid, so 422 never means a malformed request).
The rules are DESIGN.md's and the README's: a principal sees and changes only what belongs
to it, other tenants' resources answer 404, a role that cannot do something at all gets 403,
and a party on the wrong side of a hire (market A is worker A's side) gets 403. Public data
(open postings, market profiles, reference data) is readable by every role that reads it.
The world and what "the resource" is for each row are in `tests/authz_world.py`.

Adding an operation (a new route makes `test_matrix_covers_the_openapi_document` fail,
naming it):
1. Add a row to the CSV with the expected outcome per column, decided from the rules above,
   not copied from what the app answers.
2. Register a request builder for it in `tests/authz_world.py`. Reads of tenant A's
   records need one line in the `_of_tenant_a` table (`GET /v1/workers/{worker}/matches`)
   or the `_read_shared` table; anything else is a function decorated with
   `@op(METHOD, PATH)` returning a `Call` (the path with tenant A's ids filled in, a valid
   body). When `fresh` is true the cell is an allowed write: build a new resource in the
   state the operation needs (`AuthzWorld.engagement` drives a hire through its states), so
   one success does not spoil the next cell. For the branches in flight:
   `GET /v1/jobs/{job_id}/matches` returns
   `Call(f"/v1/jobs/{(await w.job_a())['id']}/matches")`, with outcomes decided from the
   matching issue (who may see a job's candidates);
   `POST /v1/staffing-plans` a valid plan body for employer A's jobs, with admins and markets
   naming the employer as `_on_behalf` does for `POST /v1/jobs`.
3. Run this file on SQLite and PostgreSQL. A mismatch names the cell, the status and the
   problem detail: fix the app when it breaks a rule, the row when the row was wrong.
"""

from __future__ import annotations

import csv
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.main import create_app
from tests.authz_world import BUILDERS, COLUMNS, AuthzWorld
from tests.conftest import SECRET
from tests.markets_fixtures import isolated_database  # noqa: F401 (a fixture)

MATRIX = Path(__file__).with_name("authz_matrix.csv")
OUTCOMES = {"2xx", "401", "403", "404", "422"}
METHODS = {"get", "post", "put", "patch", "delete"}


def load_matrix() -> tuple[list[str], dict[tuple[str, str], dict[str, str]]]:
    with MATRIX.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = {(r["method"], r["path"]): r for r in reader}
        return list(reader.fieldnames or []), rows


def documented_operations(app) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        for method in item if method in METHODS
    }


@pytest.fixture(scope="module")
async def authz_world(isolated_database, tmp_path_factory):  # noqa: F811
    """The app on a database of its own: the matrix publishes a standard, which would change
    the current one for every other test on a shared database."""
    settings = Settings(
        database_url=isolated_database, secret_key=SECRET,
        secret_key_file=tmp_path_factory.mktemp("authz_secret") / "unused", log_json=True,
        webhook_allow_list=["127.0.0.1"],
        # The walk sends hundreds of requests from one address and a few keys in seconds.
        rate_limit_per_key="1000000/minute", rate_limit_per_address="1000000/minute",
    )
    application = create_app(settings)
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://gigmarket.test") as c:
        yield await AuthzWorld(application, c).build()
    await application.state.engine.dispose()


def test_matrix_is_well_formed():
    columns, rows = load_matrix()
    assert columns == ["method", "path", *COLUMNS], f"matrix columns: {columns}"
    bad = [f"{m} {p} {c}={row[c]!r}" for (m, p), row in rows.items() for c in COLUMNS
           if row[c] not in OUTCOMES]
    assert not bad, f"outcomes must be one of {sorted(OUTCOMES)}: {bad}"
    unbuilt = [f"{m} {p}" for m, p in rows if (m, p) not in BUILDERS]
    assert not unbuilt, f"rows without a request builder in tests/authz_world.py: {unbuilt}"


def test_matrix_covers_the_openapi_document():
    _columns, rows = load_matrix()
    documented = documented_operations(create_app(Settings(
        database_url="sqlite+aiosqlite:///:memory:", secret_key=SECRET)))
    missing = sorted(documented - set(rows))
    stale = sorted(set(rows) - documented)
    assert not missing, "operations missing from tests/authz_matrix.csv: " + ", ".join(
        f"{m} {p}" for m, p in missing)
    assert not stale, "tests/authz_matrix.csv names operations that no longer exist: " + (
        ", ".join(f"{m} {p}" for m, p in stale))


def _outcome(status: int) -> str:
    return "2xx" if 200 <= status < 300 else str(status)


async def test_every_caller_gets_the_outcome_the_rules_promise(authz_world: AuthzWorld):
    _columns, rows = load_matrix()
    w = authz_world
    mismatches = []
    for (method, path), row in rows.items():
        for column in COLUMNS:
            expected = row[column]
            call = await BUILDERS[(method, path)](w, column, expected == "2xx" and method != "GET")
            key = call.key or w.keys[column]
            headers = {**call.headers, **({"Authorization": f"Bearer {key}"} if key else {})}
            if call.at is not None:
                w.app.state.clock = lambda at=call.at: at
            try:
                r = await w.client.request(method, call.path, json=call.json, headers=headers)
            finally:
                w.app.state.clock = None
            got = _outcome(r.status_code)
            if got != expected:
                problem = r.headers.get("content-type", "").startswith("application/problem")
                detail = r.json().get("detail") if problem else r.text[:80]
                mismatches.append(f"{method} {path} as {column}: expected {expected}, "
                                  f"got {r.status_code} ({detail})")
            elif got == "2xx" and call.after is not None:
                await call.after()
    assert not mismatches, f"{len(mismatches)} cells disagree:\n" + "\n".join(mismatches)
