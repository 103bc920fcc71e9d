"""Problem titles and details in Simplified Chinese for callers that ask for it.

A request with `Accept-Language: zh-CN` (or zh, zh-Hans, zh-SG, ranked above English by
q-value) gets problem `title` and `detail` in Simplified Chinese, field errors included; every
other request gets English. The language is chosen once per request by RequestContextMiddleware
and read by problem_body(), so every problem, from handlers and raw middleware alike, follows.

A new problem type needs one entry in TITLES_ZH (a test fails without it) and may add a generic
detail in DETAILS_ZH; a raise site with a precise Chinese sentence passes
`Problem(..., detail_zh=...)`. Field errors from validation are translated by pydantic's error
type (FIELD_ERRORS_ZH), with the error's context filled in.
"""

from __future__ import annotations

import contextvars
from typing import Any

ZH = "zh-CN"
EN = "en"

LANGUAGE: contextvars.ContextVar[str] = contextvars.ContextVar("gigmarket_language", default=EN)

# Slug → title. Keep one entry per slug raised anywhere in app/ (tests/test_i18n.py checks).
TITLES_ZH: dict[str, str] = {
    "bad-request": "请求有误",
    "unauthorized": "未认证",
    "forbidden": "无权操作",
    "not-found": "未找到",
    "method-not-allowed": "不支持该请求方法",
    "conflict": "冲突",
    "concurrent-change": "并发修改冲突",
    "precondition-failed": "前置条件不满足",
    "content-too-large": "请求内容过大",
    "unsupported-media-type": "不支持的内容类型",
    "validation-error": "校验失败",
    "rate-limited": "请求过于频繁",
    "internal-error": "服务器内部错误",
    "database-unavailable": "服务暂不可用",
    "not-ready": "服务尚未就绪",
    "bad-idempotency-key": "幂等键无效",
    "idempotency-key-reused": "幂等键被重复使用",
    "idempotency-in-flight": "请求正在处理中",
    "idempotent-secret-withheld": "响应无法重放",
    "posting-rejected": "岗位未通过审核",
    "duplicate-posting": "重复发布的岗位",
    "headcount-below-hired": "招聘人数少于已录用人数",
    "job-not-open": "岗位未开放",
    "job-full": "岗位已招满",
    "job-ended": "岗位已结束",
    "job-work-started": "岗位已开工",
    "no-profile": "尚无求职者档案",
    "duplicate-application": "重复报名",
    "duplicate-offer": "重复发出录用通知",
    "already-hired": "已被录用",
    "offer-expired": "录用通知已过期",
    "worker-inactive": "求职者已停用",
    "worker-double-booked": "求职者时间冲突",
    "illegal-transition": "不允许的状态变更",
    "check-in-not-open": "尚未到签到时间",
    "dispute-open": "争议尚未处理",
    "grace-period": "仍在宽限期内",
    "already-rated": "已评价",
    "endpoint-disabled": "回调地址已停用",
    "subsidy-parameters-missing": "缺少补贴参数",
    # training (items 十一, 十二)
    "voucher-quota-exhausted": "培训券年度额度已用完",
    "voucher-not-eligible": "不符合培训券领取条件",
    "voucher-unusable": "培训券不可使用",
    "course-not-voucher-eligible": "该课程不支持使用培训券",
    "voucher-already-reissued": "培训券已补发",
    "course-full": "课程名额已满",
    "enrolment-state": "报名状态不允许此操作",
    "institution-not-listed": "培训机构未列入目录",
    "course-closed": "课程已关闭报名",
    "already-enrolled": "已报名该课程",
    "catalogue-duplicate": "目录中已存在",
    "catalogue-not-proposed": "该条目不是待发布的提议",
    # agreements and complaints (items 十五, 十六)
    "agreement-unsigned": "协议未签署",
    "agreement-exists": "协议已存在",
    "agreement-already-signed": "该方已签署",
    "signing-code-invalid": "签署验证码无效",
    "complaint-decided": "投诉已办结",
}

