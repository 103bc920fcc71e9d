"""The world the authorization matrix walks: two tenants of every tenant role, built through
the real API, and one request builder per operation (method + path template).

Tenant A is the one every row's resource belongs to:
- employer A (verified) posts job A and hires worker A;
- market A (district 500103, where job A is) registered worker A at its front desk, so it is
  the worker side of worker A's applications, offers and engagements, never the employer side;
- worker A acts through its own key.
Tenant B (employer B, market B in district 500106, worker B who registered itself) is the
"other tenant" of each role. Admin, inspector and partner have one key each. Training
institutions A and B (tests/authz_world_training.py) are the `institution` columns.

A builder returns the request for one cell. With `fresh=True` (an allowed write) it makes a
new resource in the state the operation needs, so one cell's success never spoils the next;
otherwise it returns a shared resource (a refused request must not change anything).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from app.auth.principal import Role
from app.auth.service import create_key
from app.webhooks.dispatcher import Dispatcher
from tests.conftest import auth, job_body, make_credit_code, unique, worker_body
from tests.engagements_fixtures import shanghai, spot
from tests.markets_fixtures import draft, full_values, opened

COLUMNS = ("anonymous", "admin", "employer", "other_employer", "market", "other_market",
           "inspector", "partner", "worker", "other_worker", "institution", "other_institution")
SOURCE = "authz-partner"
HOOK_URL = "http://127.0.0.1:9/authz-hook"  # never called: no dispatcher runs in this test


@dataclass
class Call:
    path: str
    json: Any = None
    at: datetime | None = None  # the app's clock for this request (engagement time rules)
    key: str | None = None  # overrides the column's key (a worker registering needs a fresh one)
    headers: dict[str, str] = field(default_factory=dict)
    after: Callable[[], Awaitable[Any]] | None = None  # puts back what an allowed call changed


Builder = Callable[["AuthzWorld", str, bool], Awaitable[Call]]
BUILDERS: dict[tuple[str, str], Builder] = {}


def op(method: str, path: str):
    def register(fn: Builder) -> Builder:
        BUILDERS[(method, path)] = fn
        return fn
    return register


class AuthzWorld:
    def __init__(self, app, client: httpx.AsyncClient) -> None:
        self.app, self.client = app, client
        self.keys: dict[str, str | None] = {"anonymous": None}
        self.ids: dict[str, int] = {}
        self._days = itertools.count(3)
        self._spots = itertools.count(0)
        self._shared: dict[str, Any] = {}

    # -- plumbing ------------------------------------------------------------------------------

    async def key(self, role: Role, subject_id: int | None = None) -> tuple[int, str]:
        async with self.app.state.sessionmaker() as session:
            row, key = await create_key(session, self.app.state.secret_key, role=role,
                                        name=f"authz {role.value}", subject_id=subject_id)
            await session.commit()
        return row.id, key

    async def request(self, method: str, path: str, column: str = "admin", *,
                      json: Any = None, at: datetime | None = None, expect: int | None = None,
                      key: str | None = None) -> dict:
        if at is not None:
            self.app.state.clock = lambda: at
        try:
            r = await self.client.request(method, path, json=json,
                                          headers=auth(key or self.keys[column]))
        finally:
            self.app.state.clock = None
        ok = r.status_code == expect if expect else r.is_success
        assert ok, f"{method} {path} as {column}: {r.status_code} {r.text}"
        return r.json() if r.content else {}

    async def shared(self, name: str, make: Callable[[], Awaitable[Any]]) -> Any:
        if name not in self._shared:
            self._shared[name] = await make()
        return self._shared[name]

    async def sequence_events(self) -> None:
        """Gives written events their feed position (what a dispatcher does)."""
        async with Dispatcher(self.app.state.sessionmaker, self.app.state.settings,
                              self.app.state.secret_key) as d:
            await d.sequence()

    # -- the world -----------------------------------------------------------------------------

    async def build(self) -> AuthzWorld:
        _id, self.keys["admin"] = await self.key(Role.admin)
        for column in ("employer", "other_employer"):
            self.ids[column] = await self.new_employer()
            _id, self.keys[column] = await self.key(Role.employer, self.ids[column])
        for column, district in (("market", "500103"), ("other_market", "500106")):
            market = await self.request("POST", "/v1/markets", json={
                "name": f"零工市场{unique()}", "scale": "market", "district_code": district,
                "operating_mode": "public_agency", "opening_date": opened(12)}, expect=201)
            self.ids[column] = market["id"]
            _id, self.keys[column] = await self.key(Role.market, market["id"])
        worker = await self.request("POST", "/v1/workers", "market", json=worker_body(),
                                    expect=201)
        self.ids["worker"] = worker["id"]
        _id, self.keys["worker"] = await self.key(Role.worker, worker["id"])
        _id, self.keys["other_worker"] = await self.key(Role.worker)
        other = await self.request("POST", "/v1/workers", "other_worker",
                                   json=worker_body(name="李建国", phone="13700001111"),
                                   expect=201)
        self.ids["other_worker"] = other["id"]
        _id, self.keys["inspector"] = await self.key(Role.inspector)
        self.ids["partner_key"], self.keys["partner"] = await self.key(Role.partner)
        await self.grant()
        from tests.authz_world_training import build_training  # registers its builders too

        await build_training(self)
        return self

    async def new_employer(self, verified: bool = True) -> int:
        employer = await self.request("POST", "/v1/employers", json={
            "name": f"重庆授权测试服务有限公司{unique()}", "credit_code": make_credit_code(),
            "contact_phone": "13800001234"}, expect=201)
        if verified:
            await self.request("POST", f"/v1/employers/{employer['id']}/verification",
                               json={"status": "verified"})
        return employer["id"]

    def job_json(self, **overrides) -> dict:
        """A valid posting on a day and at a spot of its own (never a duplicate, never
        overlapping worker A's other engagements)."""
        start = shanghai(next(self._days), 9)
        return job_body(title=f"仓库搬运装卸{unique()}", location=spot(next(self._spots)),
                        starts_at=start.isoformat(),
                        ends_at=(start + timedelta(hours=8)).isoformat(), **overrides)

    async def job(self, column: str = "employer", **overrides) -> dict:
        return await self.request("POST", "/v1/jobs", column, json=self.job_json(**overrides),
                                  expect=201)

    async def job_a(self) -> dict:
        return await self.shared("job", self.job)

    async def pending_job(self) -> dict:
        """A posting by an unverified employer in market A's district: it waits for review."""
        employer_id = await self.new_employer(verified=False)
        body = self.job_json(employer_id=employer_id)
        return await self.request("POST", "/v1/jobs", json=body, expect=201)

    async def application(self) -> dict:
        job = await self.job()
        return await self.request("POST", f"/v1/jobs/{job['id']}/applications", "worker",
                                  json={}, expect=201)

    async def offer(self) -> dict:
        job = await self.job()
        return await self.request("POST", f"/v1/jobs/{job['id']}/offers", "employer",
                                  json={"worker_id": self.ids["worker"]}, expect=201)

    async def engagement(self, stage: str = "scheduled") -> tuple[dict, datetime]:
        """Worker A hired by employer A, driven to `stage`: scheduled, checked_in,
        checked_out, disputed or completed. Returns the engagement and the job's start."""
        offer = await self.offer()
        e = await self.request("POST", f"/v1/offers/{offer['id']}/accept", "worker",
                               expect=201)
        start = datetime.fromisoformat(e["starts_at"])
        url = f"/v1/engagements/{e['id']}"
        steps = ["checked_in", "checked_out", "reviewed"]
        wanted = {"scheduled": 0, "checked_in": 1, "checked_out": 2, "disputed": 3,
                  "completed": 3}[stage]
        for step in steps[:wanted]:
            if step == "checked_in":
                e = await self.request("POST", f"{url}/check-in", "worker", json={},
                                       at=start + timedelta(minutes=1))
            elif step == "checked_out":
                e = await self.request("POST", f"{url}/check-out", "worker", json={},
                                       at=start + timedelta(hours=7))
            else:
                body = ({"decision": "confirm"} if stage == "completed" else
                        {"decision": "dispute", "minutes": 300, "reason": "早退两小时"})
                e = await self.request("POST", f"{url}/hours", "employer", json=body,
                                       at=start + timedelta(hours=8))
        return e, start

    async def engagement_a(self) -> dict:
        return (await self.shared("engagement", self.engagement))[0]

    async def endpoint(self) -> dict:
        """A webhook endpoint of employer A."""
        return await self.request("POST", "/v1/webhook-endpoints", "employer",
                                  json={"url": HOOK_URL}, expect=201)

    async def grant(self) -> dict:
        return await self.request("POST", f"/v1/partners/{SOURCE}/grants", json={
            "partner_key_id": self.ids["partner_key"], "employer_id": self.ids["employer"]})

    async def partner_posting(self) -> str:
        external_id = f"ext-{unique()}"
        await self.grant()
        await self.request("PUT", f"/v1/partners/{SOURCE}/jobs/{external_id}", "partner",
                           json=self.job_json(employer_id=self.ids["employer"]), expect=201)
        return external_id

    async def assessment(self) -> dict:
        """Market A's self-assessment (unverified)."""
        return await self.request("POST", f"/v1/markets/{self.ids['market']}/assessments",
                                  "market", json={"values": full_values()}, expect=201)

    async def private_event(self) -> dict:
        """An event only employer A (and admins) may see: its webhook test event."""
        endpoint = await self.shared("endpoint", self.endpoint)
        sent = await self.request("POST", f"/v1/webhook-endpoints/{endpoint['id']}/test",
                                  "employer", expect=202)
        await self.sequence_events()
        return sent


# -- builders, by resource ---------------------------------------------------------------------
# `column` is who calls; builders that need a body naming "the worker" or "the employer" use
# tenant A's, so the other tenant acts on the first tenant's resource.

def _on_behalf(column: str) -> bool:
    return column in ("admin", "market", "other_market")


def _plain(path: str) -> Builder:
    async def build(w: AuthzWorld, column: str, fresh: bool) -> Call:
        return Call(path)
    return build


# Collections and health checks: the template is the path.
for _path in ("/healthz", "/readyz", "/v1/api-keys", "/v1/applications", "/v1/compliance/rankings",
              "/v1/compliance/standards", "/v1/districts", "/v1/employers", "/v1/engagements",
              "/v1/events", "/v1/jobs", "/v1/markets", "/v1/offers", "/v1/reports/wage-arrears",
              "/v1/skills", "/v1/subsidy-job-types", "/v1/webhook-endpoints", "/v1/workers"):
    BUILDERS[("GET", _path)] = _plain(_path)


def _of_tenant_a(path: str, body: Any = None) -> Builder:
    """A request on tenant A's own record, named in `path` as {employer}, {market}, {worker}."""
    async def build(w: AuthzWorld, column: str, fresh: bool) -> Call:
        return Call(path.format(**w.ids), copy.deepcopy(body))
    return build


for _method, _path, _body in (
    ("GET", "/v1/employers/{employer}", None),
    ("GET", "/v1/employers/{employer}/credit", None),
    ("PATCH", "/v1/employers/{employer}", {"contact_name": "王经理"}),
    ("POST", "/v1/employers/{employer}/verification", {"status": "verified"}),
    ("GET", "/v1/markets/{market}", None),
    ("GET", "/v1/markets/{market}/assessments", None),
    ("PATCH", "/v1/markets/{market}", {"service_hotline": "023-63000000"}),
    ("POST", "/v1/markets/{market}/assessments", {"values": full_values()}),
    ("GET", "/v1/workers/{worker}", None),
    ("GET", "/v1/workers/{worker}/reliability", None),
    ("GET", "/v1/workers/{worker}/work-records", None),
    ("GET", "/v1/workers/{worker}/matches", None),
    ("PATCH", "/v1/workers/{worker}", {"max_travel_km": 12}),
    ("POST", "/v1/workers/{worker}/reactivate", None),
):
    _template = _path.replace("{employer}", "{employer_id}").replace(
        "{market}", "{market_id}").replace("{worker}", "{worker_id}")
    BUILDERS[(_method, _template)] = _of_tenant_a(_path, _body)


def _read_shared(name: str, path: str, id_field: str = "id") -> Builder:
    """A read of the shared record `name` (built by the AuthzWorld method of that name);
    `path` names its id as {id}."""
    async def build(w: AuthzWorld, column: str, fresh: bool) -> Call:
        row = await w.shared(name, getattr(w, name))
        return Call(path.format(id=row[id_field]))
    return build


for _name, _template, _path, _field in (
    ("assessment", "/v1/assessments/{assessment_id}", "/v1/assessments/{id}", "id"),
    ("assessment", "/v1/assessments/{assessment_id}/report", "/v1/assessments/{id}/report",
     "id"),
    ("application", "/v1/applications/{application_id}", "/v1/applications/{id}", "id"),
    ("offer", "/v1/offers/{offer_id}", "/v1/offers/{id}", "id"),
    ("private_event", "/v1/events/{event_id}", "/v1/events/{id}", "event_id"),
):
    BUILDERS[("GET", _template)] = _read_shared(_name, _path, _field)


# api keys

@op("POST", "/v1/api-keys")
async def _create_key(w, column, fresh):
    return Call("/v1/api-keys", {"name": "authz inspector", "role": "inspector"})


@op("DELETE", "/v1/api-keys/{key_id}")
async def _revoke_key(w, column, fresh):
    if fresh:
        key_id, _ = await w.key(Role.inspector)
    else:
        key_id = await w.shared("spare_key", lambda: _first(w.key(Role.inspector)))
    return Call(f"/v1/api-keys/{key_id}")


async def _first(pair: Awaitable[tuple]) -> Any:
    return (await pair)[0]


# reference data

@op("GET", "/v1/districts/{code}")
async def _district(w, column, fresh):
    return Call("/v1/districts/500103")


@op("GET", "/v1/skills/{code}")
async def _skill(w, column, fresh):
    code = await w.shared("skill", lambda: _skill_code(w))
    return Call(f"/v1/skills/{code}")


async def _skill_code(w: AuthzWorld) -> str:
    r = await w.request("GET", "/v1/skills?limit=1")
    return r["items"][0]["code"]


# employers

@op("POST", "/v1/employers")
async def _create_employer(w, column, fresh):
    return Call("/v1/employers", {"name": f"重庆新建用工单位{unique()}",
                                  "credit_code": make_credit_code()})


# markets and compliance

@op("POST", "/v1/markets")
async def _create_market(w, column, fresh):
    return Call("/v1/markets", {"name": f"新建零工驿站{unique()}", "scale": "station",
                                "district_code": "500103"})


@op("POST", "/v1/assessments/{assessment_id}/verify")
async def _verify_assessment(w, column, fresh):
    row = await (w.assessment() if fresh else w.shared("assessment", w.assessment))
    return Call(f"/v1/assessments/{row['id']}/verify", {"values": full_values()})


@op("GET", "/v1/compliance/standards/{version}")
async def _standard(w, column, fresh):
    return Call(f"/v1/compliance/standards/{draft().version}")


@op("POST", "/v1/compliance/standards")
async def _publish_standard(w, column, fresh):
    doc = draft().model_dump(mode="json")
    doc["version"] = f"authz-{unique()}"
    return Call("/v1/compliance/standards", doc)


# jobs

@op("POST", "/v1/jobs")
async def _create_job(w, column, fresh):
    extra = {"employer_id": w.ids["employer"]} if _on_behalf(column) else {}
    return Call("/v1/jobs", w.job_json(**extra))


@op("GET", "/v1/jobs/{job_id}")
async def _job(w, column, fresh):
    return Call(f"/v1/jobs/{(await w.job_a())['id']}")


async def _job_for(w: AuthzWorld, fresh: bool) -> dict:
    return await (w.job() if fresh else w.job_a())


# matching

@op("GET", "/v1/jobs/{job_id}/matches")
async def _job_matches(w, column, fresh):
    return Call(f"/v1/jobs/{(await w.job_a())['id']}/matches")


@op("POST", "/v1/staffing-plans")
async def _staffing_plan(w, column, fresh):
    return Call("/v1/staffing-plans", {"job_ids": [(await w.job_a())["id"]]})


@op("PATCH", "/v1/jobs/{job_id}")
async def _patch_job(w, column, fresh):
    job = await _job_for(w, fresh)
    return Call(f"/v1/jobs/{job['id']}", {"description": "负责仓库货物搬运，提供午餐。"})


@op("POST", "/v1/jobs/{job_id}/close")
async def _close_job(w, column, fresh):
    return Call(f"/v1/jobs/{(await _job_for(w, fresh))['id']}/close")


@op("POST", "/v1/jobs/{job_id}/cancel")
async def _cancel_job(w, column, fresh):
    return Call(f"/v1/jobs/{(await _job_for(w, fresh))['id']}/cancel")


@op("POST", "/v1/jobs/{job_id}/review")
async def _review_job(w, column, fresh):
    job = await (w.pending_job() if fresh else w.shared("pending_job", w.pending_job))
    return Call(f"/v1/jobs/{job['id']}/review", {"decision": "approve"})


# workers

@op("POST", "/v1/workers")
async def _create_worker(w, column, fresh):
    call = Call("/v1/workers", worker_body(name="赵小红", phone="13600002222"))
    if column in ("worker", "other_worker"):  # registering binds the key: a new one each time
        _id, call.key = await w.key(Role.worker)
    return call


@op("POST", "/v1/workers/{worker_id}/deactivate")
async def _deactivate_worker(w, column, fresh):
    url = f"/v1/workers/{w.ids['worker']}"
    return Call(f"{url}/deactivate", after=lambda: w.request("POST", f"{url}/reactivate"))


# applications

@op("POST", "/v1/jobs/{job_id}/applications")
async def _apply(w, column, fresh):
    job = await _job_for(w, fresh)
    body = {"worker_id": w.ids["worker"]} if _on_behalf(column) else {}
    return Call(f"/v1/jobs/{job['id']}/applications", body)


@op("GET", "/v1/jobs/{job_id}/applications")
async def _job_applications(w, column, fresh):
    application = await w.shared("application", w.application)
    return Call(f"/v1/jobs/{application['job']['id']}/applications")


def _application_action(action: str) -> Builder:
    async def build(w: AuthzWorld, column: str, fresh: bool) -> Call:
        row = await (w.application() if fresh else w.shared("application", w.application))
        return Call(f"/v1/applications/{row['id']}/{action}", {})
    return build


for _action in ("accept", "decline", "withdraw"):
    BUILDERS[("POST", f"/v1/applications/{{application_id}}/{_action}")] = (
        _application_action(_action)
    )


# offers

@op("POST", "/v1/jobs/{job_id}/offers")
async def _make_offer(w, column, fresh):
    job = await _job_for(w, fresh)
    return Call(f"/v1/jobs/{job['id']}/offers", {"worker_id": w.ids["worker"]})


def _offer_action(action: str) -> Builder:
    async def build(w: AuthzWorld, column: str, fresh: bool) -> Call:
        row = await (w.offer() if fresh else w.shared("offer", w.offer))
        return Call(f"/v1/offers/{row['id']}/{action}")
    return build


for _action in ("accept", "decline", "withdraw"):
    BUILDERS[("POST", f"/v1/offers/{{offer_id}}/{_action}")] = _offer_action(_action)


# engagements

@op("GET", "/v1/engagements/{engagement_id}")
async def _engagement(w, column, fresh):
    return Call(f"/v1/engagements/{(await w.engagement_a())['id']}")


def _engagement_action(stage: str, action: str, body: Callable[[str], Any],
                       at: timedelta | None = None) -> Builder:
    async def build(w: AuthzWorld, column: str, fresh: bool) -> Call:
        name = f"engagement:{stage}"
        e, start = await (w.engagement(stage) if fresh
                          else w.shared(name, lambda: w.engagement(stage)))
        suffix = action
        if "{dispute_id}" in action:
            suffix = action.format(dispute_id=e["disputes"][0]["id"])
        return Call(f"/v1/engagements/{e['id']}/{suffix}", body(column),
                    at=start + at if at is not None else None)
    return build


def _always(body: Any) -> Callable[[str], Any]:
    return lambda column: body


BUILDERS[("POST", "/v1/engagements/{engagement_id}/check-in")] = _engagement_action(
    "scheduled", "check-in", _always({}), timedelta(minutes=1))
BUILDERS[("POST", "/v1/engagements/{engagement_id}/check-out")] = _engagement_action(
    "checked_in", "check-out", _always({}), timedelta(hours=7))
BUILDERS[("POST", "/v1/engagements/{engagement_id}/hours")] = _engagement_action(
    "checked_out", "hours", _always({"decision": "confirm"}), timedelta(hours=8))
BUILDERS[("POST", "/v1/engagements/{engagement_id}/disputes/{dispute_id}/resolve")] = (
    _engagement_action("disputed", "disputes/{dispute_id}/resolve", _always({}),
                       timedelta(hours=9)))
# Admins are both sides, so they say which one cancels.
BUILDERS[("POST", "/v1/engagements/{engagement_id}/cancel")] = _engagement_action(
    "scheduled", "cancel",
    lambda column: {"party": "employer"} if column == "admin" else {})
BUILDERS[("POST", "/v1/engagements/{engagement_id}/no-show")] = _engagement_action(
    "scheduled", "no-show", _always(None), timedelta(hours=3))
BUILDERS[("POST", "/v1/engagements/{engagement_id}/payments")] = _engagement_action(
    "completed", "payments", _always({"amount": 100, "method": "wechat"}), timedelta(hours=9))
BUILDERS[("POST", "/v1/engagements/{engagement_id}/ratings")] = _engagement_action(
    "completed", "ratings", _always({"score": 5}), timedelta(hours=9))


# webhooks and events

async def _endpoint_for(w: AuthzWorld, fresh: bool) -> dict:
    return await (w.endpoint() if fresh else w.shared("endpoint", w.endpoint))


@op("POST", "/v1/webhook-endpoints")
async def _create_endpoint(w, column, fresh):
    return Call("/v1/webhook-endpoints", {"url": HOOK_URL, "event_types": ["job.*"]})


def _endpoint_action(method: str, suffix: str, body: Any = None) -> Builder:
    async def build(w: AuthzWorld, column: str, fresh: bool) -> Call:
        endpoint = await _endpoint_for(w, fresh and method != "GET")
        return Call(f"/v1/webhook-endpoints/{endpoint['id']}{suffix}", body)
    return build


for _method, _suffix, _body in (
    ("GET", "", None), ("PATCH", "", {"description": "授权矩阵"}), ("DELETE", "", None),
    ("GET", "/deliveries", None), ("POST", "/disable", None), ("POST", "/enable", None),
    ("POST", "/rotate-secret", None), ("POST", "/test", None),
):
    BUILDERS[(_method, f"/v1/webhook-endpoints/{{endpoint_id}}{_suffix}")] = _endpoint_action(
        _method, _suffix, _body)


@op("POST", "/v1/events/{event_id}/redeliver")
async def _redeliver(w, column, fresh):
    event = await w.shared("private_event", w.private_event)
    endpoint = await w.shared("endpoint", w.endpoint)  # named: an admin has none of its own
    return Call(f"/v1/events/{event['event_id']}/redeliver", {"endpoint_id": endpoint["id"]})


# partners

@op("GET", "/v1/partners/{source}/grants")
async def _grants(w, column, fresh):
    return Call(f"/v1/partners/{SOURCE}/grants")


@op("POST", "/v1/partners/{source}/grants")
async def _create_grant(w, column, fresh):
    return Call(f"/v1/partners/{SOURCE}/grants",
                {"partner_key_id": w.ids["partner_key"], "employer_id": w.ids["employer"]})


@op("DELETE", "/v1/partners/{source}/grants/{employer_id}")
async def _delete_grant(w, column, fresh):
    await w.grant()  # a deleted grant comes back for the next cell
    return Call(f"/v1/partners/{SOURCE}/grants/{w.ids['employer']}")


@op("PUT", "/v1/partners/{source}/jobs/{external_id}")
async def _put_partner_job(w, column, fresh):
    await w.grant()
    return Call(f"/v1/partners/{SOURCE}/jobs/ext-{unique()}",
                w.job_json(employer_id=w.ids["employer"]))


@op("DELETE", "/v1/partners/{source}/jobs/{external_id}")
async def _delete_partner_job(w, column, fresh):
    external_id = await (w.partner_posting() if fresh
                         else w.shared("posting", w.partner_posting))
    return Call(f"/v1/partners/{SOURCE}/jobs/{external_id}")


# subsidies and statistics

SUBSIDY = "/v1/subsidies/flexible-employment"
_years = itertools.count(2040)


def _parameters(year: int) -> dict:
    return {"year": year, "pension_lowest_fen": 60_000, "medical_lowest_fen": 25_000,
            "eligible_job_types": ["家政服务"]}


async def _subsidy_year(w: AuthzWorld) -> int:
    """2026's parameters, published once by the admin: assessments need them."""
    async def publish() -> int:
        await w.request("POST", f"{SUBSIDY}/parameters", json=_parameters(2026), expect=201)
        return 2026
    return await w.shared("subsidy_year", publish)


def _assessment_item(w: AuthzWorld) -> dict:
    return {"worker_id": w.ids["worker"], "as_of_date": "2026-03-10",
            "contributions": [{"month": "2026-01", "pension_paid_fen": 60_000,
                               "medical_paid_fen": 20_000}]}


@op("POST", f"{SUBSIDY}/assessments")
async def _assess(w, column, fresh):
    await _subsidy_year(w)
    return Call(f"{SUBSIDY}/assessments", _assessment_item(w))


@op("POST", f"{SUBSIDY}/assessments/batch")
async def _assess_batch(w, column, fresh):
    await _subsidy_year(w)
    item = _assessment_item(w)
    return Call(f"{SUBSIDY}/assessments/batch",
                {"as_of_date": item.pop("as_of_date"), "items": [item]})


@op("POST", f"{SUBSIDY}/parameters")
async def _publish_parameters(w, column, fresh):
    return Call(f"{SUBSIDY}/parameters", _parameters(next(_years)))


@op("GET", f"{SUBSIDY}/parameters")
async def _list_parameters(w, column, fresh):
    await _subsidy_year(w)
    return Call(f"{SUBSIDY}/parameters")


@op("GET", f"{SUBSIDY}/parameters/{{year}}")
async def _read_parameters(w, column, fresh):
    return Call(f"{SUBSIDY}/parameters/{await _subsidy_year(w)}")


async def _year_to_change(w: AuthzWorld, fresh: bool) -> int:
    if not fresh:
        return await _subsidy_year(w)
    year = next(_years)
    await w.request("POST", f"{SUBSIDY}/parameters", json=_parameters(year), expect=201)
    return year


@op("PATCH", f"{SUBSIDY}/parameters/{{year}}")
async def _patch_parameters(w, column, fresh):
    year = await _year_to_change(w, fresh)
    return Call(f"{SUBSIDY}/parameters/{year}", {"medical_lowest_fen": 26_000})


@op("DELETE", f"{SUBSIDY}/parameters/{{year}}")
async def _delete_parameters(w, column, fresh):
    return Call(f"{SUBSIDY}/parameters/{await _year_to_change(w, fresh)}")


for _path in ("/v1/stats/overview", "/v1/stats/timeseries", "/v1/stats/overview.csv",
              "/v1/stats/timeseries.csv"):
    BUILDERS[("GET", _path)] = _plain(_path)


# rights on the record: agreements, injury cover, the new-forms register, complaints

def _side(column: str) -> str:
    """Market A registered worker A, so it is the worker's side of every hire."""
    return "worker" if column in ("worker", "other_worker", "market", "other_market") else "employer"


async def _with_agreement(w: AuthzWorld) -> dict:
    e, _start = await w.engagement()
    await w.request("POST", f"/v1/engagements/{e['id']}/agreement", "employer",
                    json={"kind": "written_agreement"}, expect=201)
    return e


@op("POST", "/v1/engagements/{engagement_id}/agreement")
async def _agreement_create(w, column, fresh):
    e = (await w.engagement())[0] if fresh else await w.engagement_a()
    return Call(f"/v1/engagements/{e['id']}/agreement", {"kind": "written_agreement"})


for _suffix in ("", "/document"):
    @op("GET", f"/v1/engagements/{{engagement_id}}/agreement{_suffix}")
    async def _agreement_read(w, column, fresh, _suffix=_suffix):
        e = await w.shared("agreement", lambda: _with_agreement(w))
        return Call(f"/v1/engagements/{e['id']}/agreement{_suffix}")


@op("POST", "/v1/engagements/{engagement_id}/agreement/signing-codes")
async def _agreement_code(w, column, fresh):
    e = await w.shared("agreement", lambda: _with_agreement(w))
    return Call(f"/v1/engagements/{e['id']}/agreement/signing-codes", {"side": _side(column)})


@op("POST", "/v1/engagements/{engagement_id}/agreement/signatures")
async def _agreement_sign(w, column, fresh):
    side = _side(column)
    if not fresh:
        e = await w.shared("agreement", lambda: _with_agreement(w))
        return Call(f"/v1/engagements/{e['id']}/agreement/signatures",
                    {"side": side, "code": "0123456789"})
    e = await _with_agreement(w)
    url = f"/v1/engagements/{e['id']}/agreement"
    issued = await w.request("POST", f"{url}/signing-codes", column, json={"side": side},
                             expect=201)
    return Call(f"{url}/signatures", {"side": side, "code": issued["code"]})


@op("GET", "/v1/engagements/{engagement_id}/protection")
async def _protection_get(w, column, fresh):
    return Call(f"/v1/engagements/{(await w.engagement_a())['id']}/protection")


@op("PUT", "/v1/engagements/{engagement_id}/protection")
async def _protection_put(w, column, fresh):
    return Call(f"/v1/engagements/{(await w.engagement_a())['id']}/protection",
                {"type": "work_injury", "insurer": "中国人寿财产保险股份有限公司重庆市分公司"})


BUILDERS[("GET", "/v1/reports/new-forms")] = _plain("/v1/reports/new-forms")
BUILDERS[("GET", "/v1/complaints")] = _plain("/v1/complaints")
BUILDERS[("GET", "/v1/complaints/statistics")] = _plain("/v1/complaints/statistics")


@op("PUT", "/v1/partners/{source}/engagements/{external_id}")
async def _partner_engagement(w, column, fresh):
    return Call(f"/v1/partners/{SOURCE}/engagements/trip-{unique()}", {
        "employer_id": w.ids["employer"], "worker_ref": "R-0001", "occupation": "rider",
        "week_start_date": "2026-11-30", "weekly_minutes": 1500,
        "protection": {"type": "occupational_injury_pilot"}})


async def _complaint(w: AuthzWorld) -> dict:
    """Worker A complains about job A (district 500103): the case goes to market A."""
    job = await w.job_a()
    return await w.request("POST", "/v1/complaints", "worker", json={
        "subject": {"type": "job", "id": job["id"]}, "category": "fees_asked",
        "description": "要求先交押金"}, expect=201)


@op("POST", "/v1/complaints")
async def _complaint_create(w, column, fresh):
    job = await w.job_a()
    return Call("/v1/complaints", {"subject": {"type": "job", "id": job["id"]},
                                   "category": "fake_posting", "description": "岗位与实际不符"})


@op("GET", "/v1/complaints/{complaint_id}")
async def _complaint_get(w, column, fresh):
    c = await w.shared("complaint", lambda: _complaint(w))
    return Call(f"/v1/complaints/{c['id']}")


@op("POST", "/v1/complaints/{complaint_id}/assignment")
async def _complaint_assign(w, column, fresh):
    c = await (_complaint(w) if fresh else w.shared("complaint", lambda: _complaint(w)))
    inspector = await w.shared("spare_inspector", lambda: _first(w.key(Role.inspector)))
    return Call(f"/v1/complaints/{c['id']}/assignment", {"inspector_key_id": inspector})


@op("POST", "/v1/complaints/{complaint_id}/decision")
async def _complaint_decide(w, column, fresh):
    c = await (_complaint(w) if fresh else w.shared("complaint", lambda: _complaint(w)))
    return Call(f"/v1/complaints/{c['id']}/decision",
                {"outcome": "unsubstantiated", "note": "经核实不属实。"})

import tests.authz_world_training  # noqa: E402, F401 (the training operations' builders)
