"""Match explanations people can read (pure, no I/O): rounded figures, one short Chinese reason
per score component, canonical skill names, and why a search found nothing.

The score is computed from the unrounded components and weights (the ranking and cursors use
it), then rounded to 4 decimals like every figure shown; so with the shown values
|score − Σ weights × components| ≤ 0.0004 (each of the 10 shown factors is off by at most
0.00005, the score by as much again).
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from app.matching import rules
from app.matching.score import ANY_TIME_FIT, COMPONENTS
from app.reference.taxonomy import taxonomy

DECIMALS = 4
# |score − Σ shown weight × shown component| never exceeds this (see the module docstring).
SHOWN_SUM_TOLERANCE = 0.0004


def round4(value: float) -> float:
    return round(float(value), DECIMALS)


@lru_cache(maxsize=4096)
def canonical_skill(raw: str, threshold: float) -> str:
    """The taxonomy's name for a skill text, or the text itself outside the taxonomy: the same
    normalisation jobs and workers are stored with."""
    match = taxonomy().normalise(raw, threshold)
    return match.skill.name if match.skill else raw


def canonical_skills(names: list[str], threshold: float) -> list[str]:
    out: list[str] = []
    for name in names:
        label = canonical_skill(name, threshold)
        if label not in out:
            out.append(label)
    return out


def _list(names: list[str]) -> str:
    return "、".join(names)


def skill_reason(matched: list[str], missing: list[str]) -> str:
    if not missing:
        return f"技能完全匹配：{_list(matched)}"
    if not matched:
        return f"仅有同类技能；缺少：{_list(missing)}"
    return f"技能部分匹配：{_list(matched)}；缺少：{_list(missing)}"


def distance_reason(km: float) -> str:
    return "距离不到 0.1 公里" if km < 0.05 else f"距离 {km:.1f} 公里"


def time_reason(component: float) -> str:
    if component >= 1.0 - 1e-9:
        return "可工作时间覆盖全部班次"
    if abs(component - ANY_TIME_FIT) < 1e-9:
        return "未填写可工作时间，按随时可上岗计"
    return f"时间契合度 {component:.2f}"


def wage_reason(component: float) -> str:
    """The wage component is (job's hourly wage ÷ the worker's minimum) − 0.5, clipped to [0, 1]
    (the legal hourly minimum stands in when the worker named none)."""
    if component >= 1.0 - 1e-9:
        return "折合时薪达到期望最低工资的 1.5 倍以上"
    if component <= 1e-9:
        return "折合时薪不到期望最低工资的一半"
    ratio = round((component + 0.5) * 100)
    verdict = "高于" if ratio > 100 else ("等于" if ratio == 100 else "低于")
    return f"折合时薪{verdict}期望最低工资（约 {ratio}%）"


def reliability_reason(component: float) -> str:
    if abs(component - 0.5) < 1e-9:
        return "暂无履约记录，按中等计（0.50）"
    if component >= 0.8:
        return f"履约记录良好（可靠度 {component:.2f}）"
    if component >= 0.5:
        return f"履约记录一般（可靠度 {component:.2f}）"
    return f"履约记录较差（可靠度 {component:.2f}）"


def reasons(components: dict[str, float], distance_km: float, matched: list[str],
            missing: list[str]) -> dict[str, str]:
    return {
        "skill": skill_reason(matched, missing),
        "distance": distance_reason(distance_km),
        "time": time_reason(components["time"]),
        "wage": wage_reason(components["wage"]),
        "reliability": reliability_reason(components["reliability"]),
    }


def present(item: dict, threshold: float) -> dict:
    """A match as the service built it → as shown: rounded, canonical names, reasons."""
    matched = canonical_skills(item["matched_skills"], threshold)
    missing = [n for n in canonical_skills(item["missing_skills"], threshold) if n not in matched]
    components = {k: float(item["components"][k]) for k in COMPONENTS}
    return {
        **item,
        "score": round4(item["score"]),
        "components": {k: round4(v) for k, v in components.items()},
        "weights": {k: round4(item["weights"][k]) for k in COMPONENTS},
        "matched_skills": matched,
        "missing_skills": missing,
        "reasons": reasons(components, item["distance_km"], matched, missing),
    }


# ---- why a search found nothing ------------------------------------------------------------

# The first hard filter (app/matching/rules.eligible) a candidate fails, checked in its order;
# worded for a job's list of workers, and for a worker's list of jobs.
EXCLUSIONS = ("job_not_open", "worker_inactive", "gender", "age", "certificates", "dates",
              "booked", "availability")
WORKER_EXCLUDED = {
    "job_not_open": "岗位不在招聘中", "worker_inactive": "已暂停接单", "gender": "性别要求不符",
    "age": "年龄要求不符", "certificates": "缺少所需证书", "dates": "可上岗日期不覆盖工期",
    "booked": "该时段已有工作安排", "availability": "可工作时间不覆盖班次",
}
JOB_EXCLUDED = {
    "job_not_open": "不在招聘中", "worker_inactive": "因您已暂停接单而不匹配",
    "gender": "性别要求不符", "age": "年龄要求不符", "certificates": "需要您没有的证书",
    "dates": "工期超出您的可上岗日期", "booked": "与您已接的工作时间重叠",
    "availability": "班次不在您的可工作时间内",
}


def exclusion(job: rules.JobFacts, worker: rules.WorkerFacts) -> str | None:
    """Why rules.eligible refuses the pair (one of EXCLUSIONS), or None when it accepts it."""
    if job.status != "open":
        return "job_not_open"
    if worker.status != "active":
        return "worker_inactive"
    if job.gender is not None and worker.gender != job.gender:
        return "gender"
    age = rules.age_on(worker.birth_date, job.starts_at.astimezone(rules.SHANGHAI).date())
    if (job.min_age is not None and age < job.min_age) or (
        job.max_age is not None and age > job.max_age
    ):
        return "age"
    if not job.certificates <= worker.certificates:
        return "certificates"
    if (worker.available_from_date is not None and worker.available_from_date > job.first_date) or (
        worker.available_until_date is not None and worker.available_until_date < job.last_date
    ):
        return "dates"
    if any(rules.overlaps(s, e, job.starts_at, job.ends_at) for s, e in worker.busy):
        return "booked"
    if not rules.covers(worker.availability, job.needs):
        return "availability"
    return None


def _reach(km: float | None) -> str:
    return f"{km:g} 公里内" if km is not None else "附近"


def _quoted(names: list[str]) -> str:
    return "「" + "、".join(names) + "」"


JOB_STATUS_ZH = {
    "pending_review": "待审核", "filled": "已招满", "closed": "已关闭", "expired": "已过期",
    "cancelled": "已取消", "rejected": "未通过审核",
}


def empty_for_job(
    *, status: str, skills: list[str], skilled_anywhere: int | None, reach_km: float | None,
    within_reach: int, beyond_travel: int, nearest_km: float | None, excluded: Counter,
) -> dict:
    """Why a job's match list is empty, from the counts of a diagnosis (app/matching/diagnosis)."""
    if status != "open":
        return {"code": "job_not_open", "message":
                f"岗位状态为「{JOB_STATUS_ZH.get(status, status)}」，只有招聘中的岗位匹配求职者"}
    if skilled_anywhere == 0:
        return {"code": "no_skilled_workers",
                "message": f"目前没有登记{_quoted(skills)}技能的求职者"}
    if within_reach == 0 and beyond_travel > 0:
        near = f"，最近的相距 {nearest_km:.1f} 公里" if nearest_km is not None else ""
        return {"code": "beyond_travel", "message":
                f"{_reach(reach_km)}有 {beyond_travel} 名具备{_quoted(skills)}技能的求职者，"
                f"但都超出了他们愿意通勤的距离{near}"}
    if within_reach == 0:
        return {"code": "no_skilled_workers_nearby",
                "message": f"{_reach(reach_km)}没有具备{_quoted(skills)}技能的求职者"}
    return _excluded(f"{_reach(reach_km)}具备{_quoted(skills)}技能的 {within_reach} 名求职者",
                     excluded, "人", WORKER_EXCLUDED)


