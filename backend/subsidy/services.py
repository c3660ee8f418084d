"""Writes on the subsidy: accrue, hold/release, approve within the budget, pay in batches, reverse.

Every change of money is a balanced journal entry with an idempotency key; a claim's status moves only along its
allowed transitions, with a ClaimEvent and an audit row. Accounts:

  accrual   Dr 学徒补助支出 5000          / Cr 应付师傅奖励(计提)[mentor] 3000, Cr 应付企业水电耗材(计提)[company] 2000
  approval  Dr both accrued payables     / Cr the approved payables
  payment   Dr both approved payables    / Cr 财政专户存款 5000
  reversal  the reversing entries of approval and accrual; after payment: Dr 应收企业退回补助 / Cr 学徒补助支出
"""

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone

from backend.accounts.models import Role, User
from backend.assessments.models import Assessment, AssessmentStatus
from backend.companies.models import Company
from backend.core.audit import actor_user, audit_record, jsonable
from backend.core.errors import ApplicationError
from backend.placements.models import PilotProject, Placement, PlacementStatus

from .holds import hold_reasons
from .ledger import account_for, entry_post, entry_reverse
from .models import (
    AccountKind,
    Claim,
    ClaimEvent,
    ClaimStatus,
    DisbursementBatch,
    EntryKind,
    JournalEntry,
    PilotBudget,
    SubsidyPolicy,
    SubsidyTrigger,
)
from .money import budget_admits, fen, grant_split

ZERO = Decimal("0.00")
PAID_ON_EARLIEST = datetime.date(2000, 1, 1)
PAID_ON_LEAD = datetime.timedelta(days=31)
BATCH_REFERENCE_LOCK = 7301  # pg_advisory_xact_lock's first key: payment references
COMMITTED = (ClaimStatus.APPROVED, ClaimStatus.PAID)
STANDARD_EVENT = "training_standard"  # the ClaimEvent that marks a claim earned by the training standard


# Rules that say the training standard (not a passed assessment) earns a placement's grant: backend.training
# registers one from its ready() (a placement held to a pilot's training plan). See docs/subsidy.md.
_STANDARD_RULES: list[Callable[[Placement], bool]] = []


def register_standard_rule(rule: Callable[[Placement], bool]) -> Callable[[Placement], bool]:
    if rule not in _STANDARD_RULES:
        _STANDARD_RULES.append(rule)
    return rule


def earned_by_standard(placement: Placement) -> bool:
    """Whether the placement's grant is earned by the training standard alone (its pilot has a training plan that
    applies to it), so that a passed assessment (or the placement_active trigger) accrues nothing for it."""
    return any(rule(placement) for rule in _STANDARD_RULES)


