"""Anchor for bench/matching.py: a bare FastAPI + asyncpg endpoint that loads a job and runs
the service's SQL retrieval statement for it (same text, same parameters; its rows come as one
row of arrays), returning only the row count. No auth, no ORM, no scoring: what one uvicorn worker costs around that statement.

    BARE_DSN=postgresql://postgres@127.0.0.1:5432/db uvicorn bench.bare_matches:app
"""

from __future__ import annotations

import math
import os

import asyncpg
from fastapi import FastAPI
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

from app.matching.candidates import statement, worker_ranges
from app.matching.keys import UNCODED

_DIALECT = asyncpg_dialect()
_JOB = """SELECT j.lat, j.lng, j.radius_km, array_agg(coalesce(s.skill_code, $2)) AS keys
FROM jobs j JOIN job_skills s ON s.job_id = j.id WHERE j.id = $1 GROUP BY j.id"""

app = FastAPI()
_pool: list = []
_compiled: dict = {}


async def pool():
    if not _pool:
        _pool.append(await asyncpg.create_pool(os.environ["BARE_DSN"], min_size=2, max_size=10))
    return _pool[0]


@app.get("/jobs/{job_id}")
async def job_rows(job_id: int) -> dict:
    async with (await pool()).acquire() as conn:
        job = await conn.fetchrow(_JOB, job_id, UNCODED)
        ranges = worker_ranges(sorted(set(job["keys"])), job["lat"], job["lng"],
                               min(job["radius_km"] or math.inf, 200.0))
        stmt, params = statement("postgresql", "workers", ranges)
        compiled = _compiled.get(id(stmt)) or _compiled.setdefault(
            id(stmt), stmt.compile(dialect=_DIALECT))
        columns = await conn.fetchrow(compiled.string, *(params[k] for k in compiled.positiontup))
    return {"rows": len(columns[0] or ())}
