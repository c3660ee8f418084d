"""Eligibility gates checked before a placement is proposed and before it becomes active.

Pure functions over plain values (no ORM, no clock). Each check returns ``GateResult`` items:
severity "error" refuses the action, "warning" is reported without refusing. Every result carries its
rule code, a Chinese and an English message with the figures, and the figures themselves.

Stages: at "propose" the gates that depend on paperwork done later (AGREEMENT_SIGNED is skipped;
HEALTH_CHECK and INSURANCE are reported as warnings); at "activate" every gate refuses.
"""

from __future__ import annotations

import calendar as _stdcal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Any

from backend.core.ids import age_on
from backend.rules.codes import RuleCode
from backend.rules.policy import INSURANCE_KIND_LABELS_ZH, TAG_LABELS_ZH, Policy

PROPOSE = "propose"
ACTIVATE = "activate"
ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class GateResult:
    code: str
    severity: str
    figures: dict[str, Any]
    message: str
    message_en: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "figures": self.figures,
            "message": self.message,
            "message_en": self.message_en,
        }


# -- date helpers -----------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """Calendar month arithmetic; the 31st becomes the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, _stdcal.monthrange(year, month)[1]))


def nth_birthday(birth: date, years: int) -> date:
    """The day a person reaches ``years`` full years; 29 Feb births reach it on 1 Mar in common years."""
    year = birth.year + years
    if birth.month == 2 and birth.day == 29 and not _stdcal.isleap(year):
        return date(year, 3, 1)
    return birth.replace(year=year)


def months_in(start: date, end: date) -> Decimal:
    """Length of the inclusive period [start, end] in calendar months (fractions by days of the month)."""
    stop = end + timedelta(days=1)
    whole = 0
    while add_months(start, whole + 1) <= stop:
        whole += 1
    anchor = add_months(start, whole)
    rest = (stop - anchor).days
    month_len = (add_months(anchor, 1) - anchor).days
    return Decimal(whole) + Decimal(rest) / Decimal(month_len)


