"""Synthetic but realistic Chongqing data: dense urban core, sparse counties.

Used by `gigmarket seed`, `serve --demo` and the benchmarks. Rows are built in Python and
written with bulk inserts; a million workers take minutes, not hours.
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import JSON, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.employers.credit_code import CHARSET, check_character
from app.employers.models import Employer
from app.jobs.models import Job, JobSkill
from app.markets.models import Market
from app.matching.index import log_worker_change
from app.matching.keys import job_key_rows, worker_key_rows
from app.matching.models import JobMatchKey, WorkerMatchKey
from app.reference.taxonomy import District, Skill, districts, taxonomy
from app.workers.models import Worker, WorkerSkill

CHUNK = 5000
# Share of workers and jobs by 一区两群 area (the central core is where gig demand is).
AREA_WEIGHT = {"central_urban": 6.0, "new_urban": 2.0, "northeast": 1.0, "southeast": 0.8}
AREA_SPREAD_KM = {"central_urban": 5.0, "new_urban": 7.0, "northeast": 8.0, "southeast": 8.0}
# Categories that dominate Chongqing's gig markets weigh more.
CATEGORY_WEIGHT = {
    "家政服务": 4, "网约配送与快递": 4, "建筑装修": 4, "搬运装卸": 3, "餐饮服务": 3,
    "养老护理与健康照护": 2, "仓储物流": 2, "零售与促销": 2, "普工与制造": 2,
    "农副产品销售与农业": 2, "交通运输": 2,
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅玉兰志强春梅海燕小红晓东建华文斌德明"
MARKET_MODES = ("public_agency", "agency_window", "purchased_service")
WAGES = {  # unit -> (low, high) in fen
    "hour": (2300, 6000), "day": (18400, 45000), "month": (300000, 900000), "piece": (200, 3000),
}
SETTLEMENT = {"hour": "daily", "day": "daily", "month": "monthly", "piece": "weekly"}
SETTLEMENT_CN = {"daily": "日结", "weekly": "周结", "monthly": "月结"}
GROUPS = ["graduate", "poverty_alleviated", "age_4050", "dibao", "zero_employment_family"]


@dataclass
class SeedResult:
    markets: int = 0
    employers: int = 0
    workers: int = 0
    jobs: int = 0


def credit_code(rng: random.Random, district_code: str) -> str:
    body = "91" + district_code + "".join(rng.choice(CHARSET) for _ in range(9))
    return body + check_character(body)


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.districts: list[District] = list(districts().values())
        self.district_weights = [AREA_WEIGHT[d.area_group] for d in self.districts]
        self.skills: list[Skill] = taxonomy().skills
        self.skill_weights = [CATEGORY_WEIGHT.get(s.category, 1) for s in self.skills]

    def district(self) -> District:
        return self.rng.choices(self.districts, self.district_weights)[0]

    def point(self, d: District) -> tuple[float, float]:
        spread = AREA_SPREAD_KM[d.area_group]
        lat = d.lat + self.rng.gauss(0, spread) / 110.6
        lng = d.lng + self.rng.gauss(0, spread) / 96.5
        return round(min(32.4, max(28.1, lat)), 3), round(min(110.4, max(105.1, lng)), 3)

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.sample(GIVEN, self.rng.randint(1, 2)))

    def phone(self) -> str:
        return self.rng.choice(["13", "15", "17", "18", "19"]) + "".join(
            self.rng.choices(string.digits, k=9)
        )

    def skill_set(self, k: int) -> list[Skill]:
        chosen: dict[str, Skill] = {}
        while len(chosen) < k:
            skill = self.rng.choices(self.skills, self.skill_weights)[0]
            chosen[skill.code] = skill
        return list(chosen.values())

    def worker(self, worker_id: int, today: date) -> tuple[dict, list[dict]]:
        rng = self.rng
        d = self.district()
        lat, lng = self.point(d)
        age = int(min(65, max(18, rng.gauss(38, 11))))
        birth = today - timedelta(days=age * 365 + rng.randint(0, 364))
        skills = self.skill_set(rng.choice([1, 1, 2, 2, 3, 4]))
        certificates = sorted({c for s in skills for c in s.certificates if rng.random() < 0.6})
        if rng.random() < 0.3:
            availability = None
        else:
            start = rng.choice(["06:00", "07:00", "08:00", "09:00", "13:00", "18:00"])
            end = {"06:00": "14:00", "07:00": "19:00", "08:00": "18:00", "09:00": "21:00",
                   "13:00": "22:00", "18:00": "24:00"}[start]
            days = sorted(rng.sample(range(1, 8), rng.randint(3, 7)))
            availability = [{"weekday": w, "start": start, "end": end} for w in days]
        unit = rng.choice(["hour", "day", "day", "month"])
        low, high = WAGES[unit]
        groups = [g for g in GROUPS if rng.random() < 0.05]
        row = {
            "id": worker_id, "name": self.name(), "phone": self.phone(), "birth_date": birth,
            "gender": rng.choice(["male", "female"]), "certificates": certificates,
            "home_lat": lat, "home_lng": lng, "district_code": d.code,
            "max_travel_km": rng.choice([3.0, 5.0, 8.0, 10.0, 15.0, 20.0, 30.0]),
            "availability": availability, "available_from_date": None,
            "available_until_date": None,
            "min_wage_amount": int(low + (high - low) * rng.random() * 0.4),
            "min_wage_unit": unit, "target_groups": groups,
            "hukou_chongqing": rng.random() < 0.85,
            "registered_unemployed_date": None, "graduation_date": None, "status": "active",
            "registered_by_market_id": None, "created_by_key_id": None, "deactivated_at": None,
            "version": 1,
        }
        skill_rows = [
            {"worker_id": worker_id, "position": i, "raw": s.name, "skill_code": s.code,
             "similarity": 100.0, "years": float(rng.randint(0, 15))}
            for i, s in enumerate(skills)
        ]
        return row, skill_rows

    def job(self, job_id: int, employer_id: int, now: datetime) -> tuple[dict, list[dict]]:
        rng = self.rng
        d = self.district()
        lat, lng = self.point(d)
        skills = self.skill_set(rng.choice([1, 1, 1, 2, 2, 3]))
        unit = rng.choice(["hour", "hour", "day", "day", "day", "piece", "month"])
        low, high = WAGES[unit]
        start_day = (now + timedelta(days=rng.randint(1, 30))).replace(
            minute=0, second=0, microsecond=0
        )
        starts_at = start_day.replace(hour=rng.choice([0, 1, 2, 5, 10]))  # 08:00–18:00 CST
        kind = rng.choice(["temporary", "temporary", "part_time", "seasonal"])
        days = {"temporary": rng.randint(1, 3), "part_time": rng.randint(7, 60),
                "seasonal": rng.randint(30, 90)}[kind]
        ends_at = starts_at + timedelta(days=days - 1, hours=rng.choice([4, 8, 10]))
        title = f"{skills[0].name}{rng.choice(['', '（日结）', '急招', '若干名', '长期兼职'])}"
        row = {
            "id": job_id, "employer_id": employer_id, "title": title,
            "description": f"{d.name}招{skills[0].name}，{SETTLEMENT_CN[SETTLEMENT[unit]]}。",
            "employment_type": kind, "headcount": rng.choice([1, 1, 2, 3, 5, 10]),
            "lat": lat, "lng": lng, "address": f"{d.name}某街道", "district_code": d.code,
            "radius_km": None, "starts_at": starts_at, "ends_at": ends_at, "shifts": [],
            "wage_amount": rng.randint(low, high), "wage_unit": unit,
            "wage_settlement": SETTLEMENT[unit],
            "req_gender": None, "req_min_age": rng.choice([None, None, 18]),
            "req_max_age": rng.choice([None, None, 55, 60]), "req_certificates": [],
            "urgent": rng.random() < 0.15, "source": None, "external_id": None,
            "status": "open", "review_note": None, "registered_by_market_id": None,
            "created_by_key_id": None, "published_at": now, "closed_at": None, "version": 1,
            "created_at": now, "updated_at": now,
        }
        skill_rows = [
            {"job_id": job_id, "position": i, "raw": s.name, "skill_code": s.code,
             "similarity": 100.0}
            for i, s in enumerate(skills)
        ]
        return row, skill_rows


async def _next_id(session: AsyncSession, model) -> int:
    from sqlalchemy import func

    return (await session.scalar(select(func.coalesce(func.max(model.id), 0)))) + 1


async def _bulk(session: AsyncSession, model, rows: list[dict]) -> None:
    """executemany on SQLite; PostgreSQL's COPY (several times faster at a million rows)."""
    if not rows:
        return
    if session.bind.dialect.name != "postgresql":
        await session.execute(insert(model), rows)
        return
    columns = [c for c in model.__table__.columns if c.name in rows[0]]
    as_json = {c.name for c in columns if isinstance(c.type, JSON)}
    records = [
        tuple(
            json.dumps(r[c.name], ensure_ascii=False)
            if c.name in as_json and r[c.name] is not None else r[c.name]
            for c in columns
        )
        for r in rows
    ]
    raw = await (await session.connection()).get_raw_connection()
    await raw.driver_connection.copy_records_to_table(
        model.__tablename__, records=records, columns=[c.name for c in columns]
    )


