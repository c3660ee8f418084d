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
}


def rule_label(code: str) -> str:
    return str(RULE_LABELS.get(code, code))
