"""Market statistics: every figure against a plain Python recomputation over the same rows."""

from __future__ import annotations

import csv
import io
import statistics
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from app.auth.principal import Role
from app.engagements.models import OWING_STATUSES, Application, Engagement, Offer
from app.jobs.models import Job, JobSkill
from app.markets.metrics import FILLED_STATUSES
from app.workers.models import Worker, WorkerSkill
from tests.conftest import auth
from tests.engagements_fixtures import hire, job_at, shanghai

SH = ZoneInfo("Asia/Shanghai")
TODAY = datetime.now(SH).date()
GROUPS = ("graduate", "poverty_alleviated", "age_4050", "dibao", "zero_employment_family",
          "disabled", "veteran")


@pytest.fixture(scope="module")
async def data(world, app):
    """Hires on jobs in two districts and two employment types, one with headcount 2 filled,
    spread over ten days by moving the recorded times; one engagement owes wages."""
    market_id, market_key = await world.market()
    admin = await world.admin()
    hires = []
    for i in range(8):
        district = "500103" if i % 2 else "500105"
        kind = "temporary" if i % 3 else "part_time"
        h = await hire(world, start=shanghai(1 + i % 3, 9), employment_type=kind,
                       headcount=2 if i == 0 else 1,
                       wage={"amount": (2500 + 300 * i) * (1 if i % 4 else 8), "unit": "hour" if i % 4 else "day",
                             "settlement": "daily"},
                       skills=["保洁"] if i % 2 else ["水电工"])
        hires.append((h, district))
    # A second hire fills the two-person job.
    second, _wk = await world.worker(target_groups=["dibao", "age_4050"])
    first = hires[0][0]
    r = await world.client.post(f"/v1/jobs/{first.job['id']}/offers",
                                json={"worker_id": second["id"]}, headers=auth(first.employer_key))
    assert r.status_code == 201, r.text
    # An unanswered job: a posting with no contact.
    lonely = await world.job(hires[1][0].employer_key, **job_at(shanghai(3, 9), shanghai(3, 17)))
    await world.worker(market_key, target_groups=["graduate"])
    now = datetime.now(UTC)
    async with app.state.sessionmaker() as session:
        for i, (h, district) in enumerate(hires):
            published = now - timedelta(days=i, hours=3 * i)
            await session.execute(update(Job).where(Job.id == h.job["id"]).values(
                published_at=published, district_code=district, registered_by_market_id=market_id if i < 3 else None))
            await session.execute(update(Offer).where(Offer.job_id == h.job["id"]).values(
                created_at=published + timedelta(minutes=30 + 7 * i)))
            await session.execute(update(Engagement).where(Engagement.job_id == h.job["id"]).values(
                hired_at=published + timedelta(hours=1 + i), created_at=published + timedelta(hours=1 + i)))
        await session.execute(update(Job).where(Job.id == lonely["id"]).values(
            published_at=now - timedelta(days=2)))
        await session.execute(update(Engagement).where(Engagement.id == hires[4][0].id).values(
            status="completed", pay_due_fen=20_000, paid_fen=5_000,
            due_date=TODAY - timedelta(days=3)))
        await session.commit()
    return {"market_id": market_id, "market_key": market_key, "admin": admin}


async def rows(app):
    async with app.state.sessionmaker() as s:
        return {
            "jobs": (await s.execute(select(Job))).scalars().all(),
            "job_skills": (await s.execute(select(JobSkill.job_id, JobSkill.skill_code))).all(),
            "engagements": (await s.execute(select(Engagement))).scalars().all(),
            "contacts": [*(await s.execute(select(Application.job_id, Application.created_at))).all(),
                         *(await s.execute(select(Offer.job_id, Offer.created_at))).all()],
            "workers": (await s.execute(select(Worker))).scalars().all(),
            "worker_skills": (await s.execute(select(WorkerSkill.worker_id,
                                                     WorkerSkill.skill_code))).all(),
        }


def bucket_of(moment: datetime, interval: str | None) -> str:
    day = moment.astimezone(SH).date()
    if interval == "week":
        day -= timedelta(days=day.weekday())
    return day.isoformat() if interval else "all"


