"""The subsidy rules core (policy item 五): groups, caps, period, retirement."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.subsidies.months import add_months, month_of, month_text, parse_month
from app.subsidies.retirement import statutory_retirement
from app.subsidies.rules import (
    Contribution,
    MissingParameters,
    OverlappingContributions,
    WorkerFacts,
    YearParameters,
    assess,
    expand_contributions,
    monthly_subsidy,
)

AS_OF = date(2026, 6, 15)
JOB_TYPES = frozenset({"家政服务", "transport.ride_hailing", "agri.produce_sales"})
PARAMS = {
    2025: YearParameters(2025, 80_000, 30_000, JOB_TYPES),
    2026: YearParameters(2026, 90_000, 33_000, JOB_TYPES),
}


def facts(**kw) -> WorkerFacts:
    base = dict(birth_date=date(1990, 3, 10), gender="female",
                job_types=frozenset({"housekeeping.cleaner", "家政服务"}))
    base.update(kw)
    return WorkerFacts(**base)


def pay(month: str, pension: int = 60_000, medical: int = 20_000, months: int = 1) -> Contribution:
    return Contribution(parse_month(month), pension, medical, months)


def rule(result, name: str):
    return next(r for r in result.rules if r.name == name)


# --- statutory retirement (every vector from the issue) ---

@pytest.mark.parametrize(("birth", "gender", "base", "retires"), [
    ("1965-01", "male", 55, "2025-02"),
    ("1965-12", "male", 55, "2026-03"),
    ("1971-04", "female", 55, "2026-08"),
    ("1995-12", "female", 50, "2050-12"),
    ("2000-12", "female", 55, "2058-12"),
    ("1963-12", "male", 55, "2023-12"),
])
def test_retirement_vectors(birth, gender, base, retires):
    born = date(*map(int, birth.split("-")), 1)
    for day in (1, 28):  # the day of birth never moves the month
        assert statutory_retirement(born.replace(day=day), gender, base).month_label == retires


@pytest.mark.parametrize(("base", "start", "step", "cap"), [
    (60, date(1965, 1, 1), 4, 36), (55, date(1970, 1, 1), 4, 36), (50, date(1975, 1, 1), 2, 60),
])
def test_retirement_schedule_edges(base, start, step, cap):
    gender = "male" if base == 60 else "female"
    before = statutory_retirement(add_months(start, -1), gender, base)
    assert before.delay_months == 0
    assert statutory_retirement(start, gender, base).delay_months == 1
    assert statutory_retirement(add_months(start, step - 1), gender, base).delay_months == 1
    assert statutory_retirement(add_months(start, step), gender, base).delay_months == 2
    assert statutory_retirement(add_months(start, step * cap * 3), gender, base).delay_months == cap


@given(st.dates(date(1940, 1, 1), date(2010, 12, 31)), st.sampled_from([
    ("male", 55), ("female", 55), ("female", 50)]))
def test_retirement_monotone_and_bounded(born, who):
    gender, base = who
    r = statutory_retirement(born, gender, base)
    later = statutory_retirement(add_months(born, 1), gender, base)
    # Born a month later: retires a month later, plus at most one month more of delay.
    assert 1 <= later.month - r.month <= 2
    years = 60 if gender == "male" else base
    assert years * 12 <= r.month - month_of(born) <= years * 12 + (60 if base == 50 else 36)


# --- groups ---

def test_graduate_two_year_window_inclusive():
    grad = date(2024, 6, 15)
    f = facts(graduation_date=grad, registered_unemployed_date=date(2024, 9, 1))
    assert rule(assess(f, [pay("2026-06")], PARAMS, date(2026, 6, 15)), "group:graduate").passed
    late = assess(f, [pay("2026-06")], PARAMS, date(2026, 6, 16))
    assert not rule(late, "group:graduate").passed
    assert "2-year window ended on 2026-06-15" in rule(late, "group:graduate").reason


def test_graduate_must_be_registered_unemployed():
    f = facts(graduation_date=date(2025, 7, 1))
    r = assess(f, [pay("2026-06")], PARAMS, AS_OF)
    assert not r.eligible
    assert "not registered unemployed" in rule(r, "group:graduate").reason
    later = facts(graduation_date=date(2025, 7, 1), registered_unemployed_date=date(2026, 7, 1))
    assert not rule(assess(later, [pay("2026-06")], PARAMS, AS_OF), "group:graduate").passed


def test_4050_needs_chongqing_hukou():
    base = dict(birth_date=date(1980, 1, 1), registered_unemployed_date=date(2025, 1, 1))
    assert assess(facts(**base, hukou_chongqing=True), [pay("2026-06")], PARAMS, AS_OF).eligible
    for hukou in (False, None):
        r = assess(facts(**base, hukou_chongqing=hukou), [pay("2026-06")], PARAMS, AS_OF)
        assert not r.eligible and not rule(r, "group:age_4050").passed


def test_4050_three_months_registered_boundary():
    f = facts(birth_date=date(1980, 1, 1), hukou_chongqing=True,
              registered_unemployed_date=date(2026, 3, 15))
    assert assess(f, [pay("2026-06")], PARAMS, date(2026, 6, 15)).qualifying_group == "age_4050"
    short = assess(f, [pay("2026-06")], PARAMS, date(2026, 6, 14))
    assert not short.eligible
    assert "3 months are reached on 2026-06-15" in rule(short, "group:age_4050").reason


@pytest.mark.parametrize(("gender", "birth", "ok"), [
    ("female", date(1986, 6, 15), True), ("female", date(1986, 6, 16), False),
    ("male", date(1976, 6, 15), True), ("male", date(1976, 6, 16), False),
    ("male", date(1980, 1, 1), False),  # a 46-year-old man is not 4050
])
def test_4050_age_by_gender(gender, birth, ok):
    f = facts(gender=gender, birth_date=birth, hukou_chongqing=True,
              registered_unemployed_date=date(2025, 1, 1))
    assert rule(assess(f, [pay("2026-06")], PARAMS, AS_OF), "group:age_4050").passed is ok


@pytest.mark.parametrize("group", ["poverty_alleviated", "dibao", "zero_employment_family"])
def test_flag_groups(group):
    r = assess(facts(target_groups=frozenset({group})), [pay("2026-06")], PARAMS, AS_OF)
    assert r.eligible and r.qualifying_group == group
    assert not assess(facts(target_groups=frozenset({"disabled"})), [pay("2026-06")], PARAMS,
                      AS_OF).eligible


def test_qualifying_group_follows_policy_order():
    f = facts(target_groups=frozenset({"dibao", "poverty_alleviated"}))
    r = assess(f, [pay("2026-06")], PARAMS, AS_OF)
    assert r.qualifying_group == "poverty_alleviated"
    assert r.qualifying_groups == ["poverty_alleviated", "dibao"]


def test_job_type_and_contributions_are_required():
    dibao = frozenset({"dibao"})
    r = assess(facts(target_groups=dibao, job_types=frozenset({"construction.mason"})),
               [pay("2026-06")], PARAMS, AS_OF)
    assert not r.eligible and not rule(r, "job_type").passed
    assert all(m.subsidy_fen == 0 and m.note == "not_eligible" for m in r.months)
    r = assess(facts(target_groups=dibao), [], PARAMS, AS_OF)
    assert not r.eligible and not rule(r, "contributions").passed


# --- amounts ---

def test_amount_is_two_thirds_of_capped_sum():
    p = PARAMS[2026]
    assert monthly_subsidy(60_000, 20_000, p) == (60_000, 20_000, 53_333)
    # each insurance capped on its own: 90 000 + 33 000 counted
    assert monthly_subsidy(150_000, 50_000, p) == (90_000, 33_000, 82_000)
    assert monthly_subsidy(150_000, 1, p) == (90_000, 1, 60_000)


def test_cap_per_year():
    f = facts(target_groups=frozenset({"dibao"}))
    r = assess(f, [pay("2025-12", 100_000, 40_000), pay("2026-01", 100_000, 40_000)],
               PARAMS, AS_OF)
    dec, jan = r.months
    assert (dec.parameter_year, dec.pension_counted_fen, dec.medical_counted_fen) == (
        2025, 80_000, 30_000)
    assert dec.subsidy_fen == (2 * 110_000) // 3
    assert (jan.parameter_year, jan.subsidy_fen) == (2026, 82_000)
    assert r.total_fen == 73_333 + 82_000


def test_one_payment_spanning_two_parameter_years():
    f = facts(target_groups=frozenset({"dibao"}))
    r = assess(f, [pay("2025-11", 400_001, 160_000, months=4)], PARAMS, AS_OF)
    assert [month_text(m.month) for m in r.months] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert [m.pension_paid_fen for m in r.months] == [100_001, 100_000, 100_000, 100_000]
    assert [m.parameter_year for m in r.months] == [2025, 2025, 2026, 2026]
    assert [m.subsidy_fen for m in r.months] == [73_333, 73_333, 82_000, 82_000]


def test_missing_year_is_refused():
    with pytest.raises(MissingParameters) as err:
        assess(facts(), [pay("2024-12")], PARAMS, AS_OF)
    assert err.value.years == [2024]
    with pytest.raises(MissingParameters) as err:
        assess(facts(), [], PARAMS, date(2027, 1, 1))
    assert err.value.years == [2027]


def test_overlapping_contributions_refused():
    with pytest.raises(OverlappingContributions):
        expand_contributions([pay("2026-01", months=3), pay("2026-03")])


@given(st.integers(0, 10_000_000), st.integers(0, 10_000_000), st.integers(1, 24))
def test_spread_conserves_money(pension, medical, months):
    spread = expand_contributions([Contribution(parse_month("2026-01"), pension, medical, months)])
    assert sum(p for p, _ in spread.values()) == pension
    assert sum(m for _, m in spread.values()) == medical
    assert max(p for p, _ in spread.values()) - min(p for p, _ in spread.values()) <= 1


@given(st.integers(0, 500_000), st.integers(0, 500_000))
def test_subsidy_never_exceeds_two_thirds_of_caps_or_payment(pension, medical):
    p = PARAMS[2026]
    _, _, amount = monthly_subsidy(pension, medical, p)
    assert 0 <= amount <= 2 * (p.pension_lowest_fen + p.medical_lowest_fen) / 3
    assert amount <= 2 * (pension + medical) / 3
    assert 3 * amount > 2 * (min(pension, p.pension_lowest_fen)
                             + min(medical, p.medical_lowest_fen)) - 3


# --- period and retirement extension ---

def test_three_year_period():
    f = facts(target_groups=frozenset({"dibao"}))
    r = assess(f, [pay("2026-01")], PARAMS, AS_OF)
    assert (month_text(r.period_start), month_text(r.period_end)) == ("2026-01", "2028-12")
    assert not r.retirement_extension
    assert r.months_remaining == 31  # June 2026 to December 2028
    r = assess(f, [pay("2025-01"), pay("2026-01")], PARAMS, AS_OF,
               period_start=parse_month("2023-01"))
    assert month_text(r.period_end) == "2025-12" and not r.eligible
    assert not rule(r, "period_active").passed and r.months_remaining == 0


def test_months_outside_the_period_get_nothing():
    f = facts(target_groups=frozenset({"dibao"}))
    r = assess(f, [pay("2025-12"), pay("2026-01")], PARAMS, AS_OF,
               period_start=parse_month("2026-01"))
    assert [(m.note, m.subsidy_fen) for m in r.months] == [
        ("before_period", 0), ("subsidised", 53_333)]


def test_extension_boundary_exactly_five_years():
    # Man born 1966-06: 60y + 3 months (18 cohort months / 4 + 1 = 5 → 60y5m) → retires 2026-11.
    born = date(1966, 6, 10)
    retires = statutory_retirement(born, "male").month
    assert month_text(retires) == "2026-11"
    f = facts(birth_date=born, gender="male", target_groups=frozenset({"dibao"}))
    params = {y: YearParameters(y, 80_000, 30_000, JOB_TYPES) for y in range(2021, 2027)}
    as_of = date(2022, 1, 10)
    exactly = assess(f, [], params, as_of, period_start=retires - 60)  # 2021-11
    assert not exactly.retirement_extension
    assert month_text(exactly.period_end) == "2024-10"  # 36 months
    inside = assess(f, [], params, as_of, period_start=retires - 59)  # 2021-12
    assert inside.retirement_extension
    assert month_text(inside.period_end) == "2026-10"  # the month before retirement
    near = assess(f, [], params, as_of, period_start=retires - 12)
    assert near.retirement_extension and near.period_end == retires - 1


def test_no_subsidy_after_retirement():
    f = facts(birth_date=date(1963, 12, 5), gender="male", target_groups=frozenset({"dibao"}))
    r = assess(f, [pay("2025-01")], PARAMS, AS_OF)
    assert not r.eligible and not rule(r, "before_retirement").passed
    assert r.retirement.month_label == "2023-12"


@given(st.dates(date(1960, 1, 1), date(2000, 12, 31)), st.integers(2020 * 12, 2030 * 12))
def test_period_never_passes_retirement_when_extended(born, start):
    r = statutory_retirement(born, "female")
    from app.subsidies.rules import period

    end, extension = period(start, r)
    assert extension == (r.month - start < 60)
    if extension:
        assert end == r.month - 1
    else:
        assert end - start + 1 == 36 and end < r.month


@given(
    st.dates(date(1965, 1, 1), date(2005, 12, 31)),
    st.sampled_from(["male", "female"]),
    st.frozensets(st.sampled_from(["dibao", "poverty_alleviated", "veteran"])),
    st.lists(st.tuples(st.integers(0, 23), st.integers(0, 200_000), st.integers(0, 80_000)),
             max_size=12, unique_by=lambda t: t[0]),
    st.integers(-30, 30),
)
def test_assessment_is_consistent(born, gender, groups, paid, start_shift):
    f = facts(birth_date=born, gender=gender, target_groups=groups)
    contributions = [Contribution(parse_month("2025-01") + m, p, md) for m, p, md in paid]
    start = parse_month("2025-06") + start_shift
    r = assess(f, contributions, PARAMS, AS_OF, period_start=start)
    assert r.eligible == (bool(groups & {"dibao", "poverty_alleviated"})
                          and any(p or md for _, p, md in paid)
                          and month_of(AS_OF) < r.retirement.month
                          and month_of(AS_OF) <= r.period_end)
    assert r.period_end < r.retirement.month or not r.retirement_extension
    for m in r.months:
        inside = r.period_start <= m.month <= r.period_end
        assert (m.subsidy_fen > 0) <= (r.eligible and inside)
        cap = PARAMS[m.parameter_year]
        assert m.subsidy_fen == (monthly_subsidy(m.pension_paid_fen, m.medical_paid_fen, cap)[2]
                                 if m.note == "subsidised" else 0)
    assert r.total_fen == sum(m.subsidy_fen for m in r.months)
