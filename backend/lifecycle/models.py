"""Pauses and endings of a placement (暂停、终止、结业) and injury reports (伤害事故). Every status change goes through
``backend.placements.services.placement_transition``; these rows keep what the transition's note cannot: the
dates, the reason, who asked and who decided, the claim."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.core.models import TimeStampedModel
from backend.placements.models import Placement

REPORTING_HOURS = 24  # the agreement's promise: an injury is reported to the authorities within 24 hours


class PauseReason(models.TextChoices):
    ILLNESS = "illness", _("病休")
    INJURY = "injury", _("工伤/意外伤害休养")
    FAMILY = "family", _("家庭原因")
    COMPANY = "company", _("企业停工/停产")
    SCHOOL = "school", _("返校学习/考试")
    OTHER = "other", _("其他")


class Pause(TimeStampedModel):
    """A suspension (暂停/停岗) of an active placement from ``start_date`` to ``end_date`` (inclusive). The working-time
    audit skips its days; insurance and health-check warnings go on. Resuming on a day ends it the day before
    (early or late: ``planned_end_date`` keeps what was announced)."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="pauses")
    start_date = models.DateField(_("暂停开始"))
    planned_end_date = models.DateField(_("预计恢复前一日"))
    end_date = models.DateField(_("暂停结束"))
    reason = models.CharField(_("暂停原因"), max_length=20, choices=PauseReason.choices)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resumed_on = models.DateField(_("恢复在岗日期"), null=True, blank=True)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["placement", "-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="pause_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(planned_end_date__gte=models.F("start_date")),
                name="pause_planned_end_after_start",
            ),
        ]
        verbose_name = _("暂停")
        verbose_name_plural = _("暂停")

    def __str__(self) -> str:
        return f"{self.placement_id} {self.start_date}–{self.end_date}"

    @property
    def is_open(self) -> bool:
        return self.resumed_on is None

    @property
    def ended_early(self) -> bool:
        return self.resumed_on is not None and self.end_date < self.planned_end_date


class TerminationParty(models.TextChoices):
    SCHOOL = "school", _("学校")
    COMPANY = "company", _("企业")
    STUDENT = "student", _("学生（及监护人）")


class TerminationReason(models.TextChoices):
    STUDENT_WITHDREW = "student_withdrew", _("学生退学、休学或转学")
    STUDENT_REQUEST = "student_request", _("学生（监护人）申请解除")
    HEALTH = "health", _("健康原因不宜继续")
    MISCONDUCT = "misconduct", _("学生严重违反纪律")
    COMPANY_CLOSED = "company_closed", _("企业停产、关闭或经营困难")
    RIGHTS_VIOLATED = "rights_violated", _("企业违规或学生权益受损")
    SAFETY = "safety", _("存在安全隐患")
    CHANGE_COMPANY = "change_company", _("更换企业（另行安排）")
    MUTUAL = "mutual", _("各方协商一致解除")
    OTHER = "other", _("其他")


class TerminationStatus(models.TextChoices):
    REQUESTED = "requested", _("企业已申请，待学校确认")
    CONFIRMED = "confirmed", _("已终止")
    DECLINED = "declined", _("学校未同意")


