"""Reads for the yearly report (年检自检报告) and the province summary, always narrowed to what the user may see.

A report year is the calendar year in the rules' zone. The figures, each counted from the data:
- recruited: distinct students with a placement of the pilot starting in the year that went beyond a proposal
  and signing (active, completed or terminated);
- active: placements of the pilot active now (status active) whose period touches the year;
- companies / posts: distinct companies and posts of the placements touching the year (active, completed or
  terminated), and the pilot's partner companies;
- stages done: stages of the pilot's placements whose company period ended in the year, on or before `as_of`;
- agreements signed: signed agreements of placements touching the year;
- violations by rule: violations of the pilot's placements whose period starts in the year, by status;
- assessments: decided in the year (passed, failed) and still open; the training standard reached in the year;
- funds: the subsidy's two headings from its claims (the ledger's working records; reconciled by
  backend/subsidy/reconciliation.py) of the pilot with that budget year: received = approved by the bureau
  (approved or paid), spent = paid out; plus the school's own FundsLine headings.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import translation

from backend.accounts.scoping import scope_queryset
from backend.agreements.models import Agreement, AgreementStatus
from backend.assessments.models import Assessment, AssessmentStatus
from backend.placements.models import PilotProject, Placement, PlacementStage, PlacementStatus
from backend.portal.rules_labels import rule_label
from backend.rules.models import Violation, ViolationStatus
from backend.subsidy.models import Claim, ClaimStatus
from backend.training.models import TrainingEnrolment

from .models import FundsLine, YearlyReportText

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def yuan(value: Decimal | int) -> Decimal:
    """An amount in yuan with exactly two decimals (fen), rounded half up: 5000 -> 5000.00."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


STARTED = (PlacementStatus.ACTIVE, PlacementStatus.COMPLETED, PlacementStatus.TERMINATED)


def pilot_list(*, user: Any) -> QuerySet[PilotProject]:
    """The pilots whose yearly report the user may read: the coordinator's school's, every pilot for the
    overseers; nobody else's (a company's HR does not read a school's report)."""
    if not (getattr(user, "sees_everything", False) or getattr(user, "role", "") == "coordinator"):
        return PilotProject.objects.none()
    return scope_queryset(user, PilotProject.objects.select_related("school", "program")).order_by(
        "school__name", "name"
    )


@dataclass
class FundsRow:
    heading: str
    received: Decimal
    spent: Decimal
    source: str  # "subsidy" or "school"
    note: str = ""

    def __post_init__(self) -> None:
        # the ledger's sums and the school's lines alike: two decimals, whatever scale the value came with
        self.received, self.spent = yuan(self.received), yuan(self.spent)


@dataclass
class YearlyFigures:
    pilot: PilotProject
    year: int
    as_of: datetime.date
    recruited: int = 0
    active: int = 0
    partner_companies: int = 0
    companies: int = 0
    posts: int = 0
    stages_done: int = 0
    agreements_signed: int = 0
    violations: list[dict[str, Any]] = field(default_factory=list)
    violations_total: int = 0
    violations_resolved: int = 0
    assessments_passed: int = 0
    assessments_failed: int = 0
    assessments_open: int = 0
    standard_reached: int = 0
    funds: list[FundsRow] = field(default_factory=list)
    funds_received: Decimal = ZERO
    funds_spent: Decimal = ZERO
    situation: str = ""
    problems: str = ""
    measures: str = ""


