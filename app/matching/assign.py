"""Staffing plans (pure): assign workers to open slots for the highest total score, never one
worker on two overlapping jobs.

Jobs are split into overlap groups (connected runs of overlapping time). Groups never share a
constraint, so each is solved alone. Within a group every worker takes at most one slot and
a min-weight bipartite matching (scipy.sparse.csgraph, the sparse sibling of
linear_sum_assignment) finds the best slot × worker matching. That is exact when the
group's jobs all overlap one another (a common instant: max start < min end), the usual case
of same-shift postings. In a chain (A overlaps B, B overlaps C, A not C) a worker could do
both A and C, so empty slots are then filled greedily with workers free at that time, and the
greedy plan is kept for the group if it scores higher. Either way the total is ≥ greedy's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching


@dataclass(frozen=True)
class Slotted:
    job_id: int
    slots: int
    starts_at: datetime
    ends_at: datetime


Pairs = list[tuple[int, int, float]]  # (job_id, worker_id, score)


def overlap_groups(jobs: list[Slotted]) -> list[list[Slotted]]:
    groups: list[list[Slotted]] = []
    end = None
    for job in sorted(jobs, key=lambda j: (j.starts_at, j.job_id)):
        if groups and job.starts_at < end:
            groups[-1].append(job)
            end = max(end, job.ends_at)
        else:
            groups.append([job])
            end = job.ends_at
    return groups


def _overlap(a: Slotted, b: Slotted) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def greedy(group: list[Slotted], cands: dict[int, list[tuple[int, float]]], start: Pairs = ()) -> Pairs:
    """Best remaining pair first; a pair is taken if the job has a slot and the worker is not
    on an overlapping job already. `start` is an existing partial plan to extend."""
    by_id = {j.job_id: j for j in group}
    left = {j.job_id: j.slots for j in group}
    held: dict[int, list[Slotted]] = {}
    out = list(start)
    for job_id, worker_id, _s in out:
        left[job_id] -= 1
        held.setdefault(worker_id, []).append(by_id[job_id])
    pairs = sorted(
        ((s, job_id, w) for job_id in by_id for w, s in cands.get(job_id, [])),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    for s, job_id, w in pairs:
        job = by_id[job_id]
        if left[job_id] <= 0 or any(_overlap(job, o) for o in held.get(w, ())):
            continue
        left[job_id] -= 1
        held.setdefault(w, []).append(job)
        out.append((job_id, w, s))
    return out


def optimal(group: list[Slotted], cands: dict[int, list[tuple[int, float]]]) -> Pairs:
    """Each worker at most once in the group; maximum total score.

    A sparse min-weight full matching (LAPJVsp) of slots to workers plus one dummy column per
    slot: an eligible pair costs 2 − score, a slot's dummy costs 2, so every full matching
    costs 2 × slots − Σ score and the cheapest is the best plan. Sparse, because most pairs
    are ineligible; a dense linear_sum_assignment on the same problem is ~3× slower."""
    rows: list[int] = []
    for j in group:
        rows += [j.job_id] * min(j.slots, len(cands.get(j.job_id, [])))
    workers = sorted({w for j in group for w, _s in cands.get(j.job_id, [])})
    if not rows or not workers:
        return []
    col = {w: i for i, w in enumerate(workers)}
    r_parts, c_parts, cost_parts = [], [], []
    start = 0
    for j in group:
        n = min(j.slots, len(cands.get(j.job_id, [])))
        if n:
            ws = np.array([col[w] for w, _s in cands[j.job_id]])
            cs = 2.0 - np.array([s for _w, s in cands[j.job_id]])
            r_parts.append(np.repeat(np.arange(start, start + n), len(ws)))
            c_parts.append(np.tile(ws, n))
            cost_parts.append(np.tile(cs, n))
        start += n
    n_rows, n_workers = len(rows), len(workers)
    r_parts.append(np.arange(n_rows))
    c_parts.append(n_workers + np.arange(n_rows))
    cost_parts.append(np.full(n_rows, 2.0))
    graph = csr_matrix(
        (np.concatenate(cost_parts), (np.concatenate(r_parts), np.concatenate(c_parts))),
        shape=(n_rows, n_workers + n_rows),
    )
    _rows, matched = min_weight_full_bipartite_matching(graph)
    score = {j.job_id: dict(cands.get(j.job_id, [])) for j in group}
    return [
        (rows[i], workers[k], score[rows[i]][workers[k]])
        for i, k in enumerate(matched) if k < n_workers
    ]


def _total(pairs: Pairs) -> float:
    return float(sum(p[2] for p in pairs))


def solve(jobs: list[Slotted], cands: dict[int, list[tuple[int, float]]]) -> tuple[Pairs, float, str]:
    """(plan, greedy total, method)."""
    plan: Pairs = []
    greedy_total = 0.0
    exact = True
    for group in overlap_groups(jobs):
        g = greedy(group, cands)
        greedy_total += _total(g)
        clique = max(j.starts_at for j in group) < min(j.ends_at for j in group)
        best = optimal(group, cands)
        if not clique:
            exact = False
            best = greedy(group, cands, start=best)
            if _total(g) > _total(best):
                best = g
        plan += best
    plan.sort(key=lambda p: (p[0], -p[2], p[1]))
    method = "optimal" if exact else "optimal_per_overlap_group_with_fill"
    return plan, greedy_total, method