def _now(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def _event(
    claim: Claim, actor: Any, action: str, from_status: str = "", to_status: str = "", **details: Any
) -> None:
    ClaimEvent.objects.create(
        claim=claim,
        actor=actor_user(actor),
        action=action,
        from_status=from_status,
        to_status=to_status,
        details=jsonable(details),
    )


def _move(claim: Claim, to: str) -> None:
    if not claim.can_move_to(to):
        raise ApplicationError(
            "CLAIM_TRANSITION_NOT_ALLOWED",
            f"补助申领不能从“{claim.get_status_display()}”变为“{ClaimStatus(to).label}”",
            f"a claim cannot move from {claim.status} to {to}",
            details={"from": claim.status, "to": to},
            status=409,
        )


# ---------------------------------------------------------------------------------------------------------- policy

DEFAULT_POLICY_FROM = datetime.date(2015, 1, 1)
DEFAULT_POLICY = {
    "name": "现代学徒制试点学徒补助(默认): 每名考核合格学徒5000元, 其中带徒师傅奖励3000元、企业水电耗材2000元",
    "mentor_reward": Decimal("3000.00"),
    "company_costs": Decimal("2000.00"),
    "trigger": SubsidyTrigger.ASSESSMENT_PASSED,
}


def subsidy_policy_ensure_default() -> SubsidyPolicy:
    """The default policy (also seeded by migration 0002); for demo data and databases flushed by tests."""
    policy, _ = SubsidyPolicy.objects.get_or_create(valid_from=DEFAULT_POLICY_FROM, defaults=DEFAULT_POLICY)
    return policy


# ---------------------------------------------------------------------------------------------------------- accrue


@transaction.atomic
def claim_accrue(
    *,
    placement: Placement,
    actor: Any,
    assessment: Assessment | None = None,
    now: datetime.datetime | None = None,
    standard_evidence: dict[str, Any] | None = None,
) -> tuple[Claim, bool]:
    """Accrue the grant for the placement's apprentice, at most once per apprentice per pilot (UNIQUE constraint).

    Earned by a passed assessment, or (`standard_evidence`, see `claim_accrue_on_standard`) by the training standard
    the training app computed as reached. Returns (claim, created). A second attempt, concurrent or later, returns
    the existing claim and posts nothing."""
    now = _now(now)
    existing = Claim.objects.filter(student_id=placement.student_id, pilot_id=placement.pilot_id).first()
    if existing:
        return existing, False
    if standard_evidence is None and earned_by_standard(placement):
        raise ApplicationError(
            "SUBSIDY_NOT_EARNED",
            "本试点按培养方案计提: 学徒经考核达到学徒培养标准(能力签认、多方评价、轮岗)后才计提补助",
            "this pilot has a training plan: the grant is earned by reaching the training standard "
            "(competencies, evaluations, rotation), not by an assessment alone",
            details={"trigger": "training_standard"},
            status=409,
        )
    if assessment is not None and assessment.status == AssessmentStatus.PASSED:
        trigger_day = _local_date(assessment.decided_at or now)
    else:
        trigger_day = _local_date(now)
    policy = SubsidyPolicy.in_force(trigger_day)
    if policy is None:
        raise ApplicationError(
            "SUBSIDY_NO_POLICY",
            "没有生效的补助政策",
            "no subsidy policy is in force",
            details={"on": trigger_day},
        )
    if standard_evidence is not None:
        if placement.status not in (PlacementStatus.ACTIVE, PlacementStatus.COMPLETED):
            raise ApplicationError(
                "SUBSIDY_NOT_EARNED", "学徒尚未在岗, 不能计提补助", "the placement is not active", status=409
            )
    elif policy.trigger == SubsidyTrigger.ASSESSMENT_PASSED:
        if assessment is None or assessment.status != AssessmentStatus.PASSED:
            raise ApplicationError(
                "SUBSIDY_NOT_EARNED",
                "学徒经考核达到培养标准后才能计提补助",
                "the grant is earned only by a passed assessment",
                status=409,
            )
    elif placement.status not in (PlacementStatus.ACTIVE, PlacementStatus.COMPLETED):
        raise ApplicationError(
            "SUBSIDY_NOT_EARNED", "学徒尚未在岗, 不能计提补助", "the placement is not active", status=409
        )
    if assessment is not None and assessment.placement_id != placement.pk:
        raise ApplicationError(
            "SUBSIDY_WRONG_ASSESSMENT", "考核与学徒安排不一致", "assessment of another placement"
        )
    if placement.mentor_id is None:
        raise ApplicationError(
            "SUBSIDY_MENTOR_NOT_NAMED",
            "学徒安排未指定师傅, 无法归属带徒师傅奖励",
            "no mentor is named on the placement, so the mentor's reward cannot be attributed",
            status=409,
        )
    split = grant_split(policy.mentor_reward, policy.company_costs)
    company = placement.post.company
    try:
        with transaction.atomic():
            claim = Claim.objects.create(
                pilot_id=placement.pilot_id,
                student_id=placement.student_id,
                placement=placement,
                company=company,
                mentor_id=placement.mentor_id,
                assessment=assessment,
                policy=policy,
                mentor_amount=split.mentor_reward,
                company_amount=split.company_costs,
                amount=split.total,
                budget_year=trigger_day.year,
                accrued_at=now,
            )
    except IntegrityError:
        # Another attempt won the race (the UNIQUE constraint): that grant is the one.
        return Claim.objects.get(student_id=placement.student_id, pilot_id=placement.pilot_id), False
    entry_post(
        kind=EntryKind.ACCRUAL,
        key=f"claim:{claim.pk}:accrual",
        lines=[
            (account_for(AccountKind.EXPENSE), split.total, ZERO),
            (account_for(AccountKind.ACCRUED_MENTOR, mentor=placement.mentor), ZERO, split.mentor_reward),
            (account_for(AccountKind.ACCRUED_COMPANY, company=company), ZERO, split.company_costs),
        ],
        memo=f"计提学徒补助 {placement.student.name} / {company.name}",
        actor=actor,
        now=now,
        claim=claim,
    )
    _event(claim, actor, "accrue", "", ClaimStatus.ACCRUED, amount=split.total, policy=policy.pk)
    if standard_evidence is not None:
        _event(claim, actor, STANDARD_EVENT, ClaimStatus.ACCRUED, ClaimStatus.ACCRUED, **standard_evidence)
    audit_record(actor=actor, action="claim.accrue", obj=claim, changes={"amount": split.total})
    claim = claim_holds_evaluate(claim=claim, actor=actor, as_of=_local_date(now))
    return claim, True


def claim_accrue_on_standard(
    *, placement: Placement, actor: Any, evidence: dict[str, Any], now: datetime.datetime | None = None
) -> tuple[Claim, bool]:
    """Accrue the grant because the apprentice reached the training standard (经考核达到学徒培养标准), computed by
    backend.training from the evidence recorded there (kept on the claim's event). Exactly once, as claim_accrue."""
    return claim_accrue(placement=placement, actor=actor, now=now, standard_evidence=evidence)


# ------------------------------------------------------------------------------------------------------------ holds


@transaction.atomic
def claim_holds_evaluate(*, claim: Claim, actor: Any, as_of: datetime.date) -> Claim:
    """Recompute the claim's hold reasons; hold or release it when they change. Idempotent, and safe when two
    sweeps run at once: the claim row is locked and re-read before comparing."""
    locked = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("placement", "policy", "assessment")
        .get(pk=claim.pk)
    )
    if locked.status not in (ClaimStatus.ACCRUED, ClaimStatus.APPROVED):
        return locked
    reasons = [r.as_dict() for r in hold_reasons(locked, as_of)]
    held = bool(reasons)
    if reasons == locked.hold_reasons and held == locked.held:
        return locked
    was_held = locked.held
    locked.held, locked.hold_reasons = held, reasons
    locked.save(update_fields=["held", "hold_reasons", "updated_at"])
    action = "hold" if held and not was_held else "release" if was_held and not held else "hold_reasons"
    _event(locked, actor, action, locked.status, locked.status, reasons=[r["code"] for r in reasons])
    audit_record(actor=actor, action=f"claim.{action}", obj=locked, changes={"reasons": reasons})
    return locked


