"""A Python client generated from the checked-in OpenAPI document, driven through a whole flow.

openapi-python-client must generate it without a single warning (a warning means a schema or
operation it dropped), it is installed like a partner would install it, and every call below
must come back as the typed model of its success answer (a dropped model answers None).

Named to run last: run just before tests/test_webhooks_delivery.py, its generator and pip
subprocesses made that file's timing-sensitive five-day-disable test fail (a 50 ms retry fired
inside the first drain). Cause not pinned down; see the contract report.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import job_body, make_credit_code, unique, worker_body
from tests.engagements_fixtures import clock_fixture  # noqa: F401 - the clock fixture
from tests.test_subsidies_api import CAPS, JOB_TYPES

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "openapi" / "openapi.json"
CONFIG = "project_name_override: gigmarket-client\npackage_name_override: gigmarket_client\n" \
         "post_hooks: []\n"


@pytest.fixture(scope="module")
def gc(tmp_path_factory):
    """The generated package, installed into a private directory and imported."""
    work = tmp_path_factory.mktemp("client")
    (work / "config.yaml").write_text(CONFIG)
    generator = Path(sys.executable).with_name("openapi-python-client")
    run = subprocess.run(
        [str(generator), "generate", "--path", str(DOCUMENT), "--meta", "setup",
         "--config", str(work / "config.yaml"), "--output-path", str(work / "gen")],
        capture_output=True, text=True, cwd=work, check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "warning" not in output.lower(), output
    site = work / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--target", str(site), str(work / "gen")],
        check=True, capture_output=True,
    )
    sys.path.insert(0, str(site))
    try:
        yield importlib.import_module("gigmarket_client")
    finally:
        sys.path.remove(str(site))
        for name in [m for m in sys.modules if m.startswith("gigmarket_client")]:
            del sys.modules[name]


def _api(name: str):
    """`api.jobs.jobs_create` from its module path below gigmarket_client.api."""
    return importlib.import_module(f"gigmarket_client.api.{name}")


def _models():
    return importlib.import_module("gigmarket_client.models")


async def test_generated_client_drives_the_whole_flow(gc, app, world, clock):
    m = _models()

    def as_(key: str):
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://gigmarket.test",
                                 headers={"Authorization": f"Bearer {key}"})
        return gc.AuthenticatedClient(base_url="http://gigmarket.test", token=key) \
            .set_async_httpx_client(http)

    async def call(module: str, client, expected, **kw):
        response = await _api(module).asyncio_detailed(client=client, **kw)
        assert isinstance(response.parsed, expected), (module, response.status_code,
                                                       response.content[:500])
        return response.parsed

    admin = as_(await world.admin())

    # Employer, verified, and its key.
    employer = await call("employers.employers_create", admin, m.EmployerOut,
                          body=m.EmployerCreate.from_dict({
                              "name": f"重庆山城家政服务有限公司{unique()}",
                              "credit_code": make_credit_code(),
                              "contact_phone": "13800001234"}))
    await call("employers.employer_verification_create", admin, m.EmployerOut,
               employer_id=employer.id,
               body=m.VerificationIn.from_dict({"status": "verified"}))
    created = await call("api_keys.api_keys_create", admin, m.ApiKeyCreated,
                         body=m.ApiKeyCreate.from_dict({"name": "解放碑店", "role": "employer",
                                                        "subject_id": employer.id}))
    boss = as_(created.key)

    # A job, approved (a verified employer's posting opens at once; else a review approves it).
    job = await call("jobs.jobs_create", boss, m.JobOut, body=m.JobCreate.from_dict(job_body()))
    if job.status != "open":
        job = await call("jobs.jobs_review", admin, m.JobOut, job_id=job.id,
                         body=m.ReviewIn.from_dict({"decision": "approve"}))
    assert job.status == "open"

    # A worker registering with its own key.
    worker_key = await call("api_keys.api_keys_create", admin, m.ApiKeyCreated,
                            body=m.ApiKeyCreate.from_dict({"name": "张秀英的手机",
                                                           "role": "worker"}))
    worker_client = as_(worker_key.key)
    worker = await call("workers.workers_create", worker_client, m.WorkerOut,
                        body=m.WorkerCreate.from_dict(worker_body(
                            occupation="家政服务员", target_groups=["dibao"],
                            birth_date="1985-04-02")))

    await call("matching.job_matches_list", boss, m.WorkerMatchPage, job_id=job.id)
    await call("matching.worker_matches_list", worker_client, m.JobMatchPage,
               worker_id=worker.id)

    application = await call("applications_and_offers.job_applications_create", worker_client,
                             m.ApplicationOut, job_id=job.id,
                             body=m.ApplicationIn.from_dict({"message": "周末都有空。"}))
    engagement = await call("applications_and_offers.applications_accept", boss,
                            m.EngagementOut, application_id=application.id,
                            body=m.AcceptApplicationIn.from_dict({}))

    clock.set(job.starts_at + timedelta(minutes=2))
    await call("engagements.engagements_check_in", worker_client, m.EngagementOut,
               engagement_id=engagement.id, body=m.AttendanceIn.from_dict({}))
    clock.set(job.starts_at + timedelta(hours=8))
    await call("engagements.engagements_check_out", worker_client, m.EngagementOut,
               engagement_id=engagement.id, body=m.CheckOutIn.from_dict({}))
    done = await call("engagements.engagement_hours_review", boss, m.EngagementOut,
                      engagement_id=engagement.id,
                      body=m.HoursIn.from_dict({"decision": "confirm"}))
    clock.now = None
    await call("engagements.engagement_payments_create", boss, m.EngagementOut,
               engagement_id=engagement.id,
               body=m.PaymentIn.from_dict({"amount": done.wages.due_fen, "method": "wechat"}))

    # Subsidy assessments: one worker, then a batch.
    # The same parameters as the subsidy tests (the database is shared by the session).
    for year, (pension, medical) in CAPS.items():
        r = await _api("subsidies.subsidy_parameters_create").asyncio_detailed(
            client=admin, body=m.ParametersIn.from_dict({
                "year": year, "pension_lowest_fen": pension, "medical_lowest_fen": medical,
                "eligible_job_types": JOB_TYPES}))
        assert r.status_code in (201, 409), r.content
    contributions = [{"month": "2026-01", "pension_paid_fen": 60_000,
                      "medical_paid_fen": 20_000}]
    single = await call("subsidies.subsidy_assessments_create", admin, m.SubsidyAssessmentOut,
                        body=m.AssessmentIn.from_dict({"worker_id": worker.id,
                                                       "as_of_date": "2026-03-10",
                                                       "contributions": contributions}))
    assert single.months
    batch = await call("subsidies.subsidy_assessments_batch", admin, m.BatchOut,
                       body=m.BatchIn.from_dict({"as_of_date": "2026-03-10", "items": [
                           {"worker_id": worker.id, "contributions": contributions}]}))
    assert batch.summary.assessed == 1

    # Statistics as JSON, then as CSV (its own operation: a str, not a crash).
    await call("statistics.stats_overview_get", admin, m.OverviewOut)
    response = await _api("statistics.stats_overview_csv").asyncio_detailed(client=admin)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.decode("utf-8-sig").startswith("metric,key,value")
