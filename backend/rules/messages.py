"""Chinese and English messages for working-time findings, built from the stored figures.

The audit stores only figures (JSON); the API, notices and entry checks all phrase them here, so a
violation reads the same wherever it appears.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from backend.rules.codes import RuleCode


def hm(minutes: int) -> str:
    """480 -> '8:00'."""
    return f"{minutes // 60}:{minutes % 60:02d}"


def _week(start: date, end: date, figures: dict[str, Any]) -> tuple[str, str]:
    iso = figures.get("iso_week") or f"{start.isocalendar()[0]}-W{start.isocalendar()[1]:02d}"
    year, week = iso.split("-W")
    return (
        f"{year} 年第 {int(week)} 周（{start.isoformat()} 至 {end.isoformat()}）",
        f"ISO week {iso} ({start.isoformat()} to {end.isoformat()})",
    )


def describe(code: str, start: date, end: date, f: dict[str, Any]) -> tuple[str, str]:
    """(message, message_en) for a working-time finding."""
    day = start.isoformat()
    if code == RuleCode.DAILY_HOURS:
        a, lim = hm(f["actual_minutes"]), hm(f["limit_minutes"])
        return (
            f"{day} 工作 {a} 小时，每日上限为 {lim} 小时",
            f"{day}: {a} h of work; the daily limit is {lim} h",
        )
    if code == RuleCode.WEEKLY_HOURS:
        zh, en = _week(start, end, f)
        a, lim = hm(f["actual_minutes"]), hm(f["limit_minutes"])
        return (
            f"{zh}工作 {a} 小时，每周上限为 {lim} 小时",
            f"{en}: {a} h of work; the weekly limit is {lim} h",
        )
    if code == RuleCode.NIGHT_WORK:
        a, w = f["actual_minutes"], f["window"]
        return (
            f"{day} 在夜间时段（{w}）工作 {a} 分钟，夜间不得安排工作",
            f"{day}: {a} min of work inside the night window {w}; no night work is allowed",
        )
    if code == RuleCode.HOLIDAY_WORK:
        a, name = hm(f["actual_minutes"]), f.get("holiday", "")
        return (
            f"{day} 是法定节假日（{name}），安排工作 {a} 小时",
            f"{day} is a statutory holiday ({name}); {a} h of work",
        )
    if code == RuleCode.REST_DAY:
        zh, en = _week(start, end, f)
        a, lim = f["actual_days"], f["limit_days"]
        return (f"{zh}休息 {a} 天，每周至少休息 {lim} 天", f"{en}: {a} rest days; at least {lim} required")
    if code == RuleCode.OVERTIME:
        p, w, x, lim = (
            hm(f[k]) for k in ("planned_minutes", "worked_minutes", "actual_minutes", "limit_minutes")
        )
        return (
            f"{day} 实际工作 {w} 小时，排班 {p} 小时，超出 {x} 小时（允许 {lim} 小时）",
            f"{day}: worked {w} h against {p} h planned, {x} h beyond the schedule (allowed {lim} h)",
        )
    if code == "SHIFT_OVERLAP":  # an entry refusal, not a rule of the domain
        return (
            f"班次 {f['shift']} 与已有班次 {f['overlaps']} 时间重叠",
            f"shift {f['shift']} overlaps shift {f['overlaps']}",
        )
    # gate-type findings stored by the audit carry their own text
    return (str(f.get("message", code)), str(f.get("message_en", code)))