def recompute(db, f: dict, interval: str | None = None) -> dict[str, dict]:
    """The same figures by hand: filters, buckets, medians with statistics.median."""
    start = datetime.combine(date.fromisoformat(f["from_date"]), datetime.min.time(), SH)
    end = datetime.combine(date.fromisoformat(f["to_date"]) + timedelta(days=1),
                           datetime.min.time(), SH)
    skills = {(j, c) for j, c in db["job_skills"]}

    def job_ok(job) -> bool:
        return ((f.get("district_code") in (None, job.district_code))
                and f.get("employment_type") in (None, job.employment_type)
                and f.get("market_id") in (None, job.registered_by_market_id)
                and (f.get("skill") is None or (job.id, f["skill"]) in skills))

    jobs = {j.id: j for j in db["jobs"] if job_ok(j)}
    posted = {i: j for i, j in jobs.items() if j.published_at and start <= j.published_at < end}
    filled_by_job: dict[int, list] = {}
    for e in sorted(db["engagements"], key=lambda e: (e.created_at, e.id)):
        if e.status in FILLED_STATUSES:
            filled_by_job.setdefault(e.job_id, []).append(e)
    firsts: dict[int, datetime] = {}
    for job_id, at in [*db["contacts"], *((e.job_id, e.created_at) for e in db["engagements"])]:
        firsts[job_id] = min(firsts.get(job_id, at), at)
    out: dict[str, dict] = {}

    def at(k):
        return out.setdefault(k, {"postings": 0, "positions": 0, "hires": 0,
                                  "filled_positions": 0, "_fill": [], "_match": [], "_wage": {}})

    for job in posted.values():
        row = at(bucket_of(job.published_at, interval))
        row["postings"] += 1
        row["positions"] += job.headcount
        hired = filled_by_job.get(job.id, [])
        row["filled_positions"] += min(job.headcount, len(hired))
        if len(hired) >= job.headcount:
            row["_fill"].append((hired[job.headcount - 1].created_at - job.published_at)
                                .total_seconds())
        if job.id in firsts:
            row["_match"].append(max(0.0, (firsts[job.id] - job.published_at).total_seconds()))
        row["_wage"].setdefault(job.wage_unit, []).append(job.wage_amount)
    for e in db["engagements"]:
        if e.status in FILLED_STATUSES and e.job_id in jobs and start <= e.created_at < end:
            at(bucket_of(e.created_at, interval))["hires"] += 1
    for row in out.values():
        row["fill_rate"] = (round(row["filled_positions"] / row["positions"], 4)
                            if row["positions"] else None)
        fill, match = row.pop("_fill"), row.pop("_match")
        row["median_time_to_fill_seconds"] = statistics.median(fill) if fill else None
        row["median_time_to_first_match_seconds"] = statistics.median(match) if match else None
        row["median_wage_by_unit"] = {u: statistics.median(v) for u, v in row.pop("_wage").items()}
    return out


def same(api: dict, expected: dict) -> None:
    for name, value in expected.items():
        if name.startswith("median_time") and value is not None:
            assert api[name] == pytest.approx(value, abs=0.01), name
        else:
            assert api[name] == value, (name, api[name], value)


FILTERS = [{}, {"district_code": "500105"}, {"employment_type": "part_time"},
           {"skill": "housekeeping.cleaner"}, {"district_code": "500103", "skill": "construction.plumbing_electrical"}]