def empty_for_worker(
    *, status: str, skills: list[str], jobs_anywhere: int | None, reach_km: float,
    within_reach: int, excluded: Counter,
) -> dict:
    """Why a worker's match list is empty."""
    if status != "active":
        return {"code": "worker_inactive", "message": "已暂停接单；恢复接单后才会匹配岗位"}
    if not skills:
        return {"code": "no_skills", "message": "尚未填写技能；填写技能后才能匹配岗位"}
    if jobs_anywhere == 0:
        return {"code": "no_jobs_for_skills",
                "message": f"目前没有需要{_quoted(skills)}技能的招聘中岗位"}
    if within_reach == 0:
        return {"code": "no_jobs_nearby",
                "message": f"{_reach(reach_km)}没有需要{_quoted(skills)}技能的招聘中岗位"}
    return _excluded(f"{_reach(reach_km)}需要{_quoted(skills)}技能的 {within_reach} 个岗位",
                     excluded, "个", JOB_EXCLUDED)


def _excluded(who: str, excluded: Counter, unit: str, words: dict[str, str]) -> dict:
    if not excluded:
        return {"code": "no_match", "message": f"{who}都不符合匹配条件"}
    parts = "，".join(f"{n} {unit}{words[k]}" for k, n in excluded.most_common())
    code = next(iter(excluded)) if len(excluded) == 1 else "all_excluded"
    return {"code": code, "message": f"{who}都不符合条件：{parts}", "counts": dict(excluded)}
