"""`gigmarket reindex-matches` (app/matching/index.reindex_all): rebuilds the match-key
tables from workers and jobs, row for row what the create/update paths wrote."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from app.matching.index import reindex_all
from app.matching.models import JobMatchKey, WorkerMatchKey
from tests.test_matching_api import _job, _worker


async def _tables(session) -> tuple[list, list]:
    out = []
    for model, order in ((WorkerMatchKey, WorkerMatchKey.worker_id), (JobMatchKey, JobMatchKey.job_id)):
        cols = [c for c in model.__table__.columns]
        rows = (await session.execute(select(*cols).order_by(order, model.position))).all()
        out.append([tuple(r) for r in rows])
    return out[0], out[1]


async def test_reindex_rebuilds_both_tables_exactly(world, app):
    _employer_id, ekey = await world.employer()
    job = await _job(world, ekey, skills=["保洁", "月嫂带娃"])
    worker, _wkey = await _worker(world)
    async with app.state.sessionmaker() as session:
        before = await _tables(session)
        assert any(r[0] == worker["id"] for r in before[0])
        assert any(r[0] == job["id"] for r in before[1])
        # Damage: a missing worker row, a stale job row.
        await session.execute(delete(WorkerMatchKey).where(WorkerMatchKey.worker_id == worker["id"]))
        await session.execute(
            update(JobMatchKey).where(JobMatchKey.job_id == job["id"]).values(band=-1)
        )
        counts = await reindex_all(session, batch=7)  # several keyset pages
        after = await _tables(session)
        await session.commit()
    assert after == before
    assert counts == {"worker_match_keys": len(before[0]), "job_match_keys": len(before[1])}