def merge_periods(periods: Iterable[tuple[date, date]]) -> list[tuple[date, date]]:
    merged: list[tuple[date, date]] = []
    for start, end in sorted(periods):
        if merged and start <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _q1(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _pct(p: Decimal) -> str:
    return f"{p.normalize():f}%"


# -- individual gates -------------------------------------------------------------------------


def check_age_min(
    *, student_name: str, birth_date: date, start_date: date, policy: Policy
) -> list[GateResult]:
    age = age_on(birth_date, start_date)
    if age >= policy.min_age:
        return []
    turns = nth_birthday(birth_date, policy.min_age)
    return [
        GateResult(
            RuleCode.AGE_MIN,
            ERROR,
            {
                "limit_age": policy.min_age,
                "age": age,
                "start_date": start_date.isoformat(),
                "reaches_limit_on": turns.isoformat(),
            },
            f"学生 {student_name} 在开始日期 {start_date.isoformat()} 时 {age} 周岁，"
            f"未满 {policy.min_age} 周岁"
            f"（{turns.isoformat()} 年满 {policy.min_age} 周岁）",
            f"student {student_name} is {age} on the start date {start_date.isoformat()}, "
            f"under the minimum age "
            f"of {policy.min_age} (turns {policy.min_age} on {turns.isoformat()})",
        )
    ]


def check_first_year(
    *, student_name: str, cohort_entry_year: int | None, start_date: date, policy: Policy
) -> list[GateResult]:
    if not policy.first_year_forbidden or cohort_entry_year is None:
        return []
    second_year = date(cohort_entry_year + 1, policy.school_year_start_month, 1)
    if start_date >= second_year:
        return []
    return [
        GateResult(
            RuleCode.FIRST_YEAR,
            ERROR,
            {
                "entry_year": cohort_entry_year,
                "start_date": start_date.isoformat(),
                "earliest_start": second_year.isoformat(),
            },
            f"学生 {student_name} 为 {cohort_entry_year} 级，{start_date.isoformat()} 仍在第一学年，"
            f"第一学年以在校学习为主，最早 {second_year.isoformat()} 起可安排岗位实习",
            f"student {student_name} (entry year {cohort_entry_year}) is still in the first school year on "
            f"{start_date.isoformat()}; the first year is school study, "
            f"the earliest start is {second_year.isoformat()}",
        )
    ]


def check_agreement_signed(*, agreement_signed: bool) -> list[GateResult]:
    if agreement_signed:
        return []
    return [
        GateResult(
            RuleCode.AGREEMENT_SIGNED,
            ERROR,
            {"signed": False},
            "协议尚未由各方全部签署，不得开始实习",
            "the agreement is not signed by every party; the placement cannot become active",
        )
    ]


def check_mentor_ratio(
    *, mentor_name: str | None, other_apprentices: int, policy: Policy
) -> list[GateResult]:
    """``other_apprentices``: the mentor's current apprentices, not counting this placement."""
    if mentor_name is None:
        return [
            GateResult(
                RuleCode.MENTOR_RATIO,
                WARNING,
                {"limit_min": policy.mentor_min, "limit_max": policy.mentor_max, "count": 0},
                "尚未指定带徒师傅",
                "no mentor is assigned yet",
            )
        ]
    if other_apprentices + 1 > policy.mentor_max:
        return [
            GateResult(
                RuleCode.MENTOR_RATIO,
                ERROR,
                {"limit_max": policy.mentor_max, "count": other_apprentices, "mentor": mentor_name},
                f"师傅 {mentor_name} 已带 {other_apprentices} 名学徒，上限为 {policy.mentor_max}",
                f"mentor {mentor_name} already leads {other_apprentices} apprentices; "
                f"the limit is {policy.mentor_max}",
            )
        ]
    if other_apprentices + 1 < policy.mentor_min:
        return [
            GateResult(
                RuleCode.MENTOR_RATIO,
                WARNING,
                {"limit_min": policy.mentor_min, "count": other_apprentices + 1, "mentor": mentor_name},
                f"师傅 {mentor_name} 仅带 {other_apprentices + 1} 名学徒，少于 {policy.mentor_min} 名",
                f"mentor {mentor_name} leads only {other_apprentices + 1} apprentice(s); "
                f"at least {policy.mentor_min} are expected",
            )
        ]
    return []


def cap_limit(staff: int, percent: Decimal) -> int:
    return int((Decimal(staff) * percent / Decimal(100)).to_integral_value(rounding="ROUND_FLOOR"))


def check_company_cap(
    *, company_name: str, staff: int, other_interns: int, policy: Policy
) -> list[GateResult]:
    limit = cap_limit(staff, policy.company_cap_percent)
    if other_interns + 1 <= limit:
        return []
    pct = _pct(policy.company_cap_percent)
    return [
        GateResult(
            RuleCode.COMPANY_CAP,
            ERROR,
            {
                "limit": limit,
                "count": other_interns + 1,
                "staff": staff,
                "percent": str(policy.company_cap_percent),
            },
            f"企业 {company_name} 在岗职工 {staff} 人，实习学生上限为 {limit} 人（{pct}），"
            f"加上本人将达 {other_interns + 1} 人",
            f"company {company_name} has {staff} staff; the intern limit is {limit} ({pct}) "
            f"and this placement would make {other_interns + 1}",
        )
    ]


def check_post_cap(
    *, post_title: str, staff_on_post: int, other_interns: int, policy: Policy
) -> list[GateResult]:
    limit = cap_limit(staff_on_post, policy.post_cap_percent)
    if other_interns + 1 <= limit:
        return []
    pct = _pct(policy.post_cap_percent)
    return [
        GateResult(
            RuleCode.POST_CAP,
            ERROR,
            {
                "limit": limit,
                "count": other_interns + 1,
                "staff": staff_on_post,
                "percent": str(policy.post_cap_percent),
            },
            f"岗位 {post_title} 在岗职工 {staff_on_post} 人，实习学生上限为 {limit} 人（{pct}），"
            f"加上本人将达 {other_interns + 1} 人",
            f"post {post_title} has {staff_on_post} staff; the intern limit is {limit} ({pct}) "
            f"and this placement would make {other_interns + 1}",
        )
    ]


def check_total_duration(
    *, student_name: str, company_periods: Sequence[tuple[date, date]], policy: Policy
) -> list[GateResult]:
    """``company_periods``: every period the student spends in companies in the program, this one included."""
    total = sum((months_in(a, b) for a, b in merge_periods(company_periods)), Decimal(0))
    if total <= policy.max_company_months:
        return []
    return [
        GateResult(
            RuleCode.TOTAL_DURATION,
            ERROR,
            {
                "limit_months": policy.max_company_months,
                "months": _q1(total),
                "program_years": policy.program_years,
            },
            f"学生 {student_name} 在企业的累计时间将达 {_q1(total)} 个月，"
            f"{policy.program_years} 年制内上限为 "
            f"{policy.max_company_months} 个月",
            f"student {student_name} would spend {_q1(total)} months in companies; the limit over a "
            f"{policy.program_years}-year program is {policy.max_company_months} months",
        )
    ]


def health_check_due(
    *, birth_date: date, checks: Sequence[tuple[date, str]], first_work_date: date, policy: Policy
) -> tuple[date | None, str]:
    """When the next health check is due, and why; ``(None, "")`` when none is due.

    Only checks at a county-level or higher hospital count. Before the first placement: one check.
    While 16-17: again one year after the last. On turning 18: again if the last is over 6 months old.
    """
    valid = sorted(d for d, level in checks if level in policy.health_check_levels)
    if not valid:
        return first_work_date, "first"
    last = valid[-1]
    adult_day = nth_birthday(birth_date, policy.adult_age)
    candidates: list[tuple[date, str]] = []
    if last < adult_day:
        yearly = add_months(last, policy.health_recheck_minor_months)
        if yearly < adult_day:
            candidates.append((yearly, "minor_yearly"))
        if last < add_months(adult_day, -policy.health_on_adult_max_age_months):
            candidates.append((adult_day, "turning_adult"))
    if not candidates:
        return None, ""
    return min(candidates)


_HEALTH_REASON = {
    "first": (
        "首次上岗前须在县级及以上医院体检",
        "a health check at a county-level or higher hospital is required before the first placement",
    ),
    "minor_yearly": (
        "未成年学徒上岗满一年须再次体检",
        "a 16-17-year-old needs a new check after one year of work",
    ),
    "turning_adult": (
        "年满 18 周岁时上次体检已超过 6 个月，须再次体检",
        "on turning 18 a new check is due when the last one is over 6 months old",
    ),
}


def check_health(
    *,
    student_name: str,
    birth_date: date,
    checks: Sequence[tuple[date, str]],
    start_date: date,
    as_of: date,
    severity: str,
    policy: Policy,
) -> list[GateResult]:
    check_day = max(start_date, as_of)
    known = [(d, level) for d, level in checks if d <= check_day]
    due, reason = health_check_due(
        birth_date=birth_date, checks=known, first_work_date=start_date, policy=policy
    )
    if due is None or due > check_day:
        return []
    last = max((d for d, level in known if level in policy.health_check_levels), default=None)
    zh, en = _HEALTH_REASON[reason]
    last_txt = last.isoformat() if last else None
    return [
        GateResult(
            RuleCode.HEALTH_CHECK,
            severity,
            {"due_date": due.isoformat(), "last_check": last_txt, "reason": reason},
            f"学生 {student_name}：{zh}（应于 {due.isoformat()} 前完成，上次合格体检：{last_txt or '无'}）",
            f"student {student_name}: {en} (due by {due.isoformat()}; "
            f"last valid check: {last_txt or 'none'})",
        )
    ]


def first_uncovered_day(periods: Iterable[tuple[date, date]], start: date, end: date) -> date | None:
    """The first day of [start, end] not covered by any of the inclusive ``periods``."""
    day = start
    for a, b in merge_periods(periods):
        if a > day:
            break
        if b >= day:
            day = b + timedelta(days=1)
        if day > end:
            return None
    return day if day <= end else None


def check_insurance(
    *,
    insurance: Sequence[tuple[str, date, date]],
    start_date: date,
    end_date: date,
    severity: str,
    policy: Policy,
) -> list[GateResult]:
    out = []
    for kind in sorted(policy.insurance_kinds):
        periods = [(a, b) for k, a, b in insurance if k == kind]
        gap = first_uncovered_day(periods, start_date, end_date)
        if gap is None:
            continue
        label = INSURANCE_KIND_LABELS_ZH.get(kind, kind)
        out.append(
            GateResult(
                RuleCode.INSURANCE,
                severity,
                {
                    "kind": kind,
                    "uncovered_from": gap.isoformat(),
                    "period_start": start_date.isoformat(),
                    "period_end": end_date.isoformat(),
                },
                f"{label}未覆盖实习期 {start_date.isoformat()} 至 {end_date.isoformat()}"
                f"，自 {gap.isoformat()} 起无保障",
                f"{kind.replace('_', '-')} insurance does not cover the placement period "
                f"{start_date.isoformat()} to "
                f"{end_date.isoformat()}: uncovered from {gap.isoformat()}",
            )
        )
    return out


def check_minor_forbidden_work(
    *,
    student_name: str,
    birth_date: date,
    start_date: date,
    post_title: str,
    hazard_tags: Iterable[str],
    policy: Policy,
) -> list[GateResult]:
    age = age_on(birth_date, start_date)
    hits = sorted(set(hazard_tags) & policy.minor_forbidden_tags)
    if age >= policy.adult_age or not hits:
        return []
    zh_tags = "、".join(TAG_LABELS_ZH.get(t, t) for t in hits)
    return [
        GateResult(
            RuleCode.MINOR_FORBIDDEN_WORK,
            ERROR,
            {"age": age, "adult_age": policy.adult_age, "tags": hits},
            f"学生 {student_name} 在开始日期 {age} 周岁，岗位 {post_title} 含未成年工禁忌作业（{zh_tags}）",
            f"student {student_name} is {age} on the start date and post {post_title} "
            f"involves work forbidden "
            f"to minors ({', '.join(hits)})",
        )
    ]


def check_hazardous_post(*, post_title: str, hazard_tags: Iterable[str], policy: Policy) -> list[GateResult]:
    hits = sorted(set(hazard_tags) & policy.hazardous_tags)
    if not hits:
        return []
    zh_tags = "、".join(TAG_LABELS_ZH.get(t, t) for t in hits)
    return [
        GateResult(
            RuleCode.HAZARDOUS_POST,
            ERROR,
            {"tags": hits},
            f"岗位 {post_title} 属于不得安排学生的高风险岗位（{zh_tags}）",
            f"post {post_title} is a high-risk post no student may take ({', '.join(hits)})",
        )
    ]


def pay_floor(post_wage: Decimal, policy: Policy) -> Decimal:
    """PAY_FLOOR's figure, the one place it is computed: the least an apprentice may be paid a month, the
    policy's percent of the same post's wage, rounded up to the fen (so the floor is never below the percent)."""
    return (post_wage * policy.pay_floor_percent / Decimal(100)).quantize(Decimal("0.01"), rounding=ROUND_UP)


def check_pay_floor(
    *, post_title: str, student_pay: Decimal | None, post_wage: Decimal | None, policy: Policy
) -> list[GateResult]:
    if post_wage is None:
        return []
    floor = pay_floor(post_wage, policy)
    if student_pay is not None and student_pay >= floor:
        return []
    pay_txt = f"{student_pay:.2f}" if student_pay is not None else None
    pct = _pct(policy.pay_floor_percent)
    return [
        GateResult(
            RuleCode.PAY_FLOOR,
            ERROR,
            {
                "floor": f"{floor:.2f}",
                "pay": pay_txt,
                "post_wage": f"{post_wage:.2f}",
                "percent": str(policy.pay_floor_percent),
            },
            f"岗位 {post_title} 月工资 {post_wage:.2f} 元，学徒报酬不得低于 {floor:.2f} 元（{pct}），"
            f"约定为 {pay_txt or '未约定'}",
            f"post {post_title} pays {post_wage:.2f} yuan a month; "
            f"the apprentice must get at least {floor:.2f} "
            f"yuan ({pct}), agreed: {pay_txt or 'none'}",
        )
    ]


# -- all gates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GateInput:
    """Everything the gates need about one placement, as plain values."""

    start_date: date
    end_date: date
    student_name: str
    birth_date: date
    cohort_entry_year: int | None = None
    agreement_signed: bool = False
    mentor_name: str | None = None
    mentor_other_apprentices: int = 0
    company_name: str = ""
    company_staff: int = 0
    company_other_interns: int = 0
    post_title: str = ""
    post_staff: int = 0
    post_other_interns: int = 0
    post_hazard_tags: frozenset[str] = frozenset()
    post_wage: Decimal | None = None
    student_pay: Decimal | None = None
    company_periods: tuple[
        tuple[date, date], ...
    ] = ()  # the student's company periods, this placement included
    health_checks: tuple[tuple[date, str], ...] = ()  # (date, hospital level)
    insurance: tuple[tuple[str, date, date], ...] = ()  # (kind, start, end)


@dataclass(frozen=True)
class GateReport:
    policy_code: str
    stage: str
    results: tuple[GateResult, ...] = field(default_factory=tuple)

    @property
    def errors(self) -> list[GateResult]:
        return [r for r in self.results if r.severity == ERROR]

    @property
    def warnings(self) -> list[GateResult]:
        return [r for r in self.results if r.severity == WARNING]

    @property
    def passed(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy_code,
            "stage": self.stage,
            "passed": self.passed,
            "errors": [r.as_dict() for r in self.errors],
            "warnings": [r.as_dict() for r in self.warnings],
        }


def check_gates(inp: GateInput, *, stage: str, as_of: date, policy: Policy) -> GateReport:
    if stage not in (PROPOSE, ACTIVATE):
        raise ValueError(f"unknown stage {stage!r}")
    paperwork = ERROR if stage == ACTIVATE else WARNING
    results: list[GateResult] = []
    results += check_age_min(
        student_name=inp.student_name, birth_date=inp.birth_date, start_date=inp.start_date, policy=policy
    )
    results += check_first_year(
        student_name=inp.student_name,
        cohort_entry_year=inp.cohort_entry_year,
        start_date=inp.start_date,
        policy=policy,
    )
    if stage == ACTIVATE:
        results += check_agreement_signed(agreement_signed=inp.agreement_signed)
    results += check_mentor_ratio(
        mentor_name=inp.mentor_name, other_apprentices=inp.mentor_other_apprentices, policy=policy
    )
    results += check_company_cap(
        company_name=inp.company_name,
        staff=inp.company_staff,
        other_interns=inp.company_other_interns,
        policy=policy,
    )
    results += check_post_cap(
        post_title=inp.post_title,
        staff_on_post=inp.post_staff,
        other_interns=inp.post_other_interns,
        policy=policy,
    )
    results += check_total_duration(
        student_name=inp.student_name,
        company_periods=inp.company_periods or ((inp.start_date, inp.end_date),),
        policy=policy,
    )
    results += check_health(
        student_name=inp.student_name,
        birth_date=inp.birth_date,
        checks=inp.health_checks,
        start_date=inp.start_date,
        as_of=as_of,
        severity=paperwork,
        policy=policy,
    )
    results += check_insurance(
        insurance=inp.insurance,
        start_date=inp.start_date,
        end_date=inp.end_date,
        severity=paperwork,
        policy=policy,
    )
    results += check_minor_forbidden_work(
        student_name=inp.student_name,
        birth_date=inp.birth_date,
        start_date=inp.start_date,
        post_title=inp.post_title,
        hazard_tags=inp.post_hazard_tags,
        policy=policy,
    )
    results += check_hazardous_post(
        post_title=inp.post_title, hazard_tags=inp.post_hazard_tags, policy=policy
    )
    results += check_pay_floor(
        post_title=inp.post_title, student_pay=inp.student_pay, post_wage=inp.post_wage, policy=policy
    )
    return GateReport(policy_code=policy.code, stage=stage, results=tuple(results))
