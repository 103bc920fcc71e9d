"""Request examples in the OpenAPI document, by schema name: realistic Chongqing data.

tests/test_contract_document.py validates each against its model, so they stay accepted.
"""

from __future__ import annotations

from typing import Any

_JOB: dict[str, Any] = {
    "title": "观音桥商圈餐厅周末帮厨",
    "description": "协助后厨备菜、洗切配，提供工作餐；需持健康证。",
    "employment_type": "part_time",
    "skills": ["帮厨", "洗碗"],
    "headcount": 3,
    "location": {"lat": 29.5763, "lng": 106.5310, "address": "江北区观音桥步行街12号",
                 "district_code": "500105"},
    "starts_at": "2026-12-12T02:00:00Z",
    "ends_at": "2026-12-12T10:00:00Z",
    "wage": {"amount": 2200, "unit": "hour", "settlement": "daily"},
    "urgent": False,
    "injury_protection": True,
}

_WORKER: dict[str, Any] = {
    "name": "李建国",
    "phone": "13983001234",
    "birth_date": "1979-08-16",
    "gender": "male",
    "skills": [{"name": "水电安装", "years": 8}, {"name": "搬运装卸", "years": 3}],
    "home_location": {"lat": 29.5312, "lng": 106.5069, "district_code": "500107"},
    "max_travel_km": 15,
    "min_wage": {"amount": 20000, "unit": "day"},
    "availability": [{"weekday": 6, "start": "08:00", "end": "18:00"}],
    "occupation": "水电工",
    "hukou_chongqing": True,
}

_CONTRIBUTIONS = [
    {"month": "2026-01", "pension_paid_fen": 90000, "medical_paid_fen": 33000},
    {"month": "2026-02", "pension_paid_fen": 90000, "medical_paid_fen": 33000},
]

_MARKET: dict[str, Any] = {
    "name": "渝中区解放碑零工市场",
    "scale": "market",
    "district_code": "500103",
    "address": "渝中区民族路188号",
    "lat": 29.5580,
    "lng": 106.5770,
    "operating_mode": "public_agency",
    "operator": "渝中区就业和人才服务局",
    "service_hotline": "023-63000000",
    "opening_hours": "周一至周六 08:00–18:00",
}

_VALUES = {"V01": {"value": 620, "evidence_url": "https://files.example.cn/venue.jpg"},
           "V02": {"value": ["registration", "information", "interview", "waiting"]},
           "V03": {"value": True}}