@pytest.mark.parametrize("extra", FILTERS)
async def test_overview_matches_recomputation(client, app, data, extra):
    f = {"from_date": (TODAY - timedelta(days=9)).isoformat(), "to_date": TODAY.isoformat(),
         **extra}
    r = await client.get("/v1/stats/overview", params=f, headers=auth(data["admin"]))
    assert r.status_code == 200, r.text
    body = r.json()
    db = await rows(app)
    expected = recompute(db, f).get("all")
    if extra != FILTERS[-1]:  # the last filter matches no posting on purpose
        assert expected["postings"] > 0 and expected["median_wage_by_unit"]
    if not extra:
        assert expected["hires"] >= 8 and expected["median_time_to_fill_seconds"] is not None
        assert expected["median_time_to_first_match_seconds"] is not None
        assert 0 < expected["fill_rate"] < 1 and body["arrears"]["engagements"] >= 1
    if expected:
        same(body, expected)
    else:
        assert body["postings"] == 0 and body["fill_rate"] is None
    jobs_ok = [j for j in db["jobs"] if j.status == "open"
               and extra.get("district_code") in (None, j.district_code)
               and extra.get("employment_type") in (None, j.employment_type)
               and (extra.get("skill") is None or (j.id, extra["skill"]) in set(db["job_skills"]))]
    assert body["open_jobs"] == len(jobs_ok)
    if "employment_type" not in extra:
        ws = [w for w in db["workers"] if w.status == "active"
              and extra.get("district_code") in (None, w.district_code)
              and (extra.get("skill") is None
                   or (w.id, extra["skill"]) in set(db["worker_skills"]))]
        assert body["workers_active"] == len(ws)
        assert body["workers_by_target_group"] == {
            g: sum(g in (w.target_groups or []) for w in ws) for g in GROUPS}
    by_job = {j.id: j for j in db["jobs"]}
    owed = [e for e in db["engagements"] if e.status in OWING_STATUSES and e.due_date
            and e.due_date < TODAY and e.paid_fen < e.pay_due_fen + e.disputed_fen
            and extra.get("district_code") in (None, by_job[e.job_id].district_code)
            and extra.get("employment_type") in (None, by_job[e.job_id].employment_type)
            and (extra.get("skill") is None or (e.job_id, extra["skill"]) in set(db["job_skills"]))]
    assert body["arrears"]["engagements"] == len(owed)
    assert body["arrears"]["outstanding_fen"] == sum(
        e.pay_due_fen + e.disputed_fen - e.paid_fen for e in owed)


@pytest.mark.parametrize("interval", ["day", "week"])
@pytest.mark.parametrize("extra", FILTERS[:3])
async def test_timeseries_matches_recomputation(client, app, data, interval, extra):
    f = {"from_date": (TODAY - timedelta(days=13)).isoformat(), "to_date": TODAY.isoformat(),
         "interval": interval, **extra}
    r = await client.get("/v1/stats/timeseries", params=f, headers=auth(data["admin"]))
    assert r.status_code == 200, r.text
    buckets = {b["start_date"]: b for b in r.json()["buckets"]}
    expected = recompute(await rows(app), f, interval)
    assert set(expected) <= set(buckets)
    assert sum(b["postings"] for b in buckets.values()) == sum(
        e["postings"] for e in expected.values()) > 0
    for day, b in buckets.items():
        if day in expected:
            same(b, expected[day])
        else:
            assert b["postings"] == b["hires"] == 0
    days = sorted(buckets)
    step = 7 if interval == "week" else 1
    assert all((date.fromisoformat(b) - date.fromisoformat(a)).days == step
               for a, b in pairwise(days))


async def test_market_sees_only_its_own(client, app, world, data):
    f = {"from_date": (TODAY - timedelta(days=9)).isoformat(), "to_date": TODAY.isoformat()}
    r = await client.get("/v1/stats/overview", params=f, headers=auth(data["market_key"]))
    assert r.status_code == 200
    body = r.json()
    assert body["scope"] == f"market:{data['market_id']}"
    expected = recompute(await rows(app), {**f, "market_id": data["market_id"]})["all"]
    same(body, expected)
    assert body["postings"] == 3
    assert body["workers_active"] == 1 and body["workers_by_target_group"]["graduate"] == 1
    other_id, _ = await world.market()
    r = await client.get("/v1/stats/overview", params={**f, "market_id": other_id},
                         headers=auth(data["market_key"]))
    assert r.status_code == 404
    inspector = await world.key(Role.inspector)
    r = await client.get("/v1/stats/overview", params=f, headers=auth(inspector))
    assert r.status_code == 200 and r.json()["scope"] == "city"
    _employer_id, employer_key = await world.employer()
    r = await client.get("/v1/stats/overview", headers=auth(employer_key))
    assert r.status_code == 403


