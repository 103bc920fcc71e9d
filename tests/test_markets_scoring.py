"""The standard as data and the pure scoring core: no database, no HTTP."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from app.markets import metrics, scoring
from app.markets.standard_model import Standard, StandardInvalid, parse_standard
from app.markets.standards import builtin_standards, load_directory, load_standard_file
from tests.markets_fixtures import DRAFT, draft, full_values

DRAFT_FILE = Path("app/markets/standards/cq-draft-2024.yaml")
TODAY = date(2026, 11, 28)


def raw_draft() -> dict:
    return yaml.safe_load(DRAFT_FILE.read_text("utf-8"))


def entries(values: dict, computed: dict | None = None, standard: Standard | None = None):
    standard = standard or draft()
    out = {code: scoring.Entry(v["value"] if isinstance(v, dict) else v)
           for code, v in values.items()}
    for ind in standard.indicators:
        if ind.kind == "computed":
            out[ind.code] = scoring.Entry((computed or {}).get(ind.metric), source="computed")
    return out


def score(values: dict, computed: dict | None = None, *, scale="market", district="500103",
          verified=True, opening=date(2025, 1, 1), standard: Standard | None = None):
    standard = standard or draft()
    return scoring.score(
        standard, scale=scale, district_code=district,
        entries=entries(values, computed, standard), verified=verified, opening_date=opening,
        as_of=TODAY,
    )


def indicator(result, code):
    return next(i for i in result.indicators if i.code == code)


def shortfall(result, code):
    return next((s for s in result.shortfalls if s.code == code), None)


FULL_DIGITAL = {"postings_published": 200, "complete_info_share": 100.0,
                "median_hours_to_first_match": 1.0, "fill_rate": 100.0, "online_channel": True}


# ------------------------------------------------------------------ the draft standard


def test_draft_loads_and_its_points_sum_to_100():
    standard = builtin_standards()[DRAFT]
    assert standard.version == DRAFT
    dims = {d.name: d.points for d in standard.dimensions}
    assert dims == {"场地": 20, "设施": 12, "人员": 14, "制度": 14, "服务": 24, "数字化": 16}
    assert sum(dims.values()) == 100
    assert sum(Decimal(str(i.points)) for i in standard.indicators) == 100
    kinds = {i.kind for i in standard.indicators}
    assert kinds == {"boolean", "number", "count", "computed"}
    vetoes = {i.name for i in standard.indicators if i.veto}
    assert vetoes == {"向劳动者收取费用", "发布歧视性招聘信息", "数据弄虚作假"}
    assert {i.dimension for i in standard.indicators if i.kind == "computed"} == {"digital"}
    # Every relaxed district is a real county or district of the northeast / southeast.
    from app.reference.taxonomy import districts

    groups = {districts()[c].area_group for c in standard.relaxed_districts.codes}
    assert groups == {"northeast", "southeast"}


def test_full_marks_score_100_for_both_scales():
    for scale in ("market", "station"):
        result = score(full_values(), FULL_DIGITAL, scale=scale)
        assert result.total == 100 and not result.shortfalls and result.rating == "demonstration"
        assert [d.ratio for d in result.dimensions] == [1.0] * 6


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda r: r["dimensions"][0].__setitem__("points", 25),
         "dimension points must sum to 100 (they sum to 105)"),
        (lambda r: r["indicators"][0]["thresholds"]["market"][1].__setitem__("points", 7),
         "indicators[0] (V01): thresholds.market: the last tier must award the indicator's full 8 points"),
        (lambda r: r["indicators"][0]["thresholds"]["market"].reverse(),
         "tiers must get strictly harder"),
        (lambda r: r["indicators"][0]["thresholds"].pop("station"),
         "indicators[0] (V01): thresholds missing for scale(s): station"),
        (lambda r: r["indicators"][2].__setitem__("kind", "yes-no"),
         "indicators[2] (V03).kind: Input should be 'boolean', 'number', 'count' or 'computed'"),
        (lambda r: r["indicators"][1]["items"].append({"code": "waiting", "name": "重复"}),
         "indicators[1] (V02): item codes must be unique"),
        (lambda r: r["indicators"][3].__setitem__("points", "2"),
         "indicators[3] (V04).points: Input should be a valid number"),
        (lambda r: r["indicators"][4].__setitem__("colour", "red"),
         "indicators[4] (V05).colour: Extra inputs are not permitted"),
        (lambda r: r["relaxed_districts"]["codes"].append("999999"),
         "relaxed_districts lists codes that are not Chongqing districts: 999999"),
        (lambda r: r["indicators"][-1].__setitem__("metric", "likes"),
         "metric 'likes' is not one the platform computes"),
        (lambda r: r["indicators"][0].__setitem__("dimension", "parking"),
         "indicators name unknown dimension(s): parking"),
        (lambda r: next(i for i in r["indicators"] if i["code"] == "RV1").__setitem__("points", 1),
         "a veto indicator is a boolean worth 0 points"),
        (lambda r: r["indicators"][5]["thresholds"]["market"].__setitem__(
            0, {"at_least": 8, "points": 0.5}),
         "indicators[5] (V06): thresholds.market: direction lower uses 'at_most' tiers"),
        (lambda r: r.pop("dimensions"), "dimensions: Field required"),
    ],
)
def test_malformed_standard_is_rejected_with_a_clear_message(tmp_path, mutate, expected):
    raw = raw_draft()
    mutate(raw)
    path = tmp_path / f"{DRAFT}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    with pytest.raises(StandardInvalid) as info:
        load_standard_file(path)
    message = str(info.value)
    assert message.startswith(f"standard {DRAFT}.yaml is invalid"), message
    assert expected in message, message


def test_unparseable_file_and_wrong_file_name_are_rejected(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("version: [cq\nindicators: :", "utf-8")
    with pytest.raises(StandardInvalid, match=r"line 2, column \d+: not valid YAML/JSON"):
        load_standard_file(bad)
    renamed = tmp_path / "cq-other-2025.json"
    import json

    renamed.write_text(json.dumps(raw_draft(), ensure_ascii=False), "utf-8")
    with pytest.raises(StandardInvalid, match="must match the file name 'cq-other-2025'"):
        load_standard_file(renamed)
    # A directory with one bad file does not load at all: start-up would stop.
    (tmp_path / "broken.yaml").unlink()
    ok = tmp_path / f"{DRAFT}.json"
    ok.write_text(json.dumps(raw_draft(), ensure_ascii=False), "utf-8")
    renamed.unlink()
    assert set(load_directory(tmp_path)) == {DRAFT}


# ------------------------------------------------------------------ each indicator kind


def test_boolean_indicator_earns_all_or_nothing():
    result = score(full_values(F01=False), FULL_DIGITAL)
    assert indicator(result, "F01").points == 0 and result.total == 97
    gap = shortfall(result, "F01")
    assert gap.points_missing == 3 and gap.threshold_missed == "须为“是”"
    assert "信息发布屏" in gap.to_reach and "3 分" in gap.to_reach


def test_number_indicator_tiers_and_what_reaches_the_next_one():
    for area, points in ((0, 0), (199.9, 0), (200, 5), (499, 5), (500, 8), (5000, 8)):
        result = score(full_values(V01=area), FULL_DIGITAL)
        assert indicator(result, "V01").points == points, area
    gap = shortfall(score(full_values(V01=320), FULL_DIGITAL), "V01")
    assert gap.points == 5 and gap.points_missing == 3 and gap.threshold_missed == "≥ 500m²"
    assert "500m²" in gap.to_reach and "当前 320m²" in gap.to_reach and gap.next_points == 8
    below = shortfall(score(full_values(V01=150), FULL_DIGITAL), "V01")
    assert below.threshold_missed == "≥ 200m²" and "满分 8 分" in below.to_reach
    # Station thresholds differ: 80 m² is full marks for a 零工驿站, not for a 零工市场.
    assert indicator(score(full_values(V01=80), FULL_DIGITAL, scale="station"), "V01").points == 8
    assert indicator(score(full_values(V01=80), FULL_DIGITAL, scale="market"), "V01").points == 0


def test_lower_is_better_tiers():
    for hour, points in ((6.0, 1), (7.0, 1), (7.5, 0.5), (8.0, 0.5), (8.01, 0)):
        assert indicator(score(full_values(V06=hour), FULL_DIGITAL), "V06").points == points
    gap = shortfall(score(full_values(SV1=30), FULL_DIGITAL), "SV1")
    assert gap.threshold_missed == "≤ 24小时" and gap.points == 0


def test_count_indicator_counts_listed_items_and_names_the_missing_ones():
    result = score(full_values(V02=["registration", "information", "interview"]), FULL_DIGITAL)
    assert indicator(result, "V02").points == 0
    gap = shortfall(result, "V02")
    assert gap.threshold_missed == "≥ 4项"
    assert gap.missing_items == ["候工休息区", "政策咨询区", "技能培训区"]
    assert "再具备 1 项" in gap.to_reach
    four = score(full_values(V02=["registration", "information", "interview", "waiting"]),
                 FULL_DIGITAL)
    assert indicator(four, "V02").points == 2
    # The same four zones are full marks for a station.
    station = score(full_values(V02=["registration", "information", "interview", "waiting"]),
                    FULL_DIGITAL, scale="station")
    assert indicator(station, "V02").points == 4


def test_computed_indicators_are_scored_from_the_data_and_missing_data_scores_zero():
    weak = {"postings_published": 40, "complete_info_share": 90.0,
            "median_hours_to_first_match": 48.0, "fill_rate": 10.0, "online_channel": False}
    result = score(full_values(), weak)
    got = {i.code: (i.value, i.points, i.source) for i in result.indicators if i.dimension == "digital"}
    assert got == {"D01": (40, 2, "computed"), "D02": (90.0, 1.5, "computed"),
                   "D03": (48.0, 2, "computed"), "D04": (10.0, 0, "computed"),
                   "D05": (False, 0, "computed")}
    assert result.total == 84 + 5.5
    empty = score(full_values(), metrics.summarise([]))
    assert [d.points for d in empty.dimensions if d.code == "digital"] == [0]
    gap = shortfall(empty, "D03")
    assert gap.value is None and "数据不足" in gap.to_reach


def test_input_errors_name_missing_unknown_computed_and_ill_typed_values():
    values = {k: v["value"] for k, v in full_values().items()}
    del values["V01"], values["R03"]
    values.update(D01=5, X99=True, V02=["registration", "sauna"], F01=1, S03=101, V05="6")
    errors = dict(scoring.input_errors(draft(), values))
    assert errors["V01"] == "missing: 场地面积"
    assert errors["R03"].startswith("missing:")
    assert "computed from platform data" in errors["D01"]
    assert "not an indicator" in errors["X99"]
    assert "unknown item(s) sauna" in errors["V02"]
    assert "expects true or false" in errors["F01"]
    assert "must be at most 100" in errors["S03"]
    assert "expects a number" in errors["V05"]
    assert len(errors) == 8
    assert scoring.input_errors(draft(), {k: v["value"] for k, v in full_values().items()}) == []


# ------------------------------------------------------------------ relaxed districts


def test_relaxed_thresholds_apply_only_in_listed_remote_districts():
    values = full_values(V01=150, S01=2)
    city = score(values, FULL_DIGITAL, district="500103")  # 渝中区
    remote = score(values, FULL_DIGITAL, district="500238")  # 巫溪县
    wanzhou = score(values, FULL_DIGITAL, district="500101")  # 万州区: a regional centre
    assert indicator(city, "V01").points == 0 and not indicator(city, "V01").relaxed
    assert indicator(remote, "V01").points == 5 and indicator(remote, "V01").relaxed
    assert indicator(remote, "S01").points == 2 and indicator(city, "S01").points == 0
    assert remote.relaxed_district and not city.relaxed_district and not wanzhou.relaxed_district
    assert remote.total - city.total == 7
    # Indicators without relaxed tiers keep the standard thresholds everywhere.
    assert not indicator(remote, "V02").relaxed
    assert shortfall(remote, "V01").threshold_missed == "≥ 300m²"


# ------------------------------------------------------------------ vetoes and ratings


@pytest.mark.parametrize("code", ["RV1", "RV2", "RV3"])
def test_each_veto_fails_the_market_whatever_the_score(code):
    result = score(full_values(**{code: True}), FULL_DIGITAL)
    assert result.total == 100 and result.rating == "failed" and result.vetoes == [code]
    gap = shortfall(result, code)
    assert gap.veto and gap.threshold_missed == "不得发生（一票否决）"
    assert indicator(result, code).vetoed


def boundary_standard() -> Standard:
    """One dimension; X (boolean, 60) plus Y whose tiers land totals on 74.9/75/89.9/90."""
    return parse_standard({
        "version": "boundary-test", "title": "边界测试",
        "dimensions": [{"code": "all", "name": "全部", "points": 100}],
        "indicators": [
            {"code": "X", "dimension": "all", "name": "X", "kind": "boolean", "points": 60},
            {"code": "Y", "dimension": "all", "name": "Y", "kind": "number", "points": 40,
             "thresholds": {s: [{"at_least": 1, "points": 14.9}, {"at_least": 2, "points": 15},
                                {"at_least": 3, "points": 29.9}, {"at_least": 4, "points": 30},
                                {"at_least": 5, "points": 40}] for s in ("market", "station")}},
            {"code": "V", "dimension": "all", "name": "收费", "kind": "boolean", "points": 0,
             "veto": True, "pass_when": False},
        ],
    }, "test")


@pytest.mark.parametrize(
    ("y", "total", "rating"),
    [(1, 74.9, "needs_improvement"), (2, 75, "compliant"), (3, 89.9, "compliant"),
     (4, 90, "demonstration"), (5, 100, "demonstration")],
)
def test_rating_boundaries(y, total, rating):
    standard = boundary_standard()
    result = score({"X": True, "Y": y, "V": False}, standard=standard)
    assert result.total == total and result.rating == rating
    vetoed = score({"X": True, "Y": y, "V": True}, standard=standard)
    assert vetoed.total == total and vetoed.rating == "failed"


def test_rate_decides_boundaries_exactly():
    rules = draft().ratings
    kw = {"verified": True, "opening_date": date(2020, 1, 1), "as_of": TODAY}
    assert scoring.rate(Decimal("89.9"), False, rules, **kw)[0] == "compliant"
    assert scoring.rate(Decimal("90"), False, rules, **kw)[0] == "demonstration"
    assert scoring.rate(Decimal("74.9"), False, rules, **kw)[0] == "needs_improvement"
    assert scoring.rate(Decimal("75"), False, rules, **kw)[0] == "compliant"
    assert scoring.rate(Decimal("0.1") + Decimal("0.2") + Decimal("89.7"), False, rules, **kw)[0] \
        == "demonstration"


def test_demonstration_needs_verification_and_three_months_open():
    rules = draft().ratings
    total = Decimal(95)
    ok = scoring.rate(total, False, rules, verified=True, opening_date=date(2026, 8, 28), as_of=TODAY)
    assert ok == ("demonstration", [])
    young = scoring.rate(total, False, rules, verified=True, opening_date=date(2026, 8, 29),
                         as_of=TODAY)
    assert young[0] == "compliant" and "运营未满 3 个月" in young[1][0]
    unverified = scoring.rate(total, False, rules, verified=False, opening_date=date(2020, 1, 1),
                              as_of=TODAY)
    assert unverified == ("compliant", ["示范评定须经核验人员现场核验"])
    unknown = scoring.rate(total, False, rules, verified=True, opening_date=None, as_of=TODAY)
    assert unknown[0] == "compliant" and "未登记开业日期" in unknown[1][0]
    # Month ends clamp: opened 30 November → three months later is 28/29 February.
    assert scoring.add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert scoring.add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)


def test_differences_keep_what_the_inspector_changed():
    submitted = score(full_values(V01=600, V02=["waiting", "training"]), FULL_DIGITAL,
                      verified=False).to_json()
    verified = score(full_values(V01=300, V02=["training", "waiting"], F01=False),
                     FULL_DIGITAL).to_json()
    diffs = scoring.differences(submitted, verified)
    assert [(d["code"], d["submitted"], d["verified"], d["delta"]) for d in diffs] == [
        ("V01", 600, 300, -3.0), ("F01", True, False, -3.0)
    ]


# ------------------------------------------------------------------ computed metrics (pure)


def test_summarise_postings():
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    facts = [
        metrics.PostingFacts(t0, 2, True, t0 + timedelta(hours=2), 2),
        metrics.PostingFacts(t0, 3, True, t0 + timedelta(hours=10), 1),
        metrics.PostingFacts(t0, 5, False, t0 + timedelta(hours=30), 9),  # over-hired: capped
        metrics.PostingFacts(t0, 10, True, None, 0),
    ]
    got = metrics.summarise(facts)
    assert got == {"postings_published": 4, "complete_info_share": 75.0,
                   "median_hours_to_first_match": 10.0, "fill_rate": 40.0, "online_channel": True}
    assert metrics.summarise([]) == {
        "postings_published": 0, "complete_info_share": None,
        "median_hours_to_first_match": None, "fill_rate": None, "online_channel": False,
    }
    assert metrics.is_complete("负责小区日常保洁，工具由雇主提供", "渝中区解放碑", 1)
    assert not metrics.is_complete("保洁", "渝中区解放碑", 1)
    assert not metrics.is_complete("负责小区日常保洁，工具由雇主提供", "渝中区解放碑", 0)


def test_standard_model_round_trips_through_json():
    raw = copy.deepcopy(draft().model_dump(mode="json"))
    assert parse_standard(raw, "round trip") == draft()
