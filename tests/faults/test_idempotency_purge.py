"""A table full of expired idempotency keys: the running service's housekeeping purges them
(in batches), and keeps the keys that are still live, which go on replaying."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import func, insert, select

from app.db import utcnow
from app.idempotency.middleware import PURGE_BATCH
from app.idempotency.models import IdempotencyRecord
from tests.conftest import auth, make_credit_code
from tests.faults.support import eventually, on_postgres, service_env, wait_ready

pytestmark = on_postgres
EXPIRED = 6 * PURGE_BATCH + 123  # several batches and a remainder


async def _count(setup, *where) -> int:
    async with setup.app.state.sessionmaker() as session:
        return await session.scalar(
            select(func.count()).select_from(IdempotencyRecord).where(*where))


async def test_expired_keys_are_purged_by_the_service(setup, processes):
    admin = await setup.admin()
    past = utcnow() - timedelta(hours=30)
    async with setup.app.state.sessionmaker() as session:
        for start in range(0, EXPIRED, 10_000):
            await session.execute(insert(IdempotencyRecord), [
                {"owner_hash": f"{i % 97:064d}", "key": f"old-{i}", "fingerprint": "f" * 64,
                 "state": "done", "status_code": 201, "headers": {}, "body": b"{}",
                 "created_at": past, "expires_at": past + timedelta(hours=24)}
                for i in range(start, min(start + 10_000, EXPIRED))
            ])
        await session.commit()
    assert await _count(setup, IdempotencyRecord.expires_at <= utcnow()) == EXPIRED

    base = processes.serve(service_env(setup.url, housekeeping_seconds="0.5"), "--no-dispatcher")
    await wait_ready(base)
    body = {"name": "幂等清理测试公司", "credit_code": make_credit_code()}
    headers = {**auth(admin), "Idempotency-Key": "live-key-1"}
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        first = await client.post("/v1/employers", json=body, headers=headers)
        assert first.status_code == 201, first.text

        async def purged() -> bool:
            return await _count(setup, IdempotencyRecord.expires_at <= utcnow()) == 0

        await eventually(purged, 60, "expired idempotency keys purged", every=0.25)
        assert (await client.get("/readyz")).status_code == 200
        again = await client.post("/v1/employers", json=body, headers=headers)
    # The live key survived the purge and still replays the first response.
    assert await _count(setup) == 1
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