# Slug → a generic Chinese detail, used when the raise site gives no detail_zh; the English
# detail (which may name a field, a phrase, an id) follows it in parentheses.
DETAILS_ZH: dict[str, str] = {
    "unauthorized": "请以“Authorization: Bearer gm_live_…”提供有效的 API 密钥",
    "forbidden": "此 API 密钥的角色或权限不允许该操作",
    "not-found": "资源不存在，或您无权查看",
    "method-not-allowed": "该路径不支持此请求方法",
    "concurrent-change": "同一记录被并发修改，请重试",
    "precondition-failed": "If-Match 与当前 ETag 不一致，请重新读取后再修改",
    "validation-error": "请求内容无效",
    "rate-limited": "请求过于频繁，请稍后重试",
    "internal-error": "服务器无法完成该请求，已记录日志",
    "database-unavailable": "数据库暂不可用，请稍后重试",
    "not-ready": "数据库无法连接",
    "content-too-large": "请求体超过大小限制",
    "bad-idempotency-key": "Idempotency-Key 须为 1–255 个可打印字符",
    "idempotency-key-reused": "该 Idempotency-Key 已用于不同的请求",
    "idempotency-in-flight": "使用该 Idempotency-Key 的请求仍在处理中，请稍后重试",
    "idempotent-secret-withheld": "首次请求已成功，其响应包含只显示一次的密钥，无法重放",
    "posting-rejected": "岗位内容未通过审核",
}

# Pydantic error type → Chinese template; {placeholders} come from the error's ctx.
FIELD_ERRORS_ZH: dict[str, str] = {
    "missing": "必填项",
    "extra_forbidden": "未知参数（此操作接受：{accepted}）",
    "json_invalid": "请求体不是有效的 JSON",
    "json_type": "请求体须为 JSON",
    "model_attributes_type": "须为 JSON 对象",
    "dict_type": "须为 JSON 对象",
    "list_type": "须为列表",
    "string_type": "须为字符串",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符合要求",
    "int_type": "须为整数",
    "int_parsing": "须为整数",
    "int_from_float": "须为整数",
    "float_type": "须为数字",
    "float_parsing": "须为数字",
    "decimal_parsing": "须为数字",
    "decimal_type": "须为数字",
    "bool_type": "须为布尔值",
    "bool_parsing": "须为布尔值（true 或 false）",
    "greater_than": "须大于 {gt}",
    "greater_than_equal": "须大于或等于 {ge}",
    "less_than": "须小于 {lt}",
    "less_than_equal": "须小于或等于 {le}",
    "multiple_of": "须为 {multiple_of} 的倍数",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "enum": "须为以下之一：{expected}",
    "literal_error": "须为以下之一：{expected}",
    "date_type": "须为日期（YYYY-MM-DD）",
    "date_parsing": "须为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "须为日期（YYYY-MM-DD）",
    "datetime_type": "须为带时区的日期时间（ISO 8601）",
    "datetime_parsing": "须为带时区的日期时间（ISO 8601）",
    "datetime_from_date_parsing": "须为带时区的日期时间（ISO 8601）",
    "timezone_aware": "须带时区",
    "url_parsing": "须为有效的 URL",
    "url_scheme": "URL 协议须为：{expected_schemes}",
    "uuid_parsing": "须为 UUID",
    "value_error": "取值无效：{reason}",
    "assertion_error": "取值无效：{reason}",
}

_CHINESE = {"zh", "zh-cn", "zh-hans", "zh-sg", "zh-hans-cn", "zh-hans-sg"}


def preferred_language(header: str | None) -> str:
    """zh-CN when the caller ranks Simplified Chinese above English (RFC 9110 q-values;
    q=0 means "not this"), else en. Traditional Chinese (zh-TW, zh-Hant) is not offered."""
    best_q, best = 0.0, EN
    for part in (header or "").split(","):
        tag, *params = (p.strip() for p in part.split(";"))
        tag = tag.lower()
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if not tag or not 0 < q <= 1:
            continue
        if tag in _CHINESE:
            language = ZH
        elif tag == "en" or tag.startswith("en-") or tag == "*":
            language = EN
        else:
            continue
        if q > best_q:  # ties keep the earlier entry (the caller's order)
            best_q, best = q, language
    return best


def title_for(slug: str, english: str) -> str:
    return TITLES_ZH.get(slug, english) if LANGUAGE.get() == ZH else english


def detail_for(slug: str, english: str, detail_zh: str | None = None) -> str:
    if LANGUAGE.get() != ZH:
        return english
    if detail_zh:
        return detail_zh
    generic = DETAILS_ZH.get(slug)
    if generic is None:
        return english
    return generic if english in ("", generic) else f"{generic}（{english}）"


def field_error_zh(error: dict[str, Any], english: str) -> str:
    """The Chinese message for one pydantic error (its type and ctx)."""
    template = FIELD_ERRORS_ZH.get(str(error.get("type")))
    if template is None:
        return f"取值无效：{english}"
    ctx = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    ctx.setdefault("reason", english)
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template.split("{")[0].rstrip("：（ ") or f"取值无效：{english}"
