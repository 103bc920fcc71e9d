"""Request builders for the training operations (policy items 十一/十二) in the authorization
matrix. Tenant A adds institution A (published, takes vouchers; its key is the `institution`
column) and B (`other_institution`). Tenant A's resources: market A's catalogue proposals,
course A (institution A's online digital-skills course), worker A's enrolment on it
(registered by market A) and worker A's voucher issued by market A."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from app.auth.principal import Role
from tests.authz_world import BUILDERS, AuthzWorld, Call, op
from tests.conftest import make_credit_code, unique

T = "/v1/training"
_levels = itertools.count(1)
_years = itertools.count(2030)  # a year per voucher: one per worker and year


async def build_training(w: AuthzWorld) -> None:
    for column in ("institution", "other_institution"):
        row = await w.request("POST", f"{T}/institutions", json=_institution_json(), expect=201)
        w.ids[column] = row["id"]
        _id, w.keys[column] = await w.key(Role.institution, row["id"])


def _institution_json() -> dict:
    return {"name": f"授权测试培训学校{unique()}", "credit_code": make_credit_code(),
            "licence_no": "渝人社培0001", "district_codes": ["500103"], "delivery": "both",
            "voucher_eligible": True}


# -- catalogues --------------------------------------------------------------------------------

def _catalogue_json(segment: str) -> dict:
    if segment == "shortage-trades":
        return {"skill_code": "media.live_host", "period_start_date": "2027-01-01",
                "period_end_date": "2027-12-31", "demand_figures": {"open_positions": 10}}
    if segment == "institutions":
        return _institution_json()
    return {"level": f"专项{next(_levels)}-{unique()}", "year": 2027, "amount_fen": 50_000,
            "source": "授权测试"}


async def _proposal(w: AuthzWorld, segment: str) -> dict:
    """Market A's proposal: published entries are public, proposals are not."""
    return await w.request("POST", f"{T}/{segment}", "market", json=_catalogue_json(segment),
                           expect=201)


def _catalogue_builders(segment: str) -> None:
    base = f"{T}/{segment}"

    async def shared(w):
        return await w.shared(f"proposal:{segment}", lambda: _proposal(w, segment))

    async def list_(w, column, fresh):
        return Call(base)

    async def create(w, column, fresh):
        return Call(base, _catalogue_json(segment))

    async def read(w, column, fresh):
        return Call(f"{base}/{(await shared(w))['id']}")

    async def patch(w, column, fresh):
        row = await (_proposal(w, segment) if fresh else shared(w))
        return Call(f"{base}/{row['id']}", {"note": "授权矩阵（修改）"})

    async def publish(w, column, fresh):
        row = await (_proposal(w, segment) if fresh else shared(w))
        return Call(f"{base}/{row['id']}/publish")

    async def history(w, column, fresh):
        return Call(f"{base}/{(await shared(w))['id']}/history")

    BUILDERS[("GET", base)] = list_
    BUILDERS[("POST", base)] = create
    BUILDERS[("GET", f"{base}/{{entry_id}}")] = read
    BUILDERS[("PATCH", f"{base}/{{entry_id}}")] = patch
    BUILDERS[("POST", f"{base}/{{entry_id}}/publish")] = publish
    BUILDERS[("GET", f"{base}/{{entry_id}}/history")] = history


for _segment in ("shortage-trades", "institutions", "subsidy-rates"):
    _catalogue_builders(_segment)


# -- courses and enrolments --------------------------------------------------------------------

def _course_json(**extra) -> dict:
    start = date.today() + timedelta(days=10)
    return {"title": f"直播电商实操{unique()}", "skill_codes": ["media.live_host"], "hours": 4,
            "delivery": "online", "digital_skills": True, "starts_on_date": start.isoformat(),
            "ends_on_date": (start + timedelta(days=3)).isoformat(), "capacity": 500,
            "price_fen": 60_000, **extra}


async def _course(w: AuthzWorld) -> dict:
    return await w.request("POST", f"{T}/courses", "institution", json=_course_json(),
                           expect=201)


async def _course_a(w: AuthzWorld) -> dict:
    return await w.shared("course", lambda: _course(w))


async def _enrolment(w: AuthzWorld, stage: str = "applied") -> dict:
    """Worker A, registered by market A, on a new course of institution A, driven to stage."""
    course = await _course(w)
    e = await w.request("POST", f"{T}/courses/{course['id']}/enrolments", "market",
                        json={"worker_id": w.ids["worker"]}, expect=201)
    url = f"{T}/enrolments/{e['id']}"
    if stage in ("confirmed", "attended"):
        e = await w.request("POST", f"{url}/confirm", "institution")
    if stage == "attended":
        e = await w.request("POST", f"{url}/attendance", "institution",
                            json={"hours": 4, "attended_on_date": date.today().isoformat()})
    return e


@op("POST", f"{T}/courses")
async def _create_course(w, column, fresh):
    extra = {"institution_id": w.ids["institution"]} if column == "admin" else {}
    return Call(f"{T}/courses", _course_json(**extra))


@op("GET", f"{T}/courses")
async def _courses(w, column, fresh):
    return Call(f"{T}/courses")


