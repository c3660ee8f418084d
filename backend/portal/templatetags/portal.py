from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from backend.portal.access import feature

register = template.Library()

# (url name, label, feature app or None). Feature pages appear once their app is installed.
NAV: dict[str, list[tuple[str, Any, str | None]]] = {
    "coordinator": [
        ("portal:school-dashboard", _("概览"), None),
        ("portal:school-students", _("学生"), None),
        ("portal:school-roster", _("导入花名册"), None),
        ("portal:school-cohorts", _("年级"), None),
        ("portal:school-programs", _("专业"), None),
        ("portal:school-pilots", _("试点项目"), None),
        ("portal:school-placements", _("岗位安排"), None),
        ("portal:checklist", _("八个事先"), "checklist"),
        ("portal:school-matching", _("匹配"), "matching"),
        ("portal:school-agreements", _("协议"), "agreements"),
        ("portal:signing-inbox", _("待签署"), "signing"),
        ("portal:changes", _("变更申请"), "changes"),
        ("portal:school-violations", _("违规"), "rules"),
        ("portal:school-teachers", _("指导教师"), "attendance"),
        ("portal:journals-overview", _("日报周记"), "journals"),
        ("portal:school-subsidy", _("补贴"), "subsidy"),
        ("portal:training", _("培养标准"), "training"),
        ("portal:school-yearly-report", _("年检报告"), "reports"),
        ("portal:school-data-return", _("数据上报"), "reports"),
        ("portal:injuries", _("伤害事故"), "lifecycle"),
    ],
    "hr": [
        ("portal:company-dashboard", _("概览"), None),
        ("portal:company-profile", _("企业信息"), None),
        ("portal:company-posts", _("岗位"), None),
        ("portal:company-mentors", _("师傅"), None),
        ("portal:company-placements", _("学徒"), None),
        ("portal:company-checklist", _("走访与准入"), "checklist"),
        ("portal:company-agreements", _("协议"), "agreements"),
        ("portal:signing-inbox", _("待签署"), "signing"),
        ("portal:changes", _("变更申请"), "changes"),
        ("portal:company-shifts", _("排班"), "rules"),
        ("portal:company-violations", _("违规"), "rules"),
        ("portal:company-sites", _("工作地点与打卡"), "attendance"),
        ("portal:company-subsidy", _("补贴"), "subsidy"),
        ("portal:training", _("培养标准"), "training"),
        ("portal:injuries", _("伤害事故"), "lifecycle"),
    ],
    "bureau": [
        ("portal:bureau-dashboard", _("概览"), None),
        ("portal:bureau-subsidy", _("补助审批与拨付"), "subsidy"),
        ("portal:training", _("培养标准"), "training"),
        ("portal:bureau-yearly-reports", _("年检报告"), "reports"),
        ("portal:bureau-data-return", _("数据上报"), "reports"),
    ],
    "admin": [("portal:bureau-dashboard", _("概览"), None)],
    "student": [
        ("portal:me", _("我的"), None),
        ("portal:me-clock", _("打卡"), "attendance"),
        ("portal:me-journals", _("日报周记"), "journals"),
        ("portal:me-requests", _("补卡/请假"), "attendance"),
        ("portal:me-shifts", _("我的排班"), "rules"),
        ("portal:training", _("培养标准"), "training"),
    ],
    "guardian": [("portal:me", _("我的"), None)],
    "mentor": [
        ("portal:me", _("我的"), None),
        ("portal:mentor-attendance", _("出勤确认"), "attendance"),
        ("portal:journals-review", _("批阅日报周记"), "journals"),
        ("portal:mentor-requests", _("补卡/请假审批"), "attendance"),
        ("portal:training", _("培养标准"), "training"),
    ],
    "teacher": [
        ("portal:teacher-home", _("我的学徒"), "attendance"),
        ("portal:training", _("培养标准"), "training"),
        ("portal:journals-review", _("批阅日报周记"), "journals"),
        ("portal:journals-visits", _("走访记录"), "journals"),
        ("portal:teacher-leave", _("请假审批"), "attendance"),
    ],
}


@register.simple_tag(takes_context=True)
def portal_nav(context: Any) -> list[dict[str, Any]]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    items = []
    for name, label, app in NAV.get(user.role, []):
        if app and not feature(app):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "active": request.path.startswith(url) and url != "/"})
    # The longest matching prefix is the active one (the dashboard's URL is a prefix of every page's).
    active = [i for i in items if i["active"]]
    for item in items:
        item["active"] = bool(active) and item is max(active, key=lambda i: len(i["url"]))
    return items


@register.inclusion_tag("portal/_chart.html")
def chart(series: Any, kind: str = "bar", chart_id: str = "") -> dict[str, Any]:
    return {
        "series": series,
        "kind": kind,
        "data_id": f"{chart_id}-data",
        "data": {"labels": list(series.labels), "values": [float(v) for v in series.values]}
        if series
        else None,
    }


@register.filter
def installed(app_label: str) -> bool:
    """{% if "agreements"|installed %}: whether a feature app is installed."""
    return feature(app_label)


# Notes the services write on a placement's events, as labels (free text typed by a person is shown as typed).
EVENT_NOTES = {
    "created": _("创建"),
    "created by hand": _("手工创建"),
    "adjusted by hand": _("手工调整（岗位、师傅或日期）"),
    "agreement sent": _("协议已发出签署"),
    "agreement declined": _("协议被拒签"),
    "agreement voided": _("协议已作废"),
    "portal": _("在门户中启用"),
    "演示": _("演示数据"),
}


@register.filter
def status_label(code: str) -> str:
    """A placement status code as its label ("proposed" -> 拟安排); "" stays ""."""
    from backend.placements.models import PlacementStatus

    if not code:
        return ""
    try:
        return str(PlacementStatus(code).label)
    except ValueError:
        return code


@register.filter
def event_note(note: str) -> str:
    return str(EVENT_NOTES.get(note, note))


@register.filter
def hazard_labels(tags: Any) -> str:
    """Hazard tags (height, heavy_lifting) as their labels, joined the way the language joins a list."""
    from backend.companies.models import HazardTag

    labels = []
    for tag in tags or []:
        try:
            labels.append(str(HazardTag(tag).label))
        except ValueError:
            labels.append(str(tag))
    return str(_("、")).join(labels)


@register.filter
def claim_standard(claim: Any) -> Any:
    """The training-standard evidence behind a claim (backend.training), or None (an assessment earned it)."""
    if not feature("training"):
        return None
    from backend.training.selectors import claim_standard_summary

    return claim_standard_summary(claim)
