"""A per-process columnar copy of worker_match_keys (NumPy), for job → workers retrieval.

Why: a dense-core job with a common skill reaches tens of thousands of match-key rows; reading
them through SQL on every request cost more than everything else. Here the rows sit sorted by
(skill, tier, band, longitude) in one float key, so the same index ranges as the SQL path
(candidates.worker_ranges) become binary searches, and the rows reach the scoring core as
arrays without a round trip.

Not state another process needs: it is derived from the database and checked on every use.
Writers log each changed worker in worker_match_changes in their own transaction
(index.log_worker_change). Before answering, a process reads the log past its watermark and
re-reads the changed workers' rows, so a change committed before a request starts is in that
request's answer on every process, after restarts too (a new process loads everything).
- PostgreSQL: sequence values are not committed in order, so the watermark is a transaction
  id: the snapshot's xmin. Every change not yet visible belongs to a transaction with an id of
  at least the xmin of the snapshot that missed it, so reading `xid >= previous xmin` misses
  nothing; rows seen already are skipped by their seq.
- SQLite: one writer at a time, and a rolled-back seq is reused, so `seq > last seen` suffices.
Re-reading a worker is idempotent (its rows are replaced by what the database holds now).
The log is pruned by housekeeping (index.prune_worker_changes); a process whose watermark is at
or below the pruned horizon may have missed a pruned change, so it reloads everything.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass

import numpy as np
from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.matching.candidates import WORKER_COLUMNS, worker_ranges
from app.matching.keys import ANY_TIME_MASK, TIERS_KM

LOAD_COLUMNS = (*WORKER_COLUMNS, "tier", "band")
# One float orders the rows: ((skill code × 16 + tier) × 8192 + band + 4096) × 512 + lng + 180.
# At the magnitudes this reaches, a float64 step is under 1e-4 degrees of longitude, hence the
# SLACK added to each range (ranges only over-select; the exact distance is applied later).
_BAND_OFFSET, _BANDS, _LNG_SPAN = 4096, 8192, 512.0
SLACK = 2e-4
LOAD_PART = 20_000
# Changed rows live in a small sorted side segment; past this many it is merged into the main.
MERGE_AT = 50_000
FULL_RELOAD_AT = 100_000  # changed workers in one refresh: read everything again instead


def _base(code: np.ndarray, tier: np.ndarray, band: np.ndarray) -> np.ndarray:
    return ((code.astype(np.float64) * 16 + tier) * _BANDS + (band + _BAND_OFFSET)) * _LNG_SPAN


@dataclass
class Segment:
    order_key: np.ndarray  # sorted
    cols: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.order_key)


class MemIndex:
    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.names = np.empty(0, dtype=object)
        self.unit_codes: dict[str, int] = {}
        self.main: Segment | None = None
        self.alive = np.empty(0, dtype=bool)
        self.side: Segment | None = None
        self.watermark = -1  # xmin (PostgreSQL) or the last seq (SQLite)
        self.seen: dict[int, int] = {}  # seq → xid of changes applied at or past the watermark
        self.lock = asyncio.Lock()
        self.loads = 0

    # --- building -----------------------------------------------------------------------

    def _code(self, keys) -> np.ndarray:
        for k in keys:
            if k not in self.codes:
                self.codes[k] = len(self.codes)
        self.names = np.array(list(self.codes), dtype=object)
        return np.array([self.codes[k] for k in keys], dtype=np.int32)

    def _unit(self, units) -> np.ndarray:
        for u in units:
            if (u or "") not in self.unit_codes:
                self.unit_codes[u or ""] = len(self.unit_codes)
        return np.array([self.unit_codes[u or ""] for u in units], dtype=np.uint8)

    def _columns(self, rows: list) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """(order key, columns) of rows in LOAD_COLUMNS order. Compact types: a 2M-row index
        stays near 220 MB (exact values kept: float64 wherever the score reads a number)."""
        cols = list(zip(*rows, strict=True)) if rows else [() for _ in LOAD_COLUMNS]
        raw = dict(zip(LOAD_COLUMNS, cols, strict=True))
        code = self._code(raw["skill_key"])
        out = {
            "worker_id": np.asarray(raw["worker_id"], dtype=np.int64),
            "code": code,
            "raw": np.asarray(raw["raw"], dtype=object),
            "similarity": np.asarray(raw["similarity"], dtype=np.float64),
            "years": np.array([np.nan if v is None else v for v in raw["years"]], dtype=np.float64),
            "lat": np.asarray(raw["lat"], dtype=np.float64),
            "lng": np.asarray(raw["lng"], dtype=np.float64),
            "max_travel_km": np.asarray(raw["max_travel_km"], dtype=np.float64),
            "cat_mask": np.asarray(raw["cat_mask"], dtype=np.int64),
            "any_time": np.asarray(raw["any_time"], dtype=bool),
            "min_wage_amount": np.array(
                [np.nan if v is None else v for v in raw["min_wage_amount"]], dtype=np.float64),
            "unit": self._unit(raw["min_wage_unit"]),
            "reliability": np.asarray(raw["reliability"], dtype=np.float64),
            "avail_mask": np.array(
                [ANY_TIME_MASK if v is None else v for v in raw["avail_mask"]], dtype=np.int64),
        }
        tier = np.asarray(raw["tier"], dtype=np.int64)
        band = np.asarray(raw["band"], dtype=np.int64)
        return _base(code, tier, band) + (out["lng"] + 180.0), out

    def _segment(self, rows: list) -> Segment:
        return _sorted(*self._columns(rows))

    # --- searching ----------------------------------------------------------------------

    def rows_near(self, keys: list[str], lat: float, lng: float, reach_cap_km: float) -> dict:
        """Columns of the rows workers_near would return, as arrays (the scoring core's input)."""
        ranges = worker_ranges(sorted(set(keys)), lat, lng, min(reach_cap_km, TIERS_KM[-1]))
        ranges = [r for r in ranges if r[0] in self.codes]
        parts = []
        for seg, alive in ((self.main, self.alive), (self.side, None)):
            if seg is not None and len(seg) and ranges:
                parts.append(self._probe(seg, alive, ranges))
        cols = {
            name: np.concatenate([p[name] for p in parts]) if parts else np.empty(0)
            for name in ("worker_id", "code", "raw", "similarity", "years", "lat", "lng",
                         "max_travel_km", "cat_mask", "any_time", "min_wage_amount", "unit",
                         "reliability", "avail_mask")
        }
        code = cols.pop("code").astype(np.int64)
        cols["skill_key"] = self.names[code] if len(code) else np.empty(0, dtype=object)
        units = np.array(list(self.unit_codes) or [""])
        cols["min_wage_unit"] = units[cols.pop("unit").astype(np.int64)]
        return cols

    def _probe(self, seg: Segment, alive, ranges) -> dict:
        code = np.array([self.codes[r[0]] for r in ranges], dtype=np.int64)
        tier, b0, b1, lo, hi = (np.array([r[i] for r in ranges]) for i in range(1, 6))
        start = np.searchsorted(seg.order_key, _base(code, tier, b0) + (lo + 180.0 - SLACK))
        end = np.searchsorted(seg.order_key, _base(code, tier, b1) + (hi + 180.0 + SLACK),
                              side="right")
        lens = np.maximum(end - start, 0)
        total = int(lens.sum())
        offsets = np.repeat(start - np.concatenate(([0], np.cumsum(lens)[:-1])), lens)
        idx = offsets + np.arange(total)
        # Band spans (b0 < b1) include whole bands: longitude is filtered here.
        lng = seg.cols["lng"][idx]
        keep = (lng >= np.repeat(lo, lens) - SLACK) & (lng <= np.repeat(hi, lens) + SLACK)
        if alive is not None:
            keep &= alive[idx]
        idx = idx[keep]
        return {name: col[idx] for name, col in seg.cols.items()}

    # --- freshness ----------------------------------------------------------------------

    async def fresh(self, session: AsyncSession) -> MemIndex:
        pg = session.get_bind().dialect.name == "postgresql"
        async with self.lock:
            if self.main is None:
                await self._load_all_apart(session, pg)
                return self
            changed = await self._changes(session, pg)
            if changed is None or len(changed) > FULL_RELOAD_AT:
                await self._load_all_apart(session, pg)
            elif changed:
                await self._apply(session, sorted(changed))
        return self

    async def _mark(self, session: AsyncSession, pg: bool) -> None:
        """Where the log is to be read from next, taken before reading the rows (conservative).
        Changes already visible now are in the rows about to be read: marked seen."""
        if pg:
            rows = (await session.execute(_PG_CHANGES, {"x": None})).all()
            self.watermark = next(r.xid for r in rows if r.seq is None)
            self.seen = {r.seq: r.xid for r in rows if r.seq is not None}
        else:
            self.watermark = (await session.execute(_LAST_SEQ)).scalar_one()

    async def _changes(self, session: AsyncSession, pg: bool) -> set[int] | None:
        """Workers changed since the watermark (None: everything, or the log was pruned past
        the watermark, so changes may be gone from it)."""
        changed: set[int] = set()
        everything = False
        if pg:
            rows = (await (await session.connection()).execute(
                _PG_CHANGES, {"x": self.watermark})).all()
            last = next(r for r in rows if r.seq is None)
            xmin = last.xid
            everything = last.pruned is not None and last.pruned >= self.watermark
            for r in rows:
                if r.seq is None or r.seq in self.seen:
                    continue
                self.seen[r.seq] = r.xid
                everything |= r.worker_id is None
                changed.add(r.worker_id)
            self.watermark = xmin
            self.seen = {s: x for s, x in self.seen.items() if x >= xmin}
        else:
            conn = await session.connection()
            since = self.watermark
            for seq, worker_id in await conn.execute(_LITE_CHANGES, {"x": since}):
                self.watermark = max(self.watermark, seq)
                everything |= worker_id is None
                changed.add(worker_id)
            pruned = (await conn.execute(_LITE_PRUNED)).scalar()
            everything |= pruned is not None and pruned > since
        return None if everything else changed

    async def _load_all_apart(self, session: AsyncSession, pg: bool) -> None:
        """_load_all on a session of its own: streaming needs a transaction (a server-side
        cursor), and a match page's read session may have none (app/db.py read_scope)."""
        bind = session.bind
        engine = bind if isinstance(bind, AsyncEngine) else bind.engine
        async with AsyncSession(engine) as own:
            await self._load_all(own, pg)

    async def _load_all(self, session: AsyncSession, pg: bool) -> None:
        """Every row, streamed in index order (skill key, tier, band, lng): codes are handed
        out in that order, so the rows arrive sorted and fill preallocated arrays (no sort, no
        second copy: the peak stays near the final size)."""
        await self._mark(session, pg)
        self.codes, self.side, self.main = {}, None, None
        self.alive = np.empty(0, dtype=bool)
        key = np.empty((await session.execute(_COUNT)).scalar_one(), dtype=np.float64)
        cols: dict[str, np.ndarray] = {}
        at = 0
        result = await session.stream(_ALL)
        async for part in result.partitions(LOAD_PART):
            part_key, part_cols = self._columns(part)
            end = at + len(part_key)
            if not cols:
                cols = {k: np.empty(len(key), dtype=v.dtype) for k, v in part_cols.items()}
            if end > len(key):  # rows written since the count
                grow = max(end - len(key), len(key) // 16)
                key = np.concatenate([key, np.empty(grow)])
                cols = {k: np.concatenate([v, np.empty(grow, dtype=v.dtype)])
                        for k, v in cols.items()}
            key[at:end] = part_key
            for k, v in part_cols.items():
                cols[k][at:end] = v
            at = end
        key, cols = key[:at], {k: v[:at] for k, v in cols.items()}
        if not cols:
            self.main = self._segment([])
        elif at > 1 and not bool(np.all(key[1:] >= key[:-1])):
            self.main = _sorted(key, cols)  # a collation that orders keys unexpectedly
        else:
            self.main = Segment(key, cols)
        self.alive = np.ones(len(self.main), dtype=bool)
        self.loads += 1

    async def _apply(self, session: AsyncSession, ids: list[int]) -> None:
        rows = []
        for i in range(0, len(ids), 10_000):
            chunk = ids[i:i + 10_000]
            stmt = _BY_IDS_PG if session.get_bind().dialect.name == "postgresql" else _BY_IDS_LITE
            rows += (await session.execute(stmt, {"ids": chunk})).all()
        gone = np.asarray(ids, dtype=np.int64)
        alive = self.alive & ~np.isin(self.main.cols["worker_id"], gone)
        kept = []
        if self.side is not None:
            mask = ~np.isin(self.side.cols["worker_id"], gone)
            kept.append(_take(self.side, np.flatnonzero(mask)))
        side = _concat([*kept, self._segment(rows)])
        if len(side) > MERGE_AT:
            live = _take(self.main, np.flatnonzero(alive))
            self.main, self.side = _concat([live, side]), None
            self.alive = np.ones(len(self.main), dtype=bool)
        else:
            self.alive, self.side = alive, side


def _sorted(key: np.ndarray, cols: dict[str, np.ndarray]) -> Segment:
    order = np.argsort(key, kind="stable")
    return Segment(key[order], {k: v[order] for k, v in cols.items()})


def _take(seg: Segment, idx: np.ndarray) -> Segment:
    return Segment(seg.order_key[idx], {k: v[idx] for k, v in seg.cols.items()})


def _concat(parts: list[Segment]) -> Segment:
    """Parts all come from MemIndex._segment (so share columns); at least one is given."""
    parts = [p for p in parts if len(p)] or parts[:1]
    if len(parts) == 1:
        return parts[0]
    key = np.concatenate([p.order_key for p in parts])
    cols = {k: np.concatenate([p.cols[k] for p in parts]) for k in parts[0].cols}
    return _sorted(key, cols)


_SELECT = "SELECT " + ", ".join(LOAD_COLUMNS) + " FROM worker_match_keys"
_ALL = text(_SELECT + " ORDER BY skill_key, tier, band, lng")
_COUNT = text("SELECT count(*) FROM worker_match_keys")
_BY_IDS_PG = text(_SELECT + " WHERE worker_id = ANY(CAST(:ids AS bigint[]))")
_BY_IDS_LITE = text(_SELECT + " WHERE worker_id IN :ids").bindparams(
    bindparam("ids", expanding=True))
_LAST_SEQ = text("SELECT coalesce(max(seq), 0) FROM worker_match_changes")
# One statement, one snapshot: the changes it shows and the xmin it reports belong together.
# (x NULL: from the snapshot's own xmin.)
_PG_CHANGES = text(
    "WITH s AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin) "
    "SELECT c.seq, c.worker_id, c.xid, CAST(NULL AS bigint) AS pruned "
    "FROM worker_match_changes c, s WHERE c.xid >= coalesce(CAST(:x AS bigint), s.xmin) "
    "UNION ALL SELECT NULL, NULL, xmin, "
    "(SELECT pruned_xid FROM worker_match_change_horizon WHERE id = 1) FROM s"
)
_LITE_CHANGES = text("SELECT seq, worker_id FROM worker_match_changes WHERE seq > :x ORDER BY seq")
# Read after the changes: a prune committed before them shows here (and forces a reload).
_LITE_PRUNED = text("SELECT pruned_seq FROM worker_match_change_horizon WHERE id = 1")

_indexes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def worker_index(session: AsyncSession) -> MemIndex:
    """This process's index for the session's database, brought up to date."""
    engine = session.get_bind().engine  # a session bound to one connection: its engine
    index = _indexes.get(engine)
    if index is None:
        index = _indexes[engine] = MemIndex()
    return await index.fresh(session)
