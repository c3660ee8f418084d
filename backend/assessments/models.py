"""Assessment of an apprentice against the training standard (经考核达到学徒培养标准), by several parties."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.core.models import TimeStampedModel
from backend.placements.models import Placement


class Party(models.TextChoices):
    MENTOR = "mentor", _("企业师傅")
    TEACHER = "teacher", _("学校指导教师")
    COMPANY = "company", _("企业")
    THIRD_PARTY = "third_party", _("第三方技能评价")


class ScoreMethod(models.TextChoices):
    MEAN = "mean", _("各方平均分")
    WEIGHTED = "weighted", _("加权平均分")
    MINIMUM = "minimum", _("各方最低分")


DEFAULT_REQUIRED_PARTIES = [Party.MENTOR.value, Party.TEACHER.value, Party.COMPANY.value]


class AssessmentRule(TimeStampedModel):
    """Policy data: which parties must sign off, the pass mark and how the final score is computed.

    Versioned by date: an assessment uses the rule in force on the day it was opened, so a later change never
    rewrites a decided result."""

    name = models.CharField(_("规则名称"), max_length=100)
    valid_from = models.DateField(_("生效日期"), unique=True)
    required_parties = models.JSONField(_("必须参与评价的各方"), default=list)
    pass_mark = models.DecimalField(
        _("合格分"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("60.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    method = models.CharField(
        _("总分算法"), max_length=20, choices=ScoreMethod.choices, default=ScoreMethod.MEAN
    )
    weights = models.JSONField(_("权重(加权平均时)"), default=dict, blank=True)
    include_optional_parties = models.BooleanField(_("非必须方(如第三方)的分数计入总分"), default=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("考核规则")
        verbose_name_plural = _("考核规则")

    def __str__(self) -> str:
        return f"{self.name} ({self.valid_from})"

    @classmethod
    def in_force(cls, on: datetime.date) -> "AssessmentRule | None":
        return cls.objects.filter(valid_from__lte=on).order_by("-valid_from").first()


class AssessmentStatus(models.TextChoices):
    OPEN = "open", _("评价中")
    PASSED = "passed", _("考核合格")
    FAILED = "failed", _("考核不合格")
    REVOKED = "revoked", _("已撤销")


class Assessment(TimeStampedModel):
    ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
        AssessmentStatus.OPEN: frozenset({AssessmentStatus.PASSED, AssessmentStatus.FAILED}),
        AssessmentStatus.PASSED: frozenset({AssessmentStatus.REVOKED}),
        AssessmentStatus.FAILED: frozenset(),
        AssessmentStatus.REVOKED: frozenset(),
    }

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="assessments")
    rule = models.ForeignKey(AssessmentRule, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.OPEN,
        db_index=True,
    )
    final_score = models.DecimalField(_("总分"), max_digits=5, decimal_places=2, null=True, blank=True)
    decided_at = models.DateTimeField(_("结论时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoke_reason = models.TextField(_("撤销原因"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One live assessment per placement: a failed or revoked one may be followed by a new one.
            models.UniqueConstraint(
                fields=["placement"],
                condition=models.Q(status__in=["open", "passed"]),
                name="assessment_one_live_per_placement",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="revoked") | ~models.Q(revoke_reason=""),
                name="assessment_revoked_has_reason",
            ),
        ]
        verbose_name = _("学徒考核")
        verbose_name_plural = _("学徒考核")

    def __str__(self) -> str:
        return f"{self.placement} · {self.get_status_display()}"


class AssessmentScore(TimeStampedModel):
    """One party's score, comments and sign-off. Recorded once per party; a signed score is final."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="scores")
    party = models.CharField(_("评价方"), max_length=20, choices=Party.choices)
    assessor_name = models.CharField(_("评价人"), max_length=100)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField(
        _("分数"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    comments = models.TextField(_("评语"), blank=True)
    signed_off_at = models.DateTimeField(_("签认时间"))

    class Meta:
        ordering = ["assessment", "party"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "party"], name="assessment_score_one_per_party"),
            models.CheckConstraint(
                condition=models.Q(score__gte=0) & models.Q(score__lte=100), name="assessment_score_0_100"
            ),
        ]
        verbose_name = _("考核评分")
        verbose_name_plural = _("考核评分")

    def __str__(self) -> str:
        return f"{self.get_party_display()} {self.score}"


class PlacementRating(TimeStampedModel):
    """The student's rating of the placement (1 to 5 stars)."""

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="ratings")
    rating = models.PositiveSmallIntegerField(
        _("评分"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("评价"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["placement"], name="placement_rating_once"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1) & models.Q(rating__lte=5), name="placement_rating_1_5"
            ),
        ]
        verbose_name = _("学徒评价岗位")
        verbose_name_plural = _("学徒评价岗位")

    def __str__(self) -> str:
        return f"{self.placement} {self.rating}★"