async def test_csv_exports(client, data):
    f = {"from_date": (TODAY - timedelta(days=9)).isoformat(), "to_date": TODAY.isoformat()}
    r = await client.get("/v1/stats/overview", params={**f, "format": "csv"},
                         headers=auth(data["admin"]))
    assert r.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    j = (await client.get("/v1/stats/overview", params=f, headers=auth(data["admin"]))).json()
    values = {(m, k): v for m, k, v in table[1:]}
    assert values[("postings", "")] == str(j["postings"])
    assert values[("arrears", "outstanding_fen")] == str(j["arrears"]["outstanding_fen"])
    r = await client.get("/v1/stats/timeseries", params={**f, "interval": "week"},
                         headers={**auth(data["admin"]), "Accept": "text/csv"})
    table = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    j = (await client.get("/v1/stats/timeseries", params={**f, "interval": "week"},
                          headers=auth(data["admin"]))).json()
    assert [(t["start_date"], int(t["postings"])) for t in table] == [
        (b["start_date"], b["postings"]) for b in j["buckets"]]


async def test_bad_ranges(client, data):
    r = await client.get("/v1/stats/timeseries", params={
        "from_date": "2026-01-10", "to_date": "2026-01-01"}, headers=auth(data["admin"]))
    assert r.status_code == 422
    r = await client.get("/v1/stats/timeseries", params={
        "from_date": "2001-01-01", "to_date": "2026-01-01"}, headers=auth(data["admin"]))
    assert r.status_code == 422
    r = await client.get("/v1/stats/overview", params={"employment_type": "forever"},
                         headers=auth(data["admin"]))
    assert r.status_code == 422


# -- the roll-up (per-posting facts + live derivation of what changed) against the raw path --

ROLLUP_FILTERS = [*FILTERS, {"market_id": "MARKET"},
                  {"district_code": "500105", "employment_type": "temporary"}]


async def _both_paths(app, data, f: dict) -> None:
    """Overview and day/week series by the days, by the facts and by the raw rows: identical."""
    from app.auth.principal import Principal
    from app.stats import service
    from app.stats.schemas import Filters

    admin = Principal(key_id=0, role=Role.admin, scopes=frozenset({"*"}))
    f = {**f, "market_id": data["market_id"]} if f.get("market_id") == "MARKET" else f
    filters = Filters(from_date=TODAY - timedelta(days=13), to_date=TODAY, **f)
    async with app.state.sessionmaker() as s:
        slow = await service.overview(s, admin, filters, rollup=False)
        for days in (True, False):  # by the days where the filters allow, and by the facts
            fast = await service.overview(s, admin, filters, days=days)
            assert fast.model_dump() == slow.model_dump(), (f, days)
        for interval in ("day", "week"):
            slow = await service.timeseries(s, admin, filters, interval, rollup=False)
            for days in (True, False):
                fast = await service.timeseries(s, admin, filters, interval, days=days)
                assert fast.model_dump() == slow.model_dump(), (f, interval, days)


async def _sweep(app, **kw) -> dict:
    from app.stats.rollup import sweep

    async with app.state.sessionmaker() as s:
        out = await sweep(s, **kw)
        await s.commit()
    return out