def _refuse_if_held(claim: Claim) -> None:
    if claim.held:
        raise ApplicationError(
            "CLAIM_HELD",
            "补助申领暂缓: " + "；".join(r["message"] for r in claim.hold_reasons),
            "the claim is held: " + "; ".join(r["message_en"] for r in claim.hold_reasons),
            details={"reasons": claim.hold_reasons},
            status=409,
        )


# ---------------------------------------------------------------------------------------------------------- approve


def _require_finance(actor: Any) -> None:
    if not (
        getattr(actor, "role", None) in (Role.BUREAU, Role.ADMIN) or getattr(actor, "is_superuser", False)
    ):
        raise ApplicationError(
            "PERMISSION_DENIED",
            "只有教育局/财务可以审批和拨付补助",
            "only the bureau/finance approves and pays",
            status=403,
        )


def _committed(pilot_id: int, year: int) -> Decimal:
    return (
        Claim.objects.filter(pilot_id=pilot_id, budget_year=year, status__in=COMMITTED).aggregate(
            s=Sum("amount")
        )["s"]
        or ZERO
    )


def _lock_budget(pilot_id: int, year: int) -> PilotBudget:
    budget = PilotBudget.objects.select_for_update().filter(pilot_id=pilot_id, year=year).first()
    if budget is None:
        raise ApplicationError(
            "BUDGET_MISSING",
            f"试点项目{year}年度没有补助预算, 申领排队等待",
            f"the pilot has no subsidy budget for {year}; the claim waits",
            details={"pilot": pilot_id, "year": year},
            status=409,
        )
    return budget