class Termination(TimeStampedModel):
    """The ending of a placement before its end (终止). The school decides: a coordinator terminates at once; the
    company's HR may only request it (the company does not end by itself what binds the school, the student and
    the guardian), and a coordinator of the school confirms or declines. Confirming moves the placement to
    terminated, tells every party, closes open signing and reverses the grant not yet earned."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="terminations")
    initiated_by = models.CharField(_("提出方"), max_length=20, choices=TerminationParty.choices)
    reason = models.CharField(_("终止原因"), max_length=30, choices=TerminationReason.choices)
    details = models.TextField(_("具体情况"), blank=True)
    effective_date = models.DateField(_("终止日期"))
    status = models.CharField(_("状态"), max_length=20, choices=TerminationStatus.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("学校意见"), blank=True)
    # what the termination did, for the record: {"envelopes_closed": n, "claims_reversed": [ids], "notices": n}
    effects = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # at most one open request and one confirmed termination per placement
            models.UniqueConstraint(
                fields=["placement"],
                condition=models.Q(status__in=["requested", "confirmed"]),
                name="termination_one_open_per_placement",
            ),
        ]
        verbose_name = _("终止")
        verbose_name_plural = _("终止")

    def __str__(self) -> str:
        return f"{self.placement_id} {self.get_reason_display()} {self.effective_date}"


class Completion(TimeStampedModel):
    """The regular end (结业): the placement completed, with whether the training standard was reached (computed by
    backend.training, or a passed assessment where no training record is kept) and its reasons if not."""

    placement = models.OneToOneField(Placement, on_delete=models.CASCADE, related_name="completion")
    completed_on = models.DateField(_("结业日期"))
    standard_reached = models.BooleanField(_("达到学徒培养标准"))
    standard_source = models.CharField(max_length=20, blank=True)  # "training" | "assessment" | "none"
    reasons = models.JSONField(default=list, blank=True)
    note = models.TextField(_("说明"), blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-completed_on", "-id"]
        verbose_name = _("结业")
        verbose_name_plural = _("结业")

    def __str__(self) -> str:
        return f"{self.placement_id} {self.completed_on}"


class InjurySeverity(models.TextChoices):
    MINOR = "minor", _("轻微伤")
    MODERATE = "moderate", _("需就医治疗")
    SERIOUS = "serious", _("重伤/住院")
    FATAL = "fatal", _("死亡")


class ClaimStatus(models.TextChoices):
    NONE = "none", _("未报案")
    FILED = "filed", _("已报案")
    ACCEPTED = "accepted", _("已受理")
    PAID = "paid", _("已赔付")
    REJECTED = "rejected", _("已拒赔")
    CLOSED = "closed", _("已结案")


class InjuryReport(TimeStampedModel):
    """伤害事故: what happened to an apprentice, told to the school, the teacher, the company, the guardian and the
    insurers once; the 24-hour reporting clock runs from the accident; the insurance claim is tracked here."""

    ALLOWED_CLAIM_MOVES: dict[str, frozenset[str]] = {
        ClaimStatus.NONE: frozenset({ClaimStatus.FILED, ClaimStatus.CLOSED}),
        ClaimStatus.FILED: frozenset({ClaimStatus.ACCEPTED, ClaimStatus.REJECTED, ClaimStatus.CLOSED}),
        ClaimStatus.ACCEPTED: frozenset({ClaimStatus.PAID, ClaimStatus.REJECTED, ClaimStatus.CLOSED}),
        ClaimStatus.PAID: frozenset({ClaimStatus.CLOSED}),
        ClaimStatus.REJECTED: frozenset({ClaimStatus.CLOSED}),
        ClaimStatus.CLOSED: frozenset(),
    }

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="injury_reports")
    occurred_at = models.DateTimeField(_("事故发生时间"))
    location = models.CharField(_("事故地点"), max_length=300)
    description = models.TextField(_("事故经过"))
    treatment = models.TextField(_("救治情况"), blank=True)
    severity = models.CharField(_("伤情"), max_length=20, choices=InjurySeverity.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField(_("报告时间"))
    deadline_at = models.DateTimeField(_("上报期限"))
    authority_reported_at = models.DateTimeField(_("已向主管部门报告"), null=True, blank=True)
    authority_reference = models.CharField(_("报告回执/编号"), max_length=100, blank=True)
    overdue_flagged_at = models.DateTimeField(null=True, blank=True)
    # the claim
    policy_numbers = models.JSONField(_("保单号"), default=list, blank=True)
    claim_status = models.CharField(
        _("理赔状态"), max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.NONE
    )
    claim_reference = models.CharField(_("报案号"), max_length=100, blank=True)
    medical_costs = models.DecimalField(
        _("医疗费用(元)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    claimed_amount = models.DecimalField(
        _("索赔金额(元)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    paid_amount = models.DecimalField(
        _("赔付金额(元)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["authority_reported_at", "deadline_at"])]
        verbose_name = _("伤害事故报告")
        verbose_name_plural = _("伤害事故报告")

    def __str__(self) -> str:
        return f"{self.placement_id} {self.occurred_at:%Y-%m-%d %H:%M} {self.location}"

    def is_overdue(self, now: datetime.datetime) -> bool:
        return self.authority_reported_at is None and now > self.deadline_at


class InsurerNotice(models.Model):
    """The e-mail of an injury report to one insurer (its report address on the placement's policy): sent once;
    ``emailed_at`` is set after the send, so a lost send is repeated by the sweep."""

    injury = models.ForeignKey(InjuryReport, on_delete=models.CASCADE, related_name="insurer_notices")
    insurer = models.CharField(max_length=200)
    policy_number = models.CharField(max_length=100)
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["injury", "id"]
        constraints = [
            models.UniqueConstraint(fields=["injury", "email"], name="insurer_notice_once_per_address")
        ]

    def __str__(self) -> str:
        return f"{self.insurer} <{self.email}>"