REQUEST_EXAMPLES: dict[str, Any] = {
    "ApiKeyCreate": {"name": "渝中区零工市场前台", "role": "market", "subject_id": 12},
    "AcceptApplicationIn": {"agreement_type": "service_agreement"},
    "DecisionIn": {"note": "本次岗位已招满，感谢报名。"},
    "VerificationCreate": {"values": _VALUES, "note": "现场核查：场地与材料一致。"},
    "AssessmentCreate": {"values": _VALUES, "note": "2026年第四季度自评"},
    "EmployerCreate": {"name": "重庆山城家政服务有限公司", "credit_code": "91500103MA5U7XYP3G",
                       "kind": "employer", "contact_name": "王芳",
                       "contact_phone": "13800231234", "district_code": "500103"},
    "EmployerPatch": {"contact_name": "陈敏", "contact_phone": "13908301234"},
    "VerificationIn": {"status": "verified", "note": "营业执照与统一社会信用代码核对无误。"},
    "CancelIn": {"reason": "工地停工，本周不再需要。"},
    "AttendanceIn": {"location": {"lat": 29.5763, "lng": 106.5311}},
    "CheckOutIn": {"location": {"lat": 29.5764, "lng": 106.5310}},
    "ResolutionIn": {"note": "同意雇主核定的7小时。"},
    "HoursIn": {"decision": "dispute", "minutes": 420, "reason": "中午休息一小时未计入。"},
    "PaymentIn": {"amount": 17600, "method": "wechat", "reference": "微信转账 4200001234"},
    "RatingIn": {"score": 5, "comment": "准时到岗，干活麻利。"},
    "RedeliverIn": {"endpoint_id": 7},
    "JobCreate": _JOB,
    "JobPatch": {"headcount": 4, "urgent": True},
    "ApplicationIn": {"message": "有健康证，周末两天都可以。"},
    "OfferIn": {"worker_id": 1042, "message": "上次合作愉快，这周六还来吗？"},
    "ReviewIn": {"decision": "approve", "note": "工资高于最低工资标准，信息完整。"},
    "MarketCreate": _MARKET,
    "MarketPatch": {"opening_hours": "周一至周日 07:30–18:30"},
    "GrantIn": {"partner_key_id": 31, "employer_id": 205},
    "PartnerJobIn": {**_JOB, "employer_id": 205},
    "StaffingPlanIn": {"job_ids": [1042, 1043]},
    "AssessmentIn": {"worker_id": 1042, "as_of_date": "2026-03-10",
                     "contributions": _CONTRIBUTIONS},
    "BatchIn": {"as_of_date": "2026-03-10", "items": [
        {"worker_id": 1042, "contributions": _CONTRIBUTIONS},
        {"worker_id": 1043, "contributions": _CONTRIBUTIONS[:1]},
    ]},
    "ParametersIn": {"year": 2026, "pension_lowest_fen": 90000, "medical_lowest_fen": 33000,
                     "eligible_job_types": ["家政服务", "transport.ride_hailing"],
                     "note": "渝人社发〔2026〕号文公布的当年缴费基数下限"},
    "ParametersPatch": {"note": "更正医保最低缴费额"},
    "EndpointCreate": {"url": "https://hooks.yuzhipin.example.cn/gigmarket",
                       "event_types": ["job.*", "engagement.completed"],
                       "description": "渝职聘岗位同步"},
    "EndpointPatch": {"event_types": ["job.*"]},
    "RotateIn": {"overlap_seconds": 86400},
    "WorkerCreate": _WORKER,
    "WorkerPatch": {"max_travel_km": 20, "phone": "13983005678"},
    # agreements, injury cover and complaints (items 十四, 十五, 十六)
    "AgreementCreate": {"kind": "part_time_contract",
                        "rest_text": "每工作4小时休息30分钟，法定节假日不安排工作。"},
    "SigningCodeIn": {"side": "worker"},
    "SignatureIn": {"side": "worker", "code": "482913"},
    "ProtectionIn": {"type": "occupational_injury_pilot", "insurer": "中国人民财产保险重庆分公司",
                     "policy_no": "PICC-CQ-2026-0012345", "from_date": "2026-12-01",
                     "to_date": "2027-11-30",
                     "evidence_url": "https://files.example.cn/policies/0012345.pdf"},
    "ReportedEngagementIn": {
        "employer_id": 205, "worker_ref": "rider-8812", "occupation": "rider",
        "agreement_kind": "written_agreement", "week_start_date": "2026-11-30",
        "weekly_minutes": 2580,
        "protection": {"type": "occupational_injury_pilot", "insurer": "中国太平洋保险重庆分公司",
                       "policy_no": "CPIC-2026-778812"},
        "arrears_fen": 0},
    "ComplaintCreate": {"subject": {"type": "job", "id": 1042}, "category": "fees_asked",
                        "description": "面试时要求先交300元服装费和200元体检费，才能上岗。"},
    "ComplaintAssignmentIn": {"inspector_key_id": 31},
    "ComplaintDecisionIn": {"outcome": "substantiated", "suspend_posting": True,
                            "note": "经现场核实，确有收取服装费行为，已责令退还。"},
    # training (items 十一, 十二)
    "ShortageTradeIn": {"skill_code": "eldercare.caregiver", "district_code": "500112",
                        "period_start_date": "2027-01-01", "period_end_date": "2027-06-30",
                        "demand_figures": {"open_positions": 420, "unfilled_headcount": 260},
                        "note": "渝北区养老机构护理员缺口（零工市场登记）"},
    "ShortageTradePatch": {"period_end_date": "2027-12-31"},
    "InstitutionIn": {"name": "重庆渝才职业培训学校", "credit_code": "91500103MA5U7XYP3G",
                      "licence_no": "渝人社培字2026第0088号", "district_codes": ["500103", "500105"],
                      "delivery": "both", "voucher_eligible": True},
    "InstitutionPatch": {"district_codes": ["500103", "500105", "500112"]},
    "SubsidyRateIn": {"level": "专项能力", "year": 2027, "amount_fen": 80000,
                      "source": "重庆市职业技能培训补贴标准目录（2027年）"},
    "SubsidyRatePatch": {"amount_fen": 90000},
    "CourseIn": {"title": "直播电商运营（满天星数字技能）",
                 "description": "短视频拍摄剪辑、直播间搭建与带货话术，结业可申请专项能力证书。",
                 "skill_codes": ["media.live_host", "media.ecommerce_ops"],
                 "certificate": "直播销售员专项能力证书", "hours": 40, "delivery": "online",
                 "digital_skills": True, "starts_on_date": "2027-01-11",
                 "ends_on_date": "2027-02-05", "schedule": "每周一、三、五 19:00–21:00",
                 "capacity": 200, "price_fen": 120000, "subsidy_level": "专项能力"},
    "CoursePatch": {"capacity": 300},
    "EnrolmentIn": {"worker_id": 1042},
    "CourseAttendanceIn": {"hours": 2, "attended_on_date": "2027-01-11"},
    "CompletionIn": {"certificate_no": "ZXNL-2027-000123"},
    "VoucherProgrammeIn": {"quota": 10000,
                           "rules": {"target_groups": [], "registered_only": True,
                                     "per_worker": 1, "validity_days": 180}},
    "VoucherIssueIn": {"worker_id": 1042},
    "VoucherRedeemIn": {"course_id": 77},
    "VoucherCancelIn": {"reason": "本人放弃参训，额度退回。"},
    "TrainingWishIn": {"skill": "直播带货", "district_code": "500238", "people": 7,
                       "note": "乡村振兴直播需求（现场登记）"},
}