def _approve_locked(claim: Claim, actor: Any, now: datetime.datetime) -> Claim:
    _move(claim, ClaimStatus.APPROVED)
    entry_post(
        kind=EntryKind.APPROVAL,
        key=f"claim:{claim.pk}:approval",
        lines=[
            (account_for(AccountKind.ACCRUED_MENTOR, mentor=claim.mentor), claim.mentor_amount, ZERO),
            (account_for(AccountKind.ACCRUED_COMPANY, company=claim.company), claim.company_amount, ZERO),
            (account_for(AccountKind.APPROVED_MENTOR, mentor=claim.mentor), ZERO, claim.mentor_amount),
            (account_for(AccountKind.APPROVED_COMPANY, company=claim.company), ZERO, claim.company_amount),
        ],
        memo=f"审批学徒补助 申领#{claim.pk}",
        actor=actor,
        now=now,
        claim=claim,
    )
    claim.status, claim.approved_at, claim.approved_by = ClaimStatus.APPROVED, now, actor_user(actor)
    claim.save(update_fields=["status", "approved_at", "approved_by", "updated_at"])
    _event(claim, actor, "approve", ClaimStatus.ACCRUED, ClaimStatus.APPROVED)
    audit_record(actor=actor, action="claim.approve", obj=claim, changes={"status": ["accrued", "approved"]})
    return claim


@transaction.atomic
def claim_approve(*, claim: Claim, actor: Any, now: datetime.datetime | None = None) -> Claim:
    """Approve one claim within its pilot's yearly budget, without taking budget an earlier claim waits for."""
    now = _now(now)
    _require_finance(actor)
    budget = _lock_budget(claim.pilot_id, claim.budget_year)  # every approval for this pilot-year queues here
    claim = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("mentor", "company", "policy", "placement")
        .get(pk=claim.pk)
    )
    _move(claim, ClaimStatus.APPROVED)
    claim = claim_holds_evaluate(claim=claim, actor=actor, as_of=_local_date(now))
    _refuse_if_held(claim)
    waiting_before = list(
        Claim.objects.filter(
            pilot_id=claim.pilot_id, budget_year=claim.budget_year, status=ClaimStatus.ACCRUED, held=False
        )
        .filter(Q(accrued_at__lt=claim.accrued_at) | Q(accrued_at=claim.accrued_at, pk__lt=claim.pk))
        .values_list("amount", flat=True)
    )
    committed = _committed(claim.pilot_id, claim.budget_year)
    admitted, reason = budget_admits(
        budget=budget.amount, committed=committed, waiting_before=waiting_before, amount=claim.amount
    )
    if not admitted:
        remaining = budget.amount - committed
        raise ApplicationError(
            reason,
            "年度预算不足, 申领按顺序等待"
            if reason == "BUDGET_EXHAUSTED"
            else "剩余预算须先用于更早的申领, 本申领按顺序等待",
            "the year's budget is exhausted; the claim waits in order"
            if reason == "BUDGET_EXHAUSTED"
            else "the remaining budget is reserved for earlier claims; this claim waits in order",
            details={
                "budget": str(budget.amount),
                "committed": str(committed),
                "remaining": str(remaining),
                "earlier_waiting": len(waiting_before),
            },
            status=409,
        )
    return _approve_locked(claim, actor, now)