async def _fix_sequences(session: AsyncSession) -> None:
    """Explicit ids bypass PostgreSQL sequences; move each past the highest id."""
    if session.bind.dialect.name != "postgresql":
        return
    from sqlalchemy import text

    for table in ("markets", "employers", "workers", "jobs"):
        await session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        )


async def seed(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    workers: int,
    jobs: int,
    markets: int = 0,
    seed_value: int = 1,
    progress: Callable[[int], None] | None = None,
) -> SeedResult:
    gen = Generator(seed_value)
    now = datetime.now(UTC)
    today = date.today()
    result = SeedResult()
    async with sessionmaker() as session:
        if markets:
            rows = []
            for i in range(markets):
                d = gen.district()
                lat, lng = gen.point(d)
                rows.append({
                    "name": f"{d.name}{'零工市场' if i % 3 == 0 else '零工驿站'}{i + 1}号",
                    "scale": "market" if i % 3 == 0 else "station", "district_code": d.code,
                    "operating_mode": MARKET_MODES[i % len(MARKET_MODES)],
                    "opening_date": today - timedelta(days=30 + (i * 97) % 1470),
                    "address": f"{d.name}就业服务中心", "lat": lat, "lng": lng,
                    "created_at": now, "updated_at": now,
                })
            await _bulk(session, Market, rows)
            result.markets = markets
        employer_ids: list[int] = []
        if jobs:
            n_employers = max(5, jobs // 20)
            first = await _next_id(session, Employer)
            rows = []
            for i in range(n_employers):
                d = gen.district()
                rows.append({
                    "id": first + i, "name": f"重庆{gen.name()}{gen.rng.choice(['家政', '劳务', '物流', '餐饮', '建筑', '保洁'])}服务有限公司",
                    "credit_code": credit_code(gen.rng, d.code), "kind": "employer",
                    "contact_name": gen.name(), "contact_phone": gen.phone(),
                    "district_code": d.code, "verification_status": "verified",
                    "verified_at": now, "version": 1, "created_at": now, "updated_at": now,
                })
            await _bulk(session, Employer, rows)
            employer_ids = [r["id"] for r in rows]
            result.employers = n_employers
        first_worker = await _next_id(session, Worker)
        for start in range(0, workers, CHUNK):
            batch, skill_batch, key_batch = [], [], []
            for i in range(start, min(workers, start + CHUNK)):
                row, skill_rows = gen.worker(first_worker + i, today)
                row["created_at"] = row["updated_at"] = now
                batch.append(row)
                skill_batch.extend(skill_rows)
                key_batch.extend(worker_key_rows(row, skill_rows))
            await _bulk(session, Worker, batch)
            await _bulk(session, WorkerSkill, skill_batch)
            await _bulk(session, WorkerMatchKey, key_batch)
            result.workers += len(batch)
            if progress:
                progress(len(batch))
        if workers:
            await log_worker_change(session, None)
        first_job = await _next_id(session, Job)
        for start in range(0, jobs, CHUNK):
            batch, skill_batch, key_batch = [], [], []
            for i in range(start, min(jobs, start + CHUNK)):
                row, skill_rows = gen.job(first_job + i, gen.rng.choice(employer_ids), now)
                batch.append(row)
                skill_batch.extend(skill_rows)
                key_batch.extend(job_key_rows(row, skill_rows))
            await _bulk(session, Job, batch)
            await _bulk(session, JobSkill, skill_batch)
            await _bulk(session, JobMatchKey, key_batch)
            result.jobs += len(batch)
            if progress:
                progress(len(batch))
        await _fix_sequences(session)
        await session.commit()
    return result
