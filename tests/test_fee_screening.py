"""Fee screening reads denials, the employer paying and subsidies (issue 12 item 4).

Every phrase is something a real posting says; each must behave, and a refusal names the
phrase that triggered it.
"""

from __future__ import annotations

import pytest

from app.jobs.screening import find_fee_request
from tests.conftest import auth, job_body

HONEST = [
    "押金由公司承担，员工无需缴纳。",
    "另发服装费补贴50元",
    "不收任何押金，免培训费，日结",
    "本岗位不收取任何费用",
    "无需缴纳保证金",
    "零押金，当天上岗",
    "押金：无",
    "押金全免",
    "体检费公司报销",
    "体检费由公司承担",
    "公司承担体检费",
    "入职体检费用全额报销",
    "工服由公司免费提供，不收服装费",
    "服装费公司出",
    "培训费由单位支付",
    "岗前培训免费，不收培训费",
    "绝不收取中介费",
    "我们没有任何中介费",
    "严禁向求职者收取押金",
    "拒绝任何形式的保证金",
    "凡收取押金的均为诈骗，请举报",
    "谨防刷单诈骗",
    "不用交押金，不扣身份证",
    "无押金、无中介费、无培训费",
    "每月发放体检费补贴100元",
    "报销体检费",
    "公司统一承担工装费",
    "工作服公司统一发放，无需自费购买",
    "不需要先交钱",
    "厂里包吃包住，不收押金",
    "介绍费老板出，工人不用管",
    "住宿免费，押金为零",
    "保证金0元",
    "报名费全免",
    "免费体检，免费培训",
    "管吃管住，日结工资，不押工资",
    "本店不存在任何押金",
    "员工无须预交任何费用",
]

REFUSED = [
    ("入职需交押金200元", "押金"),
    ("上岗前收取培训费300元", "培训费"),
    ("服装费自理", "服装费"),
    ("需缴纳保证金500元，干满三个月退还", "保证金"),
    ("押金300元，离职时退", "押金"),
    ("体检费个人承担", "体检费"),
    ("入职体检费80元自付", "体检费"),
    ("需交中介费200元", "中介费"),
    ("中介费：300元", "中介费"),
    ("介绍费一次性收取", "介绍费"),
    ("报名费50元", "报名费"),
    ("身份证原件押在公司", "身份证原件押在"),
    ("入职扣押身份证", "扣押身份证"),
    ("公司代为扣押毕业证", "扣押毕业证"),
    ("可办理培训贷，学完再还", "培训贷"),
    ("无钱培训可分期培训", "分期培训"),
    ("需先垫付货款，次日返还", "需先垫付"),
    ("刷单兼职，日赚300", "刷单"),
    ("在家刷信誉，佣金日结", "刷信誉"),
    ("首月押一个月工资", "押一个月工资"),
    ("工服费100元从工资扣", "工服费"),
    ("工资中扣除服装费150元", "服装费"),
    ("办卡费30元", "办卡费"),
    ("上岗前先交钱领工牌", "先交"),
    ("需预交住宿费", "预交"),
    ("资料费20元", "资料费"),
    ("收取管理费每月100", "管理费"),
    ("入职费200", "入职费"),
    ("信息费50元，包介绍工作", "信息费"),
    ("缴纳会员费后派单", "会员费"),
    ("需自费体检", "自费体检"),
    ("工装费自理", "工装费"),
    ("无经验交押金也可", "押金"),
    ("保证金：５００元", "保证金"),
    ("押金（可退）２００元", "押金"),
    ("办证费个人出", "办证费"),
    ("公司提供住宿需交押金", "押金"),
    ("老板包吃住先交保证金", "保证金"),
]


def test_table_is_large_enough():
    assert len(HONEST) >= 30 and len(REFUSED) >= 30


@pytest.mark.parametrize("text", HONEST)
def test_honest_postings_pass(text):
    assert find_fee_request({"description": text}) is None


@pytest.mark.parametrize(("text", "phrase"), REFUSED)
def test_fee_requests_are_refused_naming_the_phrase(text, phrase):
    finding = find_fee_request({"description": text})
    assert finding is not None, text
    assert finding.term == phrase and finding.field == "description"


async def test_the_api_refuses_naming_the_phrase_and_accepts_the_employer_paying(client, world):
    _eid, key = await world.employer()
    for text in ("押金由公司承担，员工无需缴纳。", "另发服装费补贴50元"):
        r = await client.post("/v1/jobs", json=job_body(description=text), headers=auth(key))
        assert r.status_code == 201, r.text
        assert r.json()["description"] == text
    r = await client.post("/v1/jobs", json=job_body(description="包吃住。入职扣押身份证，满月归还。"),
                          headers=auth(key))
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["reason"] == "fee_requested" and problem["phrase"] == "扣押身份证"
    assert "扣押身份证" in problem["errors"][0]["detail"]
    assert problem["errors"][0]["pointer"] == "/description"