@op("GET", f"{T}/courses/{{course_id}}")
async def _read_course(w, column, fresh):
    return Call(f"{T}/courses/{(await _course_a(w))['id']}")


@op("PATCH", f"{T}/courses/{{course_id}}")
async def _patch_course(w, column, fresh):
    return Call(f"{T}/courses/{(await _course_a(w))['id']}", {"schedule": "每周六 9:00–12:00"})


@op("POST", f"{T}/courses/{{course_id}}/enrolments")
async def _enrol(w, column, fresh):
    course = await (_course(w) if fresh else _course_a(w))
    body = {"worker_id": w.ids["worker"]} if column in ("admin", "market", "other_market") else {}
    return Call(f"{T}/courses/{course['id']}/enrolments", body)


@op("GET", f"{T}/enrolments")
async def _enrolments(w, column, fresh):
    return Call(f"{T}/enrolments")


@op("GET", f"{T}/enrolments/{{enrolment_id}}")
async def _read_enrolment(w, column, fresh):
    e = await w.shared("enrolment", lambda: _enrolment(w))
    return Call(f"{T}/enrolments/{e['id']}")


def _enrolment_action(action: str, stage: str, body) -> None:
    async def build(w, column, fresh):
        e = await (_enrolment(w, stage) if fresh
                   else w.shared(f"enrolment:{stage}", lambda: _enrolment(w, stage)))
        return Call(f"{T}/enrolments/{e['id']}/{action}", body)
    BUILDERS[("POST", f"{T}/enrolments/{{enrolment_id}}/{action}")] = build


_enrolment_action("confirm", "applied", None)
_enrolment_action("attendance", "confirmed",
                  {"hours": 1, "attended_on_date": date.today().isoformat()})
_enrolment_action("complete", "attended", {})


# -- vouchers ----------------------------------------------------------------------------------

async def _voucher(w: AuthzWorld, cancelled: bool = False) -> dict:
    """Worker A's voucher of a year of its own, issued by market A."""
    v = await w.request("POST", f"{T}/vouchers", "market",
                        json={"worker_id": w.ids["worker"], "year": next(_years)}, expect=201)
    if cancelled:
        v = await w.request("POST", f"{T}/vouchers/{v['id']}/cancel", "market",
                            json={"reason": "授权测试"})
    return v


async def _voucher_a(w: AuthzWorld) -> dict:
    return await w.shared("voucher", lambda: _voucher(w))


@op("PUT", f"{T}/voucher-programmes/{{year}}")
async def _put_programme(w, column, fresh):
    return Call(f"{T}/voucher-programmes/{next(_years)}", {"quota": 100})


@op("GET", f"{T}/voucher-programmes/{{year}}")
async def _read_programme(w, column, fresh):
    return Call(f"{T}/voucher-programmes/{(await _voucher_a(w))['year']}")


@op("POST", f"{T}/vouchers")
async def _issue(w, column, fresh):
    return Call(f"{T}/vouchers", {"worker_id": w.ids["worker"], "year": next(_years)})


@op("GET", f"{T}/vouchers")
async def _vouchers(w, column, fresh):
    return Call(f"{T}/vouchers")


@op("GET", f"{T}/vouchers/{{voucher_id}}")
async def _read_voucher(w, column, fresh):
    return Call(f"{T}/vouchers/{(await _voucher_a(w))['id']}")


@op("POST", f"{T}/vouchers/{{voucher_id}}/redeem")
async def _redeem(w, column, fresh):
    v = await (_voucher(w) if fresh else _voucher_a(w))
    course = await (_course(w) if fresh else _course_a(w))
    return Call(f"{T}/vouchers/{v['id']}/redeem", {"course_id": course["id"]})


@op("POST", f"{T}/vouchers/{{voucher_id}}/cancel")
async def _cancel(w, column, fresh):
    v = await (_voucher(w) if fresh else _voucher_a(w))
    return Call(f"{T}/vouchers/{v['id']}/cancel", {"reason": "本人放弃"})


@op("POST", f"{T}/vouchers/{{voucher_id}}/reissue")
async def _reissue(w, column, fresh):
    v = await (_voucher(w, cancelled=True) if fresh
               else w.shared("voucher:cancelled", lambda: _voucher(w, cancelled=True)))
    return Call(f"{T}/vouchers/{v['id']}/reissue")


# -- demand, wishes, recommendations, statistics -----------------------------------------------

@op("GET", f"{T}/demand")
async def _demand(w, column, fresh):
    return Call(f"{T}/demand")


@op("POST", f"{T}/wishes")
async def _wish(w, column, fresh):
    return Call(f"{T}/wishes", {"skill": "直播带货", "people": 1})


@op("GET", f"{T}/wishes")
async def _wishes(w, column, fresh):
    return Call(f"{T}/wishes")


@op("GET", "/v1/workers/{worker_id}/training-recommendations")
async def _recommendations(w, column, fresh):
    return Call(f"/v1/workers/{w.ids['worker']}/training-recommendations")


@op("GET", f"{T}/stats")
async def _stats(w, column, fresh):
    return Call(f"{T}/stats")