@transaction.atomic
def claims_approve_in_order(
    *, pilot: PilotProject, year: int, actor: Any, now: datetime.datetime | None = None
) -> dict[str, Any]:
    """Approve the pilot-year's waiting claims first come first served until the budget is used; the rest wait."""
    now = _now(now)
    _require_finance(actor)
    budget = _lock_budget(pilot.pk, year)
    approved: list[int] = []
    held: list[int] = []
    remaining = budget.amount - _committed(pilot.pk, year)
    queue = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("mentor", "company", "policy", "placement")
        .filter(pilot=pilot, budget_year=year, status=ClaimStatus.ACCRUED)
        .order_by("accrued_at", "id")
    )
    waiting: list[int] = []
    for claim in queue:
        if waiting:
            waiting.append(claim.pk)
            continue
        claim = claim_holds_evaluate(claim=claim, actor=actor, as_of=_local_date(now))
        if claim.held:
            held.append(claim.pk)
            continue
        if claim.amount > remaining:
            waiting.append(claim.pk)
            continue
        _approve_locked(claim, actor, now)
        remaining -= claim.amount
        approved.append(claim.pk)
    return {
        "approved": approved,
        "held": held,
        "waiting": waiting,
        "budget": str(budget.amount),
        "remaining": str(remaining),
    }


@transaction.atomic
def pilot_budget_set(*, pilot: PilotProject, year: int, amount: Decimal, actor: Any) -> PilotBudget:
    """Set a pilot's yearly budget. It may not fall below what is already approved."""
    _require_finance(actor)
    amount = fen(amount)
    budget, created = PilotBudget.objects.select_for_update().get_or_create(
        pilot=pilot, year=year, defaults={"amount": amount}
    )
    committed = _committed(pilot.pk, year)
    if amount < committed:
        raise ApplicationError(
            "BUDGET_BELOW_COMMITTED",
            "预算不能低于已审批金额",
            "the budget cannot fall below what is already approved",
            details={"committed": str(committed), "amount": str(amount)},
        )
    if not created and budget.amount != amount:
        old = budget.amount
        budget.amount = amount
        budget.save(update_fields=["amount", "updated_at"])
        audit_record(actor=actor, action="pilotbudget.update", obj=budget, changes={"amount": [old, amount]})
    elif created:
        audit_record(
            actor=actor, action="pilotbudget.create", obj=budget, changes={"amount": amount, "year": year}
        )
    return budget


# -------------------------------------------------------------------------------------------------------------- pay