def standard_example() -> dict[str, Any]:
    """A new version of the built-in standard (the whole document is long, so it is derived)."""
    from app.markets.standards import builtin_standards

    current = next(iter(builtin_standards().values()))
    return {**current.model_dump(mode="json", exclude_none=True),
            "version": "cq-2026-trial", "status": "trial"}


# Answers of the main single resources (tests validate them against the response models).
RESPONSE_EXAMPLES: dict[str, Any] = {
    "EmployerOut": {
        "id": 205, "name": "重庆山城家政服务有限公司", "credit_code": "91500103MA5U7XYP3G",
        "kind": "employer", "contact_name": "王芳", "contact_phone": "138****1234",
        "district_code": "500103", "verification_status": "verified",
        "verified_at": "2026-12-01T03:12:00Z", "verification_note": None,
        "licence_no": None, "licence_expiry_date": None, "substantiated_complaints": 0,
        "posting_blocked_at": None,
        "created_at": "2026-11-30T08:00:00Z", "updated_at": "2026-12-01T03:12:00Z",
    },
    "JobOut": {
        "id": 1042, "employer_id": 205, "title": _JOB["title"], "description": _JOB["description"],
        "employment_type": "part_time",
        "skills": [{"raw": "帮厨", "skill_code": "catering.kitchen_helper",
                    "skill_name": "帮厨", "similarity": 1.0}],
        "headcount": 3,
        "location": {"lat": 29.5763, "lng": 106.5310, "address": "江北区观音桥步行街12号",
                     "district_code": "500105"},
        "radius_km": None, "starts_at": "2026-12-12T02:00:00Z", "ends_at": "2026-12-12T10:00:00Z",
        "shifts": [], "wage": {"amount": 2200, "unit": "hour", "settlement": "daily"},
        "requirements": {"gender": None, "min_age": 18, "max_age": None,
                         "certificates": ["健康证"]},
        "urgent": False, "injury_protection": True, "source": None, "external_id": None,
        "status": "open", "review_note": None, "registered_by_market_id": None,
        "unrecognised_skills": [], "agreement_required": True, "on_behalf_of_employer_id": None,
        "subcontract_chain": [], "subcontract_flagged": False, "suspension_reason": None,
        "published_at": "2026-12-03T06:00:00Z", "created_at": "2026-12-03T06:00:00Z",
        "updated_at": "2026-12-03T06:00:00Z",
    },
    "WorkerOut": {
        "id": 1042, "name": "李建国", "phone": "139****1234", "phone_masked": True, "age": 47,
        "birth_date": None, "gender": "male",
        "skills": [{"raw": "水电安装", "skill_code": "construction.plumbing_electrical",
                    "skill_name": "水电安装", "similarity": 0.93, "years": 8}],
        "certificates": ["低压电工作业证"],
        "home_location": {"lat": 29.53, "lng": 106.51, "district_code": "500107"},
        "max_travel_km": 15, "availability": [{"weekday": 6, "start": "08:00", "end": "18:00"}],
        "available_from_date": None, "available_until_date": None,
        "min_wage": {"amount": 20000, "unit": "day"}, "target_groups": [],
        "hukou_chongqing": True, "registered_unemployed_date": None, "graduation_date": None,
        "occupation": "水电工", "occupation_code": "6-29-03-01", "status": "active",
        "unrecognised_skills": [],
        "registered_by_market_id": 12, "created_at": "2026-11-02T01:00:00Z",
        "updated_at": "2026-11-02T01:00:00Z",
    },
}
