"""The 5000-yuan apprentice subsidy: policy, a double-entry append-only ledger, claims, budgets and payments.

The ledger tables (JournalEntry, JournalLine) are append-only IN THE DATABASE: triggers refuse UPDATE and DELETE, and
a deferred constraint trigger refuses a transaction that leaves an entry unbalanced (see migration 0002). Claims are
the working records; every change of a claim's money is a journal entry, and a correction is a reversing entry."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.assessments.models import Assessment
from backend.companies.models import Company, Mentor
from backend.core.models import TimeStampedModel
from backend.placements.models import PilotProject, Placement
from backend.schools.models import Student


class SubsidyTrigger(models.TextChoices):
    ASSESSMENT_PASSED = "assessment_passed", _("考核合格时计提")
    PLACEMENT_ACTIVE = "placement_active", _("学徒在岗时计提, 考核合格后方可审批")


class SubsidyPolicy(TimeStampedModel):
    """Amounts, split and trigger; versioned by date (the policy in force on the trigger day applies)."""

    name = models.CharField(_("政策名称"), max_length=200)
    valid_from = models.DateField(_("生效日期"), unique=True)
    mentor_reward = models.DecimalField(
        _("带徒师傅奖励(元)"), default=Decimal("3000.00"), max_digits=14, decimal_places=2
    )
    company_costs = models.DecimalField(
        _("企业水电、耗材(元)"), default=Decimal("2000.00"), max_digits=14, decimal_places=2
    )
    trigger = models.CharField(
        _("计提条件"), max_length=30, choices=SubsidyTrigger.choices, default=SubsidyTrigger.ASSESSMENT_PASSED
    )

    class Meta:
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mentor_reward__gte=0) & models.Q(company_costs__gte=0),
                name="subsidy_policy_amounts_not_negative",
            ),
        ]
        verbose_name = _("补助政策")
        verbose_name_plural = _("补助政策")

    def __str__(self) -> str:
        return f"{self.name} ({self.valid_from})"

    @property
    def amount(self) -> Decimal:
        return self.mentor_reward + self.company_costs

    @classmethod
    def in_force(cls, on: datetime.date) -> "SubsidyPolicy | None":
        return cls.objects.filter(valid_from__lte=on).order_by("-valid_from").first()


class PilotBudget(TimeStampedModel):
    """A pilot's subsidy budget for one year: approvals never exceed it (the row is locked while approving)."""

    pilot = models.ForeignKey(PilotProject, on_delete=models.PROTECT, related_name="subsidy_budgets")
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(
        _("预算(元)"), validators=[MinValueValidator(Decimal("0"))], max_digits=14, decimal_places=2
    )

    class Meta:
        ordering = ["pilot", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["pilot", "year"], name="pilot_budget_one_per_year"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="pilot_budget_not_negative"),
        ]
        verbose_name = _("试点项目年度补助预算")
        verbose_name_plural = _("试点项目年度补助预算")

    def __str__(self) -> str:
        return f"{self.pilot} {self.year}: {self.amount}"


class AccountKind(models.TextChoices):
    EXPENSE = "expense", _("学徒补助支出")
    ACCRUED_MENTOR = "accrued_mentor", _("应付带徒师傅奖励(已计提)")
    ACCRUED_COMPANY = "accrued_company", _("应付企业水电耗材补助(已计提)")
    APPROVED_MENTOR = "approved_mentor", _("应付带徒师傅奖励(已审批)")
    APPROVED_COMPANY = "approved_company", _("应付企业水电耗材补助(已审批)")
    BANK = "bank", _("财政专户存款")
    RECEIVABLE = "receivable", _("应收企业退回补助")


# Which side increases an account; used for balances in reports (the ledger itself stores debit and credit).
DEBIT_NORMAL = {AccountKind.EXPENSE, AccountKind.BANK, AccountKind.RECEIVABLE}


