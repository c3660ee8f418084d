"""Rules data: policy versions, the holiday calendar, shifts, exceptions filed with the authority, violations."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from backend.core.models import TimeStampedModel
from backend.placements.models import PilotProject, Placement

from .codes import VIOLATION_CODE_CHOICES

RULE_CODES = VIOLATION_CODE_CHOICES  # the violation and exception codes, from backend.rules.codes


class PolicyVersion(TimeStampedModel):
    """A version of the rules' figures. National rows have no pilot; a pilot's row overrides the national
    figures it names. The version in force for a placement is chosen by the placement's start date."""

    code = models.CharField(_("版本代码"), max_length=50, unique=True)
    pilot = models.ForeignKey(
        PilotProject, null=True, blank=True, on_delete=models.PROTECT, related_name="policy_versions"
    )
    valid_from = models.DateField(_("生效日期"))
    figures = models.JSONField(_("规则参数"), default=dict, blank=True)
    source = models.CharField(_("依据"), max_length=300, blank=True)

    class Meta:
        ordering = ["-valid_from", "code"]
        constraints = [
            models.UniqueConstraint(fields=["pilot", "valid_from"], name="policy_one_per_pilot_and_date"),
            models.UniqueConstraint(
                fields=["valid_from"], condition=Q(pilot__isnull=True), name="policy_one_national_per_date"
            ),
        ]
        verbose_name = _("规则版本")
        verbose_name_plural = _("规则版本")

    def __str__(self) -> str:
        return f"{self.code} ({self.valid_from})"


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("法定节假日放假")
    WORKDAY = "workday", _("调休上班")


class Holiday(models.Model):
    """One day of the statutory calendar: a day off of a statutory break, or a swapped working day (调休)."""

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=HolidayKind.choices)
    name = models.CharField(_("节日(英文)"), max_length=100)
    name_zh = models.CharField(_("节日"), max_length=100, blank=True)
    source = models.CharField(_("来源"), max_length=50, default="chinesecalendar")

    class Meta:
        ordering = ["date"]
        verbose_name = _("法定节假日")
        verbose_name_plural = _("法定节假日")

    def __str__(self) -> str:
        return f"{self.date} {self.name_zh or self.name} ({self.kind})"


class ShiftKind(models.TextChoices):
    PLANNED = "planned", _("排班")
    ACTUAL = "actual", _("实际出勤")


class Attestation(models.TextChoices):
    PENDING = "pending", _("待学生确认")
    CONFIRMED = "confirmed", _("学生已确认")
    DISPUTED = "disputed", _("学生有异议")


class Shift(models.Model):
    """A planned shift (排班) or the hours actually worked. At most 24 hours, so it touches at most two days."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="shifts")
    kind = models.CharField(_("类型"), max_length=10, choices=ShiftKind.choices)
    start_at = models.DateTimeField(_("开始"))
    end_at = models.DateTimeField(_("结束"))
    attestation = models.CharField(
        _("学生确认"), max_length=10, choices=Attestation.choices, default=Attestation.PENDING
    )
    dispute_note = models.TextField(_("异议说明"), blank=True)
    attested_at = models.DateTimeField(null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_at__gt=F("start_at")), name="shift_ends_after_start"),
            models.CheckConstraint(
                condition=Q(end_at__lte=F("start_at") + datetime.timedelta(hours=24)),
                name="shift_at_most_24h",
            ),
        ]
        indexes = [
            models.Index(fields=["placement", "kind", "start_at"], name="shift_placement_kind_start"),
            models.Index(fields=["start_at"], name="shift_start"),
        ]
        verbose_name = _("班次")
        verbose_name_plural = _("班次")

    def __str__(self) -> str:
        return f"{self.kind} {self.start_at:%Y-%m-%d %H:%M}-{self.end_at:%H:%M}"


class ShiftException(TimeStampedModel):
    """An exception filed with the competent authority (报上级主管部门备案) that covers one rule over a period."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="shift_exceptions")
    rule_code = models.CharField(_("规则"), max_length=30, choices=RULE_CODES)
    period_start = models.DateField(_("起"))
    period_end = models.DateField(_("止"))
    authority_reference = models.CharField(_("备案文号"), max_length=100)
    approver = models.CharField(_("批准人/机关"), max_length=100)
    note = models.TextField(_("说明"), blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-period_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="exception_ends_after_start"
            )
        ]
        verbose_name = _("备案例外")
        verbose_name_plural = _("备案例外")

    def __str__(self) -> str:
        return f"{self.rule_code} {self.period_start}..{self.period_end} ({self.authority_reference})"


class Severity(models.TextChoices):
    WARNING = "warning", _("预警")
    VIOLATION = "violation", _("违规")


class ViolationStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ACKNOWLEDGED = "acknowledged", _("已知悉")
    RESOLVED = "resolved", _("已解决")


class Violation(TimeStampedModel):
    """A rule found broken (or about to be) for one placement over one period. The audit upserts on
    (placement, rule, period), so running it twice creates nothing new."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="violations")
    rule_code = models.CharField(_("规则"), max_length=30, choices=RULE_CODES)
    period_start = models.DateField(_("起"))
    period_end = models.DateField(_("止"))
    figures = models.JSONField(_("数据"), default=dict)
    severity = models.CharField(
        _("级别"), max_length=10, choices=Severity.choices, default=Severity.VIOLATION
    )
    status = models.CharField(
        _("状态"), max_length=15, choices=ViolationStatus.choices, default=ViolationStatus.OPEN
    )
    first_seen = models.DateTimeField(_("首次发现"))
    last_seen = models.DateTimeField(_("最近发现"))
    policy_code = models.CharField(_("规则版本"), max_length=50)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("处理说明"), blank=True)
    notified_severity = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["-last_seen", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "rule_code", "period_start", "period_end"],
                name="violation_once_per_period",
            )
        ]
        indexes = [models.Index(fields=["status", "rule_code"], name="violation_status_rule")]
        verbose_name = _("违规记录")
        verbose_name_plural = _("违规记录")

    def __str__(self) -> str:
        return f"{self.rule_code} {self.period_start} ({self.status})"


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("待学校确认")
    ACCEPTED = "accepted", _("已接受")
    REJECTED = "rejected", _("已驳回")


class ResolutionProposal(TimeStampedModel):
    """The company's proposed resolution of a violation, with its evidence. Only the school (or the bureau)
    closes a violation: accepting the proposal resolves it, rejecting it (with a reason) leaves it open."""

    violation = models.ForeignKey(Violation, on_delete=models.CASCADE, related_name="proposals")
    text = models.TextField(_("处理说明与证据"))
    evidence = models.FileField(_("证据文件"), upload_to="rules/evidence/%Y/%m/", blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("驳回理由"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["violation"],
                condition=Q(status="pending"),
                name="one_pending_proposal_per_violation",
            )
        ]
        verbose_name = _("处理建议")
        verbose_name_plural = _("处理建议")

    def __str__(self) -> str:
        return f"{self.violation_id} {self.status}"
