"""The matching rules written plainly, one worker at a time, for the property tests.

Independent of app/matching on purpose: no merged windows (availability is checked half-hour
by half-hour), no vectors, no retrieval — every worker is looked at.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, utils

from app.common.geo import haversine_km
from app.reference.taxonomy import taxonomy

SH = ZoneInfo("Asia/Shanghai")
HOURS = {"hour": 1.0, "day": 8.0, "month": 174.0, "piece": 0.25}
NAMES = ("skill", "distance", "time", "wage", "reliability")


def weights(base: dict, urgent: bool, factor: float) -> dict:
    w = dict(base)
    if urgent:
        w["distance"] = w["distance"] * factor
    total = sum(w.values())
    return {k: v / total for k, v in w.items()}


def shifts(job: dict) -> list[tuple[datetime, datetime]]:
    if job["shifts"]:
        return [(datetime.fromisoformat(s["starts_at"]), datetime.fromisoformat(s["ends_at"]))
                for s in job["shifts"]]
    start, end = job["starts_at"].astimezone(SH), job["ends_at"].astimezone(SH)
    if end - start <= timedelta(days=1):
        return [(start, end)]
    out = []
    for n in range((end.date() - start.date()).days + 1):
        day_start = start + timedelta(days=n)
        day_end = datetime.combine(day_start.date(), end.timetz())
        out.append((day_start, day_end))
    return out


def available(worker: dict, job: dict) -> bool:
    if worker["availability"] is None:
        return True
    for s, e in shifts(job):
        t = s.astimezone(SH)
        while t < e:
            slot = t.hour * 60 + t.minute
            ok = False
            for w in worker["availability"]:
                ws = int(w["start"][:2]) * 60 + int(w["start"][3:])
                we = int(w["end"][:2]) * 60 + int(w["end"][3:])
                if w["weekday"] == t.isoweekday() and ws <= slot and slot + 30 <= we:
                    ok = True
            if not ok:
                return False
            t += timedelta(minutes=30)
    return True


def age(birth: date, day: date) -> int:
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


def eligible(worker: dict, job: dict, distance: float, radius_km: float | None) -> bool:
    if worker["status"] != "active" or job["status"] != "open":
        return False
    if distance > worker["max_travel_km"]:
        return False
    if job["radius_km"] is not None and distance > job["radius_km"]:
        return False
    if radius_km is not None and distance > radius_km:
        return False
    if job["req_gender"] and worker["gender"] != job["req_gender"]:
        return False
    a = age(worker["birth_date"], job["starts_at"].astimezone(SH).date())
    if job["req_min_age"] is not None and a < job["req_min_age"]:
        return False
    if job["req_max_age"] is not None and a > job["req_max_age"]:
        return False
    for cert in job["req_certificates"]:
        if cert not in worker["certificates"]:
            return False
    days = [d for s, e in shifts(job) for d in (s.astimezone(SH).date(), e.astimezone(SH).date())]
    if worker["available_from_date"] and worker["available_from_date"] > min(days):
        return False
    if worker["available_until_date"] and worker["available_until_date"] < max(days):
        return False
    for s, e in worker["busy"]:
        if s < job["ends_at"] and job["starts_at"] < e:
            return False
    return available(worker, job)


def skill(worker: dict, job: dict, threshold: float) -> tuple[float, bool]:
    tax = taxonomy().by_code
    worker_categories = {tax[c].category for c, *_ in worker["skills"] if c}
    credits, direct = [], False
    for code, raw in job["skills"]:
        c, e = 0.0, 0.0
        if code:
            for wc, _wraw, sim, years in worker["skills"]:
                if wc == code:
                    c = max(c, sim / 100)
                    e = max(e, min(max(years or 0, 0), 5) / 5)
        else:
            for wc, wraw, _sim, _years in worker["skills"]:
                if wc is None:
                    r = fuzz.ratio(utils.default_process(raw), utils.default_process(wraw))
                    if r >= threshold:
                        c = max(c, 0.8 * r / 100)
        if c > 0:
            direct = True
        elif code and tax[code].category in worker_categories:
            c = 0.5
        credits.append(c * (0.85 + 0.15 * e))
    return sum(credits) / len(credits), direct


def score(worker: dict, job: dict, conf: dict, distance: float) -> float:
    s, _ = skill(worker, job, conf["threshold"])
    limit = worker["max_travel_km"]
    if job["radius_km"] is not None:
        limit = min(limit, job["radius_km"])
    d = max(0.0, min(1.0, 1 - distance / limit))
    t = 0.75 if worker["availability"] is None else 1.0
    if worker["min_wage_amount"] is None:
        floor = conf["min_hour_fen"]
    else:
        floor = worker["min_wage_amount"] / HOURS[worker["min_wage_unit"]]
    wage = max(0.0, min(1.0, job["wage_amount"] / HOURS[job["wage_unit"]] / floor - 0.5))
    rel = max(0.0, min(1.0, worker["reliability"]))
    w = weights(conf["weights"], job["urgent"], conf["urgent_factor"])
    parts = {"skill": s, "distance": d, "time": t, "wage": wage, "reliability": rel}
    return sum(w[k] * parts[k] for k in NAMES)


def rank(job: dict, workers: list[dict], conf: dict, radius_km: float | None = None):
    """[(worker id, score)] of every eligible, relevant worker, best first, ties by id."""
    out = []
    for worker in workers:
        distance = haversine_km(job["lat"], job["lng"], worker["lat"], worker["lng"])
        if not eligible(worker, job, distance, radius_km):
            continue
        if not skill(worker, job, conf["threshold"])[1]:
            continue
        out.append((worker["id"], score(worker, job, conf, distance)))
    return sorted(out, key=lambda p: (-round(p[1], 9), p[0]))
