"""Demo data for the subsidy: a few passed assessments with claims in every state. Called by seed_demo.

    from backend.subsidy.demo import seed_subsidy_demo
    seed_subsidy_demo()                       # uses up to six active placements already in the database
    seed_subsidy_demo(placements=[...], actor=bureau_user)

Idempotent: a placement that already has a claim is left as it is."""

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.accounts.models import Role, User
from backend.assessments.models import AssessmentStatus
from backend.assessments.services import (
    assessment_open,
    assessment_rule_ensure_default,
    assessment_score_record,
)
from backend.placements.models import InsuranceKind, InsurancePolicy, Placement, PlacementStatus

from .holds import registered_check
from .models import Claim, PilotBudget
from .services import (
    batch_pay,
    claim_accrue,
    claim_approve,
    claim_reverse,
    earned_by_standard,
    pilot_budget_set,
    subsidy_policy_ensure_default,
)

SCORES = {"mentor": Decimal("86"), "teacher": Decimal("82"), "company": Decimal("88")}
# What happens to the claim of the n-th placement.
PLAN = ["paid", "approved", "accrued", "held", "reversed", "open_assessment"]


def _probe(placement: Placement) -> Claim:
    """An unsaved claim, only to ask the agreement hold check about a placement."""
    return Claim(placement=placement)


def _finance_user() -> User:
    user = User.objects.filter(role=Role.BUREAU, is_active=True).first()
    if user is None:
        user = User.objects.create(username="demo-finance", role=Role.BUREAU, display_name="教育局财务(演示)")
    return user


def _insure(placement: Placement) -> None:
    for kind in (InsuranceKind.LIABILITY, InsuranceKind.WORK_INJURY):
        if not placement.insurance_policies.filter(kind=kind).exists():
            InsurancePolicy.objects.create(
                placement=placement,
                kind=kind,
                insurer="中国人民财产保险股份有限公司",
                policy_number=f"DEMO-{kind}-{placement.pk}",
                start_date=placement.start_date,
                end_date=placement.end_date,
            )


def _pass(placement: Placement, actor: Any, now: datetime.datetime) -> Any:
    assessment = placement.assessments.filter(status=AssessmentStatus.PASSED).first()
    if assessment:
        return assessment
    assessment = assessment_open(placement=placement, actor=actor, as_of=timezone.localdate(now))
    for party, score in SCORES.items():
        assessment = assessment_score_record(
            assessment=assessment,
            party=party,
            score=score,
            assessor_name=f"演示{party}",
            actor=actor,
            now=now,
        )
    return assessment


@transaction.atomic
def seed_subsidy_demo(
    *, placements: list[Placement] | None = None, actor: Any = None, now: datetime.datetime | None = None
) -> dict[str, list[int]]:
    """Give up to six placements an assessment and a claim: paid, approved, accrued, held, reversed, and one
    assessment still open. Returns {state: [claim or assessment ids]}."""
    now = now or timezone.now()
    actor = actor or _finance_user()
    # Scores are recorded as the system (actor None) unless an admin exists to record them.
    admin = User.objects.filter(role=Role.ADMIN).first() or User.objects.filter(is_superuser=True).first()
    assessment_rule_ensure_default()
    subsidy_policy_ensure_default()
    if placements is None:
        candidates = list(
            Placement.objects.filter(status__in=[PlacementStatus.ACTIVE, PlacementStatus.COMPLETED])
            .exclude(mentor__isnull=True)
            .order_by("id")[:200]
        )
        # Placements with a sealed agreement first: only those can show approved and paid claims.
        agreement_check = registered_check("AGREEMENT_NOT_SEALED")
        sealed = [p for p in candidates if not agreement_check(_probe(p), timezone.localdate(now))]
        placements = (sealed + [p for p in candidates if p not in sealed])[: len(PLAN)]
    result: dict[str, list[int]] = {state: [] for state in PLAN}
    to_pay = []
    # Claims that nothing holds take these states in turn; a held claim (no sealed agreement, missing insurance,
    # an open serious violation in the demo data) stays held and shows its reasons.
    unheld_states = iter(["paid", "approved", "accrued", "reversed"])
    for index, placement in enumerate(placements[: len(PLAN)]):
        if Claim.objects.filter(student_id=placement.student_id, pilot_id=placement.pilot_id).exists():
            continue
        if earned_by_standard(placement):
            continue  # held to a training plan: the training demo (backend/training/demo.py) earns its claim
        if PLAN[index] == "open_assessment":
            if not placement.assessments.filter(status__in=["open", "passed"]).exists():
                assessment = assessment_open(placement=placement, actor=admin, as_of=timezone.localdate(now))
                assessment_score_record(
                    assessment=assessment,
                    party="mentor",
                    score=SCORES["mentor"],
                    assessor_name="演示师傅",
                    actor=admin,
                )
                result["open_assessment"].append(assessment.pk)
            continue
        if PLAN[index] != "held":  # the fourth placement keeps whatever insurance it has (none: held)
            _insure(placement)
        assessment = _pass(placement, admin, now)
        claim, _ = claim_accrue(placement=placement, assessment=assessment, actor=actor, now=now)
        if claim.held:
            result["held"].append(claim.pk)
            continue
        state = next(unheld_states, "accrued")
        if state in ("paid", "approved"):
            year = claim.budget_year
            budget = PilotBudget.objects.filter(pilot_id=claim.pilot_id, year=year).first()
            needed = (budget.amount if budget else Decimal("0")) + claim.amount
            pilot_budget_set(pilot=claim.pilot, year=year, amount=needed, actor=actor)
            claim_approve(claim=claim, actor=actor, now=now)
            if state == "paid":
                to_pay.append(claim)
        elif state == "reversed":
            claim_reverse(claim=claim, reason="演示: 考核材料复核未通过", actor=actor, now=now)
        result[state].append(claim.pk)
    if to_pay:
        batch_pay(
            claims=to_pay,
            reference=f"DEMO-{timezone.localdate(now):%Y%m%d}-{to_pay[0].pk}",
            paid_on=timezone.localdate(now),
            actor=actor,
            now=now,
        )
    return result