def _year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def yearly_figures(*, pilot: PilotProject, year: int, as_of: datetime.date) -> YearlyFigures:
    """The figures of one pilot's yearly report. The caller has found `pilot` through `pilot_list`."""
    first, last = _year_bounds(year)
    placements = Placement.objects.filter(pilot=pilot)
    touching = placements.filter(start_date__lte=last, end_date__gte=first)
    started = touching.filter(status__in=STARTED)
    figures = YearlyFigures(pilot=pilot, year=year, as_of=as_of)
    figures.recruited = (
        placements.filter(start_date__range=(first, last), status__in=STARTED)
        .values("student_id")
        .distinct()
        .count()
    )
    figures.active = touching.filter(status=PlacementStatus.ACTIVE).count()
    figures.partner_companies = pilot.companies.count()
    figures.companies = started.values("post__company_id").distinct().count()
    figures.posts = started.values("post_id").distinct().count()
    figures.stages_done = PlacementStage.objects.filter(
        placement__pilot=pilot, company_end__range=(first, min(last, as_of))
    ).count()
    figures.agreements_signed = Agreement.objects.filter(
        placement__in=touching, status=AgreementStatus.SIGNED
    ).count()
    by_rule = (
        Violation.objects.filter(placement__pilot=pilot, period_start__range=(first, last))
        .order_by()
        .values("rule_code")
        .annotate(
            total=Count("id"),
            resolved=Count("id", filter=Q(status=ViolationStatus.RESOLVED)),
            acknowledged=Count("id", filter=Q(status=ViolationStatus.ACKNOWLEDGED)),
            open=Count("id", filter=Q(status=ViolationStatus.OPEN)),
        )
        .order_by("rule_code")
    )
    with translation.override("zh-hans"):
        figures.violations = [{**row, "label": rule_label(row["rule_code"])} for row in by_rule]
    figures.violations_total = sum(row["total"] for row in figures.violations)
    figures.violations_resolved = sum(row["resolved"] for row in figures.violations)
    decided = Assessment.objects.filter(placement__pilot=pilot, decided_at__date__range=(first, last))
    figures.assessments_passed = decided.filter(status=AssessmentStatus.PASSED).count()
    figures.assessments_failed = decided.filter(status=AssessmentStatus.FAILED).count()
    figures.assessments_open = Assessment.objects.filter(
        placement__in=touching, status=AssessmentStatus.OPEN
    ).count()
    figures.standard_reached = TrainingEnrolment.objects.filter(
        placement__pilot=pilot, standard_reached_at__date__range=(first, last)
    ).count()
    figures.funds = subsidy_funds(pilot=pilot, year=year) + [
        FundsRow(
            heading=line.heading, received=line.received, spent=line.spent, source="school", note=line.note
        )
        for line in FundsLine.objects.filter(pilot=pilot, year=year).order_by("id")
    ]
    figures.funds_received = yuan(sum((row.received for row in figures.funds), ZERO))
    figures.funds_spent = yuan(sum((row.spent for row in figures.funds), ZERO))
    text = YearlyReportText.objects.filter(pilot=pilot, year=year).first()
    if text:
        figures.situation, figures.problems, figures.measures = text.situation, text.problems, text.measures
    return figures


def subsidy_funds(*, pilot: PilotProject, year: int) -> list[FundsRow]:
    """The subsidy's two headings for the pilot's budget year: 带徒师傅奖励 and 企业水电、耗材."""
    claims = Claim.objects.filter(pilot=pilot, budget_year=year)
    received = Q(status__in=[ClaimStatus.APPROVED, ClaimStatus.PAID])
    paid = Q(status=ClaimStatus.PAID)
    row = claims.aggregate(
        mentor_received=Sum("mentor_amount", filter=received),
        mentor_spent=Sum("mentor_amount", filter=paid),
        company_received=Sum("company_amount", filter=received),
        company_spent=Sum("company_amount", filter=paid),
    )
    return [
        FundsRow(
            "学徒补助：带徒师傅奖励", row["mentor_received"] or ZERO, row["mentor_spent"] or ZERO, "subsidy"
        ),
        FundsRow(
            "学徒补助：企业水电、耗材",
            row["company_received"] or ZERO,
            row["company_spent"] or ZERO,
            "subsidy",
        ),
    ]


SUMMARY_KEYS = (
    "recruited",
    "active",
    "companies",
    "posts",
    "stages_done",
    "agreements_signed",
    "violations_total",
    "violations_resolved",
    "assessments_passed",
    "standard_reached",
    "funds_received",
    "funds_spent",
)


def province_summary(*, user: Any, year: int, as_of: datetime.date) -> dict[str, Any]:
    """One row per school (its pilots' figures added up) and the province's total: the bureau's table."""
    schools: dict[int, dict[str, Any]] = {}
    for pilot in pilot_list(user=user):
        figures = yearly_figures(pilot=pilot, year=year, as_of=as_of)
        row = schools.setdefault(
            pilot.school_id,
            {
                "school": pilot.school.name,
                "pilots": 0,
                **{k: ZERO if k.startswith("funds") else 0 for k in SUMMARY_KEYS},
            },
        )
        row["pilots"] += 1
        for key in SUMMARY_KEYS:
            row[key] += getattr(figures, key)
    rows = sorted(schools.values(), key=lambda r: r["school"])
    total = {"school": "全省合计", "pilots": sum(r["pilots"] for r in rows)}
    for key in SUMMARY_KEYS:
        if key.startswith("funds"):
            for r in rows:
                r[key] = yuan(r[key])
            total[key] = yuan(sum((r[key] for r in rows), ZERO))
        else:
            total[key] = sum(r[key] for r in rows)
    return {"rows": rows, "total": total}


def report_text_list(*, user: Any) -> QuerySet[YearlyReportText]:
    return scope_queryset(user, YearlyReportText.objects.select_related("pilot")).order_by(
        "pilot_id", "-year"
    )


def funds_line_list(*, user: Any) -> QuerySet[FundsLine]:
    return scope_queryset(user, FundsLine.objects.select_related("pilot")).order_by("pilot_id", "-year", "id")