@transaction.atomic
def batch_pay(
    *,
    claims: list[Claim],
    reference: str,
    paid_on: datetime.date,
    actor: Any,
    note: str = "",
    now: datetime.datetime | None = None,
) -> DisbursementBatch:
    """Pay approved claims in one batch under one payment reference. Re-sending the same batch changes nothing."""
    now = _now(now)
    _require_finance(actor)
    reference = reference.strip()
    if not reference:
        raise ApplicationError(
            "BATCH_REFERENCE", "拨付批次必须有支付凭证号", "a batch needs a payment reference"
        )
    _check_paid_on(paid_on, _local_date(now))
    ids = sorted({c.pk for c in claims})
    if not ids:
        raise ApplicationError("BATCH_EMPTY", "拨付批次没有申领", "a batch needs at least one claim")
    # one payment reference at a time: a second request for the same reference waits here for the first to commit,
    # then finds its batch (the same claims: returned as it is; others: BATCH_REFERENCE_USED)
    # (SQLite, make run's zero-setup default, has one writer at a time and needs no lock)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [BATCH_REFERENCE_LOCK, reference]
            )
    existing = DisbursementBatch.objects.filter(reference=reference).first()
    if existing:
        if sorted(existing.claims.values_list("pk", flat=True)) == ids:
            return existing
        raise _reference_used()
    locked = list(
        Claim.objects.select_for_update(of=("self",))
        .select_related("mentor", "company", "placement", "policy")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    problems: dict[str, str] = {}
    locked = [claim_holds_evaluate(claim=claim, actor=actor, as_of=paid_on) for claim in locked]
    for claim in locked:
        if claim.status != ClaimStatus.APPROVED:
            problems[str(claim.pk)] = f"status {claim.status}"
        elif claim.held:
            problems[str(claim.pk)] = "held: " + ", ".join(r["code"] for r in claim.hold_reasons)
    if len(locked) != len(ids) or problems:
        raise ApplicationError(
            "BATCH_NOT_PAYABLE",
            "批次中有未审批或暂缓的申领, 整批未拨付",
            "some claims are not approved or are held; nothing was paid",
            details={"claims": problems, "missing": sorted(set(ids) - {c.pk for c in locked})},
            status=409,
        )
    total = sum((c.amount for c in locked), ZERO)
    try:
        with transaction.atomic():
            batch = DisbursementBatch.objects.create(
                reference=reference, paid_on=paid_on, total=total, note=note, created_by=actor_user(actor)
            )
    except (
        IntegrityError
    ) as exc:  # the reference lock makes this unreachable; the constraint stays the last word
        raise _reference_used() from exc
    bank = account_for(AccountKind.BANK)
    for claim in locked:
        entry_post(
            kind=EntryKind.PAYMENT,
            key=f"claim:{claim.pk}:payment",
            lines=[
                (account_for(AccountKind.APPROVED_MENTOR, mentor=claim.mentor), claim.mentor_amount, ZERO),
                (
                    account_for(AccountKind.APPROVED_COMPANY, company=claim.company),
                    claim.company_amount,
                    ZERO,
                ),
                (bank, ZERO, claim.amount),
            ],
            memo=f"拨付学徒补助 申领#{claim.pk} 凭证{reference}",
            actor=actor,
            now=now,
            claim=claim,
            batch=batch,
        )
        claim.status, claim.batch, claim.paid_at = ClaimStatus.PAID, batch, now
        claim.save(update_fields=["status", "batch", "paid_at", "updated_at"])
        _event(
            claim, actor, "pay", ClaimStatus.APPROVED, ClaimStatus.PAID, batch=batch.pk, reference=reference
        )
    audit_record(
        actor=actor, action="disbursementbatch.pay", obj=batch, changes={"claims": ids, "total": total}
    )
    return batch


def _reference_used() -> ApplicationError:
    return ApplicationError(
        "BATCH_REFERENCE_USED",
        "该支付凭证号已用于其他拨付批次",
        "this payment reference belongs to another batch",
        status=409,
    )


def _check_paid_on(paid_on: datetime.date, today: datetime.date) -> None:
    """A payment is recorded when it is made: not before PAID_ON_EARLIEST, at most PAID_ON_LEAD ahead of today."""
    latest = today + PAID_ON_LEAD
    if not PAID_ON_EARLIEST <= paid_on <= latest:
        raise ApplicationError(
            "BATCH_PAID_ON",
            f"拨付日期应在 {PAID_ON_EARLIEST.isoformat()} 至 {latest.isoformat()} 之间",
            f"the payment date must lie between {PAID_ON_EARLIEST.isoformat()} and {latest.isoformat()}",
            details={
                "paid_on": paid_on.isoformat(),
                "earliest": PAID_ON_EARLIEST.isoformat(),
                "latest": latest.isoformat(),
            },
        )


# ---------------------------------------------------------------------------------------------------------- reverse


@transaction.atomic
def claim_reverse(*, claim: Claim, reason: str, actor: Any, now: datetime.datetime | None = None) -> Claim:
    """Reverse a claim with reversing entries. Idempotent: reversing a reversed claim changes nothing."""
    now = _now(now)
    claim = Claim.objects.select_for_update(of=("self",)).select_related("mentor", "company").get(pk=claim.pk)
    if claim.status == ClaimStatus.REVERSED:
        return claim
    if not reason.strip():
        raise ApplicationError("CLAIM_REVERSE_REASON", "冲销必须说明原因", "a reversal needs a reason")
    from_status = claim.status
    entries = {
        e.kind: e
        for e in JournalEntry.objects.filter(claim=claim, reverses__isnull=True).exclude(
            kind=EntryKind.REVERSAL
        )
    }
    if from_status == ClaimStatus.PAID:
        # The money has left the bank: the company owes it back (a receivable), the expense is cancelled.
        entry_post(
            kind=EntryKind.REVERSAL,
            key=f"claim:{claim.pk}:clawback",
            lines=[
                (account_for(AccountKind.RECEIVABLE, company=claim.company), claim.amount, ZERO),
                (account_for(AccountKind.EXPENSE), ZERO, claim.amount),
            ],
            memo=f"冲销已拨付学徒补助(应收退回) 申领#{claim.pk}: {reason}",
            actor=actor,
            now=now,
            claim=claim,
        )
    else:
        for kind in (EntryKind.APPROVAL, EntryKind.ACCRUAL):
            if kind in entries:
                entry_reverse(
                    entry=entries[kind], memo=f"冲销学徒补助 申领#{claim.pk}: {reason}", actor=actor, now=now
                )
    claim.status, claim.reversed_at, claim.reversal_reason = ClaimStatus.REVERSED, now, reason.strip()
    claim.held, claim.hold_reasons = False, []
    claim.save(
        update_fields=["status", "reversed_at", "reversal_reason", "held", "hold_reasons", "updated_at"]
    )
    _event(claim, actor, "reverse", from_status, ClaimStatus.REVERSED, reason=reason)
    audit_record(
        actor=actor,
        action="claim.reverse",
        obj=claim,
        changes={"status": [from_status, "reversed"], "reason": reason},
    )
    return claim


def _on_assessment_revoked(assessment: Assessment, actor: Any) -> None:
    for claim in Claim.objects.filter(assessment=assessment).exclude(status=ClaimStatus.REVERSED):
        claim_reverse(claim=claim, reason=f"考核已撤销: {assessment.revoke_reason}", actor=actor)


def register_assessment_hooks() -> None:
    from backend.assessments.services import register_revoke_hook

    register_revoke_hook(_on_assessment_revoked)


# ------------------------------------------------------------------------------------------------------------ sweep


def subsidy_sweep(
    *, as_of: datetime.date, now: datetime.datetime | None = None, actor: Any = None
) -> dict[str, int]:
    """The nightly sweep. Idempotent: running it twice in a row changes nothing the second time.

    1. accrue for passed assessments (and, under the placement_active trigger, active placements) without a claim;
    2. attach a newly passed assessment to a claim accrued at placement start;
    3. reverse claims whose assessment was revoked, or whose placement ended (terminated) before passing;
    4. re-evaluate the holds of every open claim (releasing those whose reasons cleared)."""
    now = _now(now)
    counts = {"accrued": 0, "skipped": 0, "attached": 0, "reversed": 0, "held": 0, "released": 0}
    claimed = Claim.objects.filter(
        student_id=OuterRef("placement__student_id"), pilot_id=OuterRef("placement__pilot_id")
    )
    passed = (
        Assessment.objects.filter(status=AssessmentStatus.PASSED)
        .annotate(has_claim=Exists(claimed))
        .filter(has_claim=False)
        .select_related("placement__post__company", "placement__student")
    )
    for assessment in passed:
        if earned_by_standard(assessment.placement):
            continue  # the training standard earns this one (backend.training accrues it)
        try:
            _, created = claim_accrue(
                placement=assessment.placement, assessment=assessment, actor=actor, now=now
            )
        except ApplicationError:
            counts["skipped"] += 1
            continue
        counts["accrued"] += int(created)
    policy = SubsidyPolicy.in_force(as_of)
    if policy and policy.trigger == SubsidyTrigger.PLACEMENT_ACTIVE:
        active = (
            Placement.objects.filter(status=PlacementStatus.ACTIVE)
            .annotate(
                has_claim=Exists(
                    Claim.objects.filter(student_id=OuterRef("student_id"), pilot_id=OuterRef("pilot_id"))
                )
            )
            .filter(has_claim=False)
        )
        for placement in active:
            if earned_by_standard(placement):
                continue
            try:
                _, created = claim_accrue(placement=placement, actor=actor, now=now)
            except ApplicationError:
                counts["skipped"] += 1
                continue
            counts["accrued"] += int(created)
    unassessed = (
        Claim.objects.filter(assessment__isnull=True)
        .exclude(status=ClaimStatus.REVERSED)
        .exclude(Exists(ClaimEvent.objects.filter(claim=OuterRef("pk"), action=STANDARD_EVENT)))
    )  # a claim the standard earned never takes an assessment (its revocation must not reverse the standard's)
    for claim in unassessed:
        found = Assessment.objects.filter(
            placement_id=claim.placement_id, status=AssessmentStatus.PASSED
        ).first()
        if found:
            with transaction.atomic():
                attached = Claim.objects.filter(pk=claim.pk, assessment__isnull=True).update(
                    assessment=found, updated_at=now
                )
                if attached:  # another sweep running at the same time may have done it
                    _event(claim, actor, "assessed", claim.status, claim.status, assessment=found.pk)
            counts["attached"] += attached
    revoked = Claim.objects.exclude(status=ClaimStatus.REVERSED).filter(
        assessment__status=AssessmentStatus.REVOKED
    )
    for claim in revoked:
        assert claim.assessment is not None  # the filter above joined it
        claim_reverse(
            claim=claim, reason=f"考核已撤销: {claim.assessment.revoke_reason}", actor=actor, now=now
        )
        counts["reversed"] += 1
    terminated = (
        Claim.objects.exclude(status=ClaimStatus.REVERSED)
        .filter(placement__status=PlacementStatus.TERMINATED)
        .exclude(assessment__status=AssessmentStatus.PASSED)
        .exclude(Exists(ClaimEvent.objects.filter(claim=OuterRef("pk"), action=STANDARD_EVENT)))
    )
    for claim in terminated:
        claim_reverse(claim=claim, reason="学徒安排在考核合格前终止", actor=actor, now=now)
        counts["reversed"] += 1
    open_claims = Claim.objects.filter(status__in=(ClaimStatus.ACCRUED, ClaimStatus.APPROVED)).select_related(
        "placement", "policy", "assessment"
    )
    for claim in open_claims:
        was = claim.held
        with transaction.atomic():
            claim = claim_holds_evaluate(claim=claim, actor=actor, as_of=as_of)
        if claim.held and not was:
            counts["held"] += 1
        elif was and not claim.held:
            counts["released"] += 1
    return counts


# -------------------------------------------------------------------------------------------------------- statement


def subsidy_statement_text(*, company: Company, month: datetime.date) -> tuple[str, str]:
    """The monthly statement for a company: its claims and its mentors' rewards, by status, as of the month's end
    (in the rules' zone): what was accrued, approved, paid, reversed or held by then, not since."""
    from .selectors import company_statement_figures, month_end

    figures = company_statement_figures(company_id=company.pk, until=month_end(month))
    totals = figures["totals"]
    title = f"学徒补助月度对账单 {month:%Y年%m月} - {company.name}"
    lines = [
        f"企业: {company.name}",
        f"截至 {month:%Y-%m} 月末:",
        f"  已计提(未冲销): {totals['granted_count']} 人, {totals['granted']} 元",
        f"  已审批(含已拨付): {totals['approved']} 元",
        f"  已拨付: {totals['paid']} 元",
        f"  已冲销: {totals['reversed']} 元",
        f"  暂缓: {totals['held_count']} 人, {totals['held']} 元",
        "带徒师傅奖励:",
    ]
    for row in figures["mentors"]:
        lines.append(f"  {row['name']}: {row['total']} 元 (已拨付 {row['paid']} 元)")
    for claim in figures["held"]:
        reasons = "；".join(r["message"] for r in claim.hold_reasons) or "暂缓"
        lines.append(f"暂缓: {claim.student.name} - {reasons}")
    return title, "\n".join(lines)


@transaction.atomic
def subsidy_statement_send(*, company: Company, month: datetime.date) -> int:
    """Send the month's statement to the company's HR users (once per company and month)."""
    title, body = subsidy_statement_text(company=company, month=month)
    recipients = User.objects.filter(company=company, role=Role.HR, is_active=True)
    from backend.notices.services import notice_send

    sent = notice_send(
        recipients=recipients,
        kind="subsidy_statement",
        title=title,
        body=body,
        link="/api/v1/subsidy-claims/",
        dedupe_key=f"subsidy-statement:{company.pk}:{month:%Y-%m}",
    )
    return len(sent)
