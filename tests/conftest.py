"""Fixtures: a fresh database per test session (SQLite file, or PostgreSQL when
GIGMARKET_TEST_DATABASE_URL names a server), the real app, and an httpx client on it."""

from __future__ import annotations

import asyncio
import io
import itertools
import logging
import os
import re
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.engine import make_url

from app.auth.principal import Role
from app.auth.service import create_key
from app.config import Settings
from app.employers.credit_code import check_character
from app.main import create_app
from app.migrate import upgrade

# Imported by test modules before pytest_plugins can register them: rewrite their asserts too.
pytest.register_assert_rewrite("tests.webhooks_fixtures", "tests.faults.support")

SECRET = "test-secret-key"
_counter = itertools.count(1)


def _pg_admin_dsn(url: str) -> str:
    u = make_url(url).set(drivername="postgresql", database="postgres")
    return u.render_as_string(hide_password=False)


async def _pg(dsn: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def fresh_database(base_url: str | None, tmp_dir, label: str) -> tuple[str, callable]:
    """A new empty database on the chosen backend and a function that drops it."""
    if base_url and base_url.startswith("postgresql"):
        name = f"gm_test_{label}_{os.getpid()}_{secrets.token_hex(3)}"
        admin = _pg_admin_dsn(base_url)
        asyncio.run(_pg(admin, f'CREATE DATABASE "{name}"'))
        url = make_url(base_url).set(database=name).render_as_string(hide_password=False)

        def drop() -> None:
            asyncio.run(_pg(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

        return url, drop
    path = tmp_dir / f"{label}.db"
    return f"sqlite+aiosqlite:///{path}", lambda: None


@pytest.fixture(scope="session")
def backend_url() -> str | None:
    return os.environ.get("GIGMARKET_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def is_postgres(backend_url) -> bool:
    return bool(backend_url and backend_url.startswith("postgresql"))


@pytest.fixture(scope="session")
def database_url(backend_url, tmp_path_factory) -> Iterator[str]:
    url, drop = fresh_database(backend_url, tmp_path_factory.mktemp("db"), "main")
    upgrade(url)
    yield url
    drop()


@pytest.fixture(scope="session")
def settings(database_url, tmp_path_factory) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=SECRET,
        secret_key_file=tmp_path_factory.mktemp("secret") / "unused",
        log_json=True,
    )


@pytest.fixture(scope="session")
async def app(settings):
    application = create_app(settings)
    yield application
    await application.state.engine.dispose()


@pytest.fixture(scope="session")
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gigmarket.test") as c:
        yield c


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def unique() -> int:
    return next(_counter) * 1000 + secrets.randbelow(1000)


def make_credit_code(district: str = "500103") -> str:
    body = "91" + district + secrets.token_hex(5).upper()[:9].replace("I", "1").replace("O", "0")
    body = "".join(ch if ch in "0123456789ABCDEFGHJKLMNPQRTUWXY" else "1" for ch in body)
    return body + check_character(body)


class World:
    """Creates principals and records through the real API (keys through the service)."""

    def __init__(self, app, client: httpx.AsyncClient) -> None:
        self.app = app
        self.client = client
        self._admin_key: str | None = None

    async def key(self, role: Role, subject_id: int | None = None, **kw) -> str:
        async with self.app.state.sessionmaker() as session:
            _row, key = await create_key(
                session, self.app.state.secret_key, role=role, name=f"test {role.value}",
                subject_id=subject_id, **kw,
            )
            await session.commit()
        return key

    async def admin(self) -> str:
        if self._admin_key is None:
            self._admin_key = await self.key(Role.admin)
        return self._admin_key

    async def employer(self, verified: bool = True) -> tuple[int, str]:
        admin = await self.admin()
        r = await self.client.post(
            "/v1/employers",
            json={"name": f"重庆测试家政服务有限公司{unique()}", "credit_code": make_credit_code(),
                  "contact_phone": "13800001234"},
            headers=auth(admin),
        )
        assert r.status_code == 201, r.text
        employer_id = r.json()["id"]
        if verified:
            r = await self.client.post(
                f"/v1/employers/{employer_id}/verification", json={"status": "verified"},
                headers=auth(admin),
            )
            assert r.status_code == 200, r.text
        return employer_id, await self.key(Role.employer, employer_id)

    async def market(self, district_code: str = "500103") -> tuple[int, str]:
        r = await self.client.post(
            "/v1/markets",
            json={"name": f"渝中区零工市场{unique()}", "scale": "market",
                  "district_code": district_code},
            headers=auth(await self.admin()),
        )
        assert r.status_code == 201, r.text
        return r.json()["id"], await self.key(Role.market, r.json()["id"])

    async def job(self, key: str, **overrides) -> dict:
        r = await self.client.post("/v1/jobs", json=job_body(**overrides), headers=auth(key))
        assert r.status_code == 201, r.text
        return r.json()

    async def worker(self, key: str | None = None, **overrides) -> tuple[dict, str]:
        """A worker registering through its own app key (which binds to the profile)."""
        key = key or await self.key(Role.worker)
        r = await self.client.post("/v1/workers", json=worker_body(**overrides), headers=auth(key))
        assert r.status_code == 201, r.text
        return r.json(), key


def in_days(days: float, hour: int = 9) -> str:
    start = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return (start + timedelta(days=days)).isoformat()


def job_body(**overrides) -> dict:
    body = {
        "title": f"家庭保洁{unique()}",
        "description": "负责住户日常清洁，提供工具。",
        "employment_type": "temporary",
        "skills": ["保洁"],
        "headcount": 2,
        "location": {"lat": 29.5630, "lng": 106.5516, "address": "渝中区解放碑步行街8号",
                     "district_code": "500103"},
        "starts_at": in_days(2),
        "ends_at": in_days(2, hour=17),
        "wage": {"amount": 3000, "unit": "hour", "settlement": "daily"},
    }
    body.update(overrides)
    return body


def worker_body(**overrides) -> dict:
    body = {
        "name": "张秀英",
        "phone": "13912345678",
        "birth_date": "1980-05-01",
        "gender": "female",
        "skills": [{"name": "家政保洁", "years": 5}],
        "home_location": {"lat": 29.5600, "lng": 106.5500},
        "max_travel_km": 10,
    }
    body.update(overrides)
    return body


@pytest.fixture(scope="session")
def world(app, client) -> World:
    return World(app, client)


_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture(scope="session", autouse=True)
def logs_never_hold_personal_data(app) -> Iterator[None]:
    """Tees every log line of the whole session and checks, at the end, that no phone number
    or API key was ever written: the suite itself is the 'full run' the logs are searched in."""
    root = logging.getLogger()
    buffer = io.StringIO()
    tee = logging.StreamHandler(buffer)
    tee.setFormatter(next(h for h in root.handlers if getattr(h, "gigmarket", False)).formatter)
    root.addHandler(tee)
    yield
    root.removeHandler(tee)
    text = buffer.getvalue()
    leaks = _MOBILE.findall(text) + re.findall(r"gm_live_[A-Za-z0-9_\-]{8,}", text)
    assert not leaks, f"personal data or keys in the logs: {leaks[:5]}"
