"""Short names of the rule codes (docs/domain.md), for charts and filters. The codes themselves never change."""

from django.utils.translation import gettext_lazy as _

RULE_LABELS = {
    "AGE_MIN": _("未满16岁"),
    "AGREEMENT_PARTIES": _("协议签署方"),
    "FIRST_YEAR": _("一年级学生"),
    "AGREEMENT_SIGNED": _("协议未签署"),
    "MENTOR_RATIO": _("师徒比例"),
    "COMPANY_CAP": _("企业实习生比例"),
    "POST_CAP": _("岗位实习生比例"),
    "TOTAL_DURATION": _("在企总时长"),
    "HEALTH_CHECK": _("健康检查"),
    "INSURANCE": _("保险"),
    "MINOR_FORBIDDEN_WORK": _("未成年人禁忌作业"),
    "HAZARDOUS_POST": _("高危岗位"),
    "PAY_FLOOR": _("报酬下限"),
    "NO_FEES": _("违规收费"),
    "DAILY_HOURS": _("每日工时"),
    "WEEKLY_HOURS": _("每周工时"),
    "NIGHT_WORK": _("夜班"),
    "HOLIDAY_WORK": _("法定节假日工作"),
    "OVERTIME": _("加班"),
    "REST_DAY": _("休息日"),
}


def rule_label(code: str) -> str:
    return str(RULE_LABELS.get(code, code))
