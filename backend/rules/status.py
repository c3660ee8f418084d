"""The status audit's rules: the gate-type rules re-checked for one active placement. Pure: no ORM, no clock.

Mentor ratio, company and post caps, total time in companies, minors on forbidden work (a student turning 18
resolves it: judged as of today), hazardous posts, insurance and health checks (lapsed: violation; lapsing within
the policy's warning days: warning). The loader (services/audit.status_audit) fills ``StatusInput`` from the
database, with the counts set-based.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from backend.rules import gates
from backend.rules.codes import RuleCode
from backend.rules.policy import Policy

VIOLATION = "violation"  # = models.Severity.VIOLATION
WARNING = "warning"  # = models.Severity.WARNING

STATUS_RULES = (
    RuleCode.MENTOR_RATIO,
    RuleCode.COMPANY_CAP,
    RuleCode.POST_CAP,
    RuleCode.TOTAL_DURATION,
    RuleCode.HEALTH_CHECK,
    RuleCode.INSURANCE,
    RuleCode.MINOR_FORBIDDEN_WORK,
    RuleCode.HAZARDOUS_POST,
)


@dataclass(frozen=True)
class StatusInput:
    """One active placement as plain values. Counts include this placement."""

    start_date: datetime.date
    end_date: datetime.date
    student_name: str
    birth_date: datetime.date
    mentor_name: str | None
    mentor_apprentices: int
    company_name: str
    company_staff: int
    company_interns: int
    post_title: str
    post_staff: int
    post_interns: int
    hazard_tags: frozenset[str]
    company_periods: tuple[tuple[datetime.date, datetime.date], ...]
    insurance: tuple[tuple[str, datetime.date, datetime.date], ...]
    health_checks: tuple[tuple[datetime.date, str], ...]  # fit-for-work checks: (date, hospital level)


@dataclass(frozen=True)
class StatusFinding:
    code: str
    period_start: datetime.date
    period_end: datetime.date
    figures: dict[str, Any]
    severity: str


def status_findings(p: StatusInput, *, policy: Policy, as_of: datetime.date) -> list[StatusFinding]:
    """What the status rules find for one placement as of a day."""
    warn_until = as_of + datetime.timedelta(days=policy.warn_days_ahead)
    findings: list[StatusFinding] = []

    def add(
        results: list[gates.GateResult], start: datetime.date, end: datetime.date, severity: str = VIOLATION
    ) -> None:
        for r in results:
            figures = {**r.figures, "message": r.message, "message_en": r.message_en}
            findings.append(
                StatusFinding(
                    r.code, start, end, figures, WARNING if r.severity == gates.WARNING else severity
                )
            )

    whole = (p.start_date, p.end_date)
    if p.mentor_name is not None:
        add(
            gates.check_mentor_ratio(
                mentor_name=p.mentor_name, other_apprentices=p.mentor_apprentices - 1, policy=policy
            ),
            *whole,
        )
    add(
        gates.check_company_cap(
            company_name=p.company_name,
            staff=p.company_staff,
            other_interns=p.company_interns - 1,
            policy=policy,
        ),
        *whole,
    )
    add(
        gates.check_post_cap(
            post_title=p.post_title,
            staff_on_post=p.post_staff,
            other_interns=p.post_interns - 1,
            policy=policy,
        ),
        *whole,
    )
    add(
        gates.check_total_duration(
            student_name=p.student_name, company_periods=p.company_periods, policy=policy
        ),
        *whole,
    )
    # a minor's protections end on the 18th birthday: judged as of today, not the start date
    add(
        gates.check_minor_forbidden_work(
            student_name=p.student_name,
            birth_date=p.birth_date,
            start_date=max(as_of, p.start_date),
            post_title=p.post_title,
            hazard_tags=p.hazard_tags,
            policy=policy,
        ),
        *whole,
    )
    add(gates.check_hazardous_post(post_title=p.post_title, hazard_tags=p.hazard_tags, policy=policy), *whole)
    for kind in sorted(policy.insurance_kinds):
        gap = gates.first_uncovered_day(
            [(a, b) for k, a, b in p.insurance if k == kind], p.start_date, p.end_date
        )
        if gap is not None and gap <= warn_until:
            severity = VIOLATION if gap <= as_of else WARNING
            add(
                [
                    r
                    for r in gates.check_insurance(
                        insurance=p.insurance,
                        start_date=p.start_date,
                        end_date=p.end_date,
                        severity=severity,
                        policy=policy,
                    )
                    if r.figures["kind"] == kind
                ],
                gap,
                p.end_date,
                severity,
            )
    checks = [(d, level) for d, level in p.health_checks if d <= as_of]
    due, _reason = gates.health_check_due(
        birth_date=p.birth_date, checks=checks, first_work_date=p.start_date, policy=policy
    )
    if due is not None and due <= warn_until and due <= p.end_date:
        severity = VIOLATION if due <= as_of else WARNING
        add(
            gates.check_health(
                student_name=p.student_name,
                birth_date=p.birth_date,
                checks=checks,
                start_date=p.start_date,
                as_of=max(as_of, due),
                severity=severity,
                policy=policy,
            ),
            due,
            due,
            severity,
        )
    return findings
