"""A matching proposal's explanation as sentences for the review page, in the page's language.

The matching service stores codes and figures (backend.matching.services._explanation_json, via
`explanation_render`); every kind it writes is rendered here: matched to a choice, placed on a post the student did not
list, unmatched for each reason (no preferences, no eligible choice, every choice full), the refusal of each higher
choice (post full, the POST_CAP / MENTOR_RATIO / COMPANY_CAP caps, not eligible under a rule, a blocking pair after a
change by hand), and a change by hand with the blocking pairs it left.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from backend.core.clock import RULES_ZONE
from backend.matching.services import REFUSAL_FIELDS, explanation_render


def _normalised(stored: Mapping[str, Any]) -> dict[str, Any]:
    """The stored shape `explanation_render` reads, also from the engine's own `as_dict` shape (an `unmatched`
    mapping, refusals as mappings), so that an explanation written either way renders."""
    out = dict(stored)
    unmatched = out.get("unmatched")
    if isinstance(unmatched, Mapping):
        out["unmatched"] = unmatched.get("reason")
    higher = []
    for item in out.get("higher") or []:
        if isinstance(item, Mapping):
            priority = item.get("student_priority", item.get("priority"))
            values = {**item, "priority": priority}
            item = [values.get(name) for name in REFUSAL_FIELDS]
        higher.append(list(item))
    out["higher"] = higher
    return out


# The engine's reasons (backend.matching.engine.MESSAGES), as labels of the portal's catalogue.
REASONS = {
    "POST_FULL": gettext_lazy("岗位已满，已录取的申请人企业排序更靠前"),
    "POST_CAP": gettext_lazy("岗位实习生已达该岗位在岗职工的20%，已录取的申请人企业排序更靠前"),
    "MENTOR_RATIO": gettext_lazy("师傅已带满5名学徒，已录取的申请人企业排序更靠前"),
    "COMPANY_CAP": gettext_lazy("企业实习生已达职工总数的10%，已录取的申请人企业排序更靠前"),
    "NOT_ELIGIBLE": gettext_lazy("不符合条件"),
    "WOULD_ACCEPT": gettext_lazy("该岗位本可录取此学生（阻塞对）"),
    "NO_PREFERENCES": gettext_lazy("未填报志愿"),
    "NO_ELIGIBLE_CHOICE": gettext_lazy("所填志愿均不符合条件"),
    "ALL_CHOICES_FULL": gettext_lazy("所填符合条件的志愿均已被排序更靠前的申请人占满"),
}
# The eligibility rules (backend.matching.eligibility.RULE_MESSAGES).
RULES = {
    "AGE_MIN": gettext_lazy("未满最低年龄，不得安排岗位"),
    "FIRST_YEAR": gettext_lazy("一年级学生不安排岗位实习"),
    "MINOR_FORBIDDEN_WORK": gettext_lazy("未成年工禁忌作业岗位"),
    "HAZARDOUS_POST": gettext_lazy("高危岗位不得安排学生"),
    "POST_REQUIREMENT": gettext_lazy("不符合企业岗位要求（专业或最低成绩）"),
    "POST_NOT_IN_PILOT": gettext_lazy("岗位所属企业不在该试点项目中"),
}


def _reason(code: Any) -> str:
    return str(REASONS.get(str(code), _("其他原因")))


def _score(value: Any) -> str:
    return str(value.get("score")) if isinstance(value, Mapping) and value.get("score") is not None else ""


def _refusal(item: Mapping[str, Any]) -> str:
    why = _reason(item.get("reason"))
    rule = item.get("rule")
    if rule:
        why = _("%(why)s：%(rule)s") % {"why": why, "rule": RULES.get(str(rule), _("岗位条件"))}
    own, last = _score(item.get("score")), _score(item.get("last_admitted"))
    if own and last:
        why += _("（本人得分 %(own)s，最后录取者 %(last)s）") % {"own": own, "last": last}
    return why


def explanation_lines(stored: Mapping[str, Any] | None, posts: Mapping[int, str]) -> list[str]:
    """Where the student went (or why nowhere), why each higher choice did not work, and any change by hand, in
    the active language."""
    if not stored:
        return []
    e = explanation_render(_normalised(stored))
    manual = e.get("manual")
    lines: list[str] = []
    if manual and not e.get("post"):
        lines.append(_("人工调整：不安排岗位"))
    elif e.get("unmatched"):
        lines.append(_("未匹配：%(why)s") % {"why": _reason(e["unmatched"])})
    elif e.get("choice"):
        lines.append(_("第%(n)s志愿录取") % {"n": e["choice"]})
    elif e.get("post"):
        lines.append(_("人工安排（非所填志愿）"))
    for item in e.get("higher", []):
        lines.append(
            _("第 %(n)s 志愿 %(post)s：%(why)s")
            % {"n": item.get("choice"), "post": posts.get(item.get("post"), ""), "why": _refusal(item)}
        )
    if manual:
        at = parse_datetime(str(manual.get("at") or "")) if isinstance(manual, Mapping) else None
        if at is not None:
            when = at.astimezone(RULES_ZONE).strftime("%Y-%m-%d %H:%M")
            lines.append(_("人工调整（%(at)s）") % {"at": when})
        else:
            lines.append(_("人工调整"))
        blocking = e.get("blocking_pairs_after") or 0
        if blocking:
            lines.append(
                ngettext(
                    "调整后本次匹配有 %(n)d 个阻塞对（有学生更愿去的岗位本可录取他）",
                    "调整后本次匹配有 %(n)d 个阻塞对（有学生更愿去的岗位本可录取他）",
                    blocking,
                )
                % {"n": blocking}
            )
    return lines