async def test_rollup_gives_the_raw_figures_before_and_after_changes(app, world, data):
    from app.stats.models import StatsDay, StatsJobFact, StatsRollupState, StatsWorkerCount

    first = await _sweep(app, margin=timedelta(0))
    async with app.state.sessionmaker() as s:
        facts = (await s.execute(select(StatsJobFact))).scalars().all()
    assert facts and first["facts_written"] == len(facts)
    for f in ROLLUP_FILTERS:
        await _both_paths(app, data, f)

    # Non-vacuous: an unchanged posting's figures come from its fact where a report reads the
    # facts (a market's) and from its day where it reads the days (a tampered one shows).
    job_id = max((x for x in facts if x.market_id), key=lambda x: x.published_at).job_id
    async with app.state.sessionmaker() as s:
        await s.execute(update(StatsJobFact).where(StatsJobFact.job_id == job_id)
                        .values(headcount=StatsJobFact.headcount + 100))
        await s.commit()
    with pytest.raises(AssertionError):
        await _both_paths(app, data, {"market_id": "MARKET"})
    async with app.state.sessionmaker() as s:
        await s.execute(update(StatsJobFact).where(StatsJobFact.job_id == job_id)
                        .values(headcount=StatsJobFact.headcount - 100))
        day = await s.scalar(select(StatsDay.id).order_by(StatsDay.day_date.desc()).limit(1))
        await s.execute(update(StatsDay).where(StatsDay.id == day)
                        .values(positions=StatsDay.positions + 1))
        await s.commit()
    with pytest.raises(AssertionError):
        await _both_paths(app, data, {})
    async with app.state.sessionmaker() as s:  # and so do the worker counts
        await s.execute(update(StatsDay).where(StatsDay.id == day)
                        .values(positions=StatsDay.positions - 1))
        await s.execute(update(StatsWorkerCount).values(workers=StatsWorkerCount.workers + 1))
        await s.commit()
    with pytest.raises(AssertionError):
        await _both_paths(app, data, {})
    async with app.state.sessionmaker() as s:  # a full rebuild mends it
        await s.execute(update(StatsRollupState).values(watermark_at=None))
        await s.commit()
    await _sweep(app, margin=timedelta(0))
    await _both_paths(app, data, {})

    # Changes after the sweep (a new hire on a new posting, a cancelled engagement, a new
    # headcount) are derived live until the next sweep folds them in.
    h = await hire(world, start=shanghai(2, 9), skills=["保洁"])
    now = datetime.now(UTC)
    async with app.state.sessionmaker() as s:
        await s.execute(update(Job).where(Job.id == h.job["id"]).values(
            published_at=now - timedelta(days=1), district_code="500105"))
        await s.execute(update(Engagement).where(Engagement.id == h.engagement["id"]).values(
            created_at=now - timedelta(hours=20)))
        swept = {f.job_id for f in facts}
        hired_jobs = set((await s.scalars(select(Engagement.job_id).where(
            Engagement.status.in_(FILLED_STATUSES)))).all())
        some, other, moved = sorted(hired_jobs & swept)[:3]
        await s.execute(update(Engagement).where(Engagement.job_id == some).values(
            status="cancelled"))
        await s.execute(update(Job).where(Job.id == other).values(headcount=5))
        # Re-dated and re-districted: its old day and its new one both change.
        await s.execute(update(Job).where(Job.id == moved).values(
            published_at=now - timedelta(days=5, hours=2), district_code="500103"))
        # Workers: one leaves the groups, one joins two, one goes inactive.
        workers = (await s.scalars(select(Worker.id).order_by(Worker.id))).all()
        await s.execute(update(Worker).where(Worker.id == workers[0]).values(target_groups=[]))
        await s.execute(update(Worker).where(Worker.id == workers[1]).values(
            target_groups=["graduate", "dibao"], district_code="500105"))
        await s.execute(update(Worker).where(Worker.id == workers[2]).values(status="inactive"))
        await s.commit()
    for f in ROLLUP_FILTERS:
        await _both_paths(app, data, f)
    again = await _sweep(app, margin=timedelta(0))
    assert again["changed"] >= 3
    for f in ROLLUP_FILTERS:
        await _both_paths(app, data, f)


async def test_a_sweep_between_a_reports_reads_is_caught(app, data):
    """The days and the changed postings' facts are two statements: a sweep committing between
    them (here forced right after the days are read) pairs old days with new facts, and the
    report must notice the moved watermark and read again."""
    from app.auth.principal import Principal
    from app.stats import service
    from app.stats.models import StatsJobFact
    from app.stats.schemas import Filters

    await _sweep(app, margin=timedelta(0))
    async with app.state.sessionmaker() as s:
        job_id = await s.scalar(select(StatsJobFact.job_id).order_by(
            StatsJobFact.published_at.desc()).limit(1))
        await s.execute(update(Job).where(Job.id == job_id).values(headcount=Job.headcount + 7))
        await s.commit()

    admin = Principal(key_id=0, role=Role.admin, scopes=frozenset({"*"}))
    filters = Filters(from_date=TODAY - timedelta(days=13), to_date=TODAY)
    async with app.state.sessionmaker() as s:
        execute, swept = s.execute, []

        async def execute_then_sweep(statement, *args, **kw):
            result = await execute(statement, *args, **kw)
            if "stats_days" in str(statement) and not swept:
                swept.append(await _sweep(app, margin=timedelta(0)))
            return result

        s.execute = execute_then_sweep
        fast = await service.overview(s, admin, filters)
    async with app.state.sessionmaker() as s:
        slow = await service.overview(s, admin, filters, rollup=False)
    assert swept and swept[0]["changed"] >= 1
    assert fast.model_dump() == slow.model_dump()
