"""Short names of the rule codes (docs/domain.md), for charts and filters. The codes themselves never change."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from backend.rules.codes import RuleCode

RULE_LABELS: dict[str, Any] = {
    RuleCode.AGE_MIN: _("未满16岁"),
    RuleCode.AGREEMENT_PARTIES: _("协议签署方"),
    RuleCode.FIRST_YEAR: _("一年级学生"),
    RuleCode.AGREEMENT_SIGNED: _("协议未签署"),
    RuleCode.MENTOR_RATIO: _("师徒比例"),
    RuleCode.COMPANY_CAP: _("企业实习生比例"),
    RuleCode.POST_CAP: _("岗位实习生比例"),
    RuleCode.TOTAL_DURATION: _("在企总时长"),
    RuleCode.HEALTH_CHECK: _("健康检查"),
    RuleCode.INSURANCE: _("保险"),
    RuleCode.MINOR_FORBIDDEN_WORK: _("未成年人禁忌作业"),
    RuleCode.HAZARDOUS_POST: _("高危岗位"),
    RuleCode.PAY_FLOOR: _("报酬下限"),
    RuleCode.NO_FEES: _("违规收费"),
    RuleCode.DAILY_HOURS: _("每日工时"),
    RuleCode.WEEKLY_HOURS: _("每周工时"),
    RuleCode.NIGHT_WORK: _("夜班"),
    RuleCode.HOLIDAY_WORK: _("法定节假日工作"),
    RuleCode.OVERTIME: _("加班"),
    RuleCode.REST_DAY: _("休息日"),
    RuleCode.HOST_VISIT: _("企业走访"),
    RuleCode.HOST_APPROVED: _("合作企业准入"),
    RuleCode.CONSENT: _("知情同意书"),
    RuleCode.FILING: _("实习备案"),
    RuleCode.PLACEMENT_PLAN: _("实习计划与应急预案"),
    RuleCode.SAFETY_TRAINING: _("岗前安全培训"),
    RuleCode.OUT_OF_PROVINCE: _("跨省实习审批"),
}


def rule_label(code: str) -> str:
    return str(RULE_LABELS.get(code, code))