class Account(models.Model):
    """A ledger account. Payables are per company or per named mentor, so every fen is attributable."""

    code = models.CharField(_("科目代码"), max_length=64, unique=True)
    kind = models.CharField(_("科目类别"), max_length=30, choices=AccountKind.choices)
    name = models.CharField(_("科目名称"), max_length=300)
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    mentor = models.ForeignKey(Mentor, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["code"]
        verbose_name = _("会计科目")
        verbose_name_plural = _("会计科目")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ClaimStatus(models.TextChoices):
    ACCRUED = "accrued", _("已计提")
    APPROVED = "approved", _("已审批")
    PAID = "paid", _("已拨付")
    REVERSED = "reversed", _("已冲销")


class Claim(TimeStampedModel):
    """One apprentice's grant in one pilot project: at most one, ever (a UNIQUE constraint)."""

    ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
        ClaimStatus.ACCRUED: frozenset({ClaimStatus.APPROVED, ClaimStatus.REVERSED}),
        ClaimStatus.APPROVED: frozenset({ClaimStatus.PAID, ClaimStatus.REVERSED}),
        ClaimStatus.PAID: frozenset({ClaimStatus.REVERSED}),
        ClaimStatus.REVERSED: frozenset(),
    }

    pilot = models.ForeignKey(PilotProject, on_delete=models.PROTECT, related_name="subsidy_claims")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="subsidy_claims")
    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="subsidy_claims")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="subsidy_claims")
    mentor = models.ForeignKey(Mentor, on_delete=models.PROTECT, related_name="subsidy_claims")
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="subsidy_claims"
    )
    policy = models.ForeignKey(SubsidyPolicy, on_delete=models.PROTECT, related_name="claims")
    mentor_amount = models.DecimalField(_("带徒师傅奖励(元)"), max_digits=14, decimal_places=2)
    company_amount = models.DecimalField(_("水电耗材(元)"), max_digits=14, decimal_places=2)
    amount = models.DecimalField(_("合计(元)"), max_digits=14, decimal_places=2)
    budget_year = models.PositiveSmallIntegerField(_("预算年度"))
    status = models.CharField(
        _("状态"), max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.ACCRUED, db_index=True
    )
    held = models.BooleanField(_("暂缓"), default=False, db_index=True)
    hold_reasons = models.JSONField(_("暂缓原因"), default=list, blank=True)
    accrued_at = models.DateTimeField(_("计提时间"))
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    batch = models.ForeignKey(
        "DisbursementBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    paid_at = models.DateTimeField(_("拨付时间"), null=True, blank=True)
    reversed_at = models.DateTimeField(_("冲销时间"), null=True, blank=True)
    reversal_reason = models.TextField(_("冲销原因"), blank=True)

    class Meta:
        ordering = ["accrued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "pilot"], name="subsidy_claim_one_per_apprentice_pilot"
            ),
            models.CheckConstraint(
                condition=models.Q(amount=models.F("mentor_amount") + models.F("company_amount")),
                name="subsidy_claim_split_adds_up",
            ),
            models.CheckConstraint(
                condition=models.Q(mentor_amount__gte=0) & models.Q(company_amount__gte=0),
                name="subsidy_claim_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="paid") | models.Q(batch__isnull=False),
                name="subsidy_claim_paid_in_batch",
            ),
        ]
        indexes = [models.Index(fields=["pilot", "budget_year", "status"])]
        verbose_name = _("补助申领")
        verbose_name_plural = _("补助申领")

    def __str__(self) -> str:
        return f"{self.student} · {self.pilot} · {self.get_status_display()}"

    def can_move_to(self, status: str) -> bool:
        return status in self.ALLOWED_TRANSITIONS.get(self.status, frozenset())


class ClaimEvent(models.Model):
    """The claim's history: accrual, holds set and released, approval, payment, reversal. Never updated."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.action}"


class DisbursementBatch(TimeStampedModel):
    """A payment run: the approved claims paid together under one bank payment reference."""

    reference = models.CharField(_("支付凭证号"), max_length=100, unique=True)
    paid_on = models.DateField(_("拨付日期"))
    total = models.DecimalField(_("合计(元)"), max_digits=14, decimal_places=2)
    note = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-paid_on", "-id"]
        verbose_name = _("拨付批次")
        verbose_name_plural = _("拨付批次")

    def __str__(self) -> str:
        return f"{self.reference} ({self.total})"


class EntryKind(models.TextChoices):
    ACCRUAL = "accrual", _("计提")
    APPROVAL = "approval", _("审批")
    PAYMENT = "payment", _("拨付")
    REVERSAL = "reversal", _("冲销")


class JournalEntry(models.Model):
    """One balanced posting. `idempotency_key` (unique) makes every posting happen at most once."""

    kind = models.CharField(_("类别"), max_length=20, choices=EntryKind.choices)
    idempotency_key = models.CharField(max_length=120, unique=True)
    claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    batch = models.ForeignKey(
        DisbursementBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    posted_at = models.DateTimeField(_("记账时间"))
    memo = models.CharField(_("摘要"), max_length=300)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        ordering = ["posted_at", "id"]
        verbose_name = _("记账凭证")
        verbose_name_plural = _("记账凭证")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.memo}"


class JournalLine(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    debit = models.DecimalField(_("借方"), default=Decimal("0.00"), max_digits=14, decimal_places=2)
    credit = models.DecimalField(_("贷方"), default=Decimal("0.00"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["entry", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(debit__gt=0) & models.Q(credit=0))
                | (models.Q(debit=0) & models.Q(credit__gt=0)),
                name="journal_line_one_side",
            ),
        ]
        indexes = [models.Index(fields=["account", "entry"])]

    def __str__(self) -> str:
        return f"{self.account.code} Dr {self.debit} Cr {self.credit}"


class SweepRun(models.Model):
    """One local day's nightly subsidy sweep: when it started and finished. A due day not finished is re-run by
    the frequent ``subsidy-sweep-catch-up`` beat entry (backend/subsidy/runs.py)."""

    day = models.DateField(_("日期"), unique=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("补贴夜间核算")
        verbose_name_plural = _("补贴夜间核算")

    def __str__(self) -> str:
        return f"{self.day} ({'finished' if self.finished_at else 'unfinished'})"
