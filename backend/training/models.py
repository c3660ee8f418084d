"""The training standard (学徒培养标准): the pilot's versioned training plan, what each apprentice is held to, the
competency sign-offs by both mentors, the evaluations by every party, the rotation across the group of posts.

A plan version, once approved by every company of the pilot, is never edited: a change is a new version, and each
placement is pinned (TrainingEnrolment) to the version in force on its start date. Sign-offs and evaluations are
withdrawn or revoked with a reason, never deleted."""

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.companies.models import Company, Post
from backend.core.models import TimeStampedModel
from backend.placements.models import PilotProject, Placement

USER = settings.AUTH_USER_MODEL
HOURS: dict[str, Any] = {
    "max_digits": 7,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal("0"))],
}
WEIGHT: dict[str, Any] = {"max_digits": 5, "decimal_places": 4}
POINTS: dict[str, Any] = {"max_digits": 5, "decimal_places": 2}


class PlanStatus(models.TextChoices):
    PROPOSED = "proposed", _("待企业确认")
    APPROVED = "approved", _("已生效")


class TrainingPlan(TimeStampedModel):
    """One version of a pilot's training plan (人才培养方案). Proposed by the school, approved by each company."""

    pilot = models.ForeignKey(PilotProject, on_delete=models.PROTECT, related_name="training_plans")
    version = models.PositiveSmallIntegerField(_("版本"))
    title = models.CharField(_("方案名称"), max_length=200)
    valid_from = models.DateField(_("适用于此日期起开始的学徒"))
    status = models.CharField(
        _("状态"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.PROPOSED, db_index=True
    )
    summary = models.TextField(_("培养目标"), blank=True)
    mentor_standard = models.TextField(_("师傅标准"), blank=True)
    proposed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("生效时间"), null=True, blank=True)

    class Meta:
        ordering = ["pilot", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["pilot", "version"], name="training_plan_unique_version"),
            models.UniqueConstraint(fields=["pilot", "valid_from"], name="training_plan_unique_valid_from"),
        ]
        verbose_name = _("人才培养方案")
        verbose_name_plural = _("人才培养方案")

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class PlanApproval(TimeStampedModel):
    """A company of the pilot agrees to a plan version (one recorded approval per company)."""

    plan = models.ForeignKey(TrainingPlan, on_delete=models.PROTECT, related_name="approvals")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approver_name = models.CharField(_("确认人"), max_length=100)
    approved_at = models.DateTimeField(_("确认时间"))

    class Meta:
        ordering = ["plan", "approved_at"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "company"], name="plan_approval_once_per_company"),
        ]
        verbose_name = _("企业确认")
        verbose_name_plural = _("企业确认")

    def __str__(self) -> str:
        return f"{self.plan} · {self.company}"


class PlanStage(models.Model):
    """A stage of alternating study and work, e.g. 岗位认知: 4 months at school, 1 month in the company."""

    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="stages")
    number = models.PositiveSmallIntegerField(_("阶段序号"))
    name = models.CharField(_("阶段名称"), max_length=100)
    school_months = models.PositiveSmallIntegerField(_("在校月数"), default=0)
    company_months = models.PositiveSmallIntegerField(_("在企月数"), default=0)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plan_stage_unique_number")]
        verbose_name = _("培养阶段")
        verbose_name_plural = _("培养阶段")

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class Party(models.TextChoices):
    SELF = "self", _("学徒自评")
    TEACHER = "teacher", _("学校指导教师")
    MENTOR = "mentor", _("企业师傅")
    COMPANY = "company", _("企业")
    THIRD_PARTY = "third_party", _("第三方")


class PostStandard(models.Model):
    """岗位标准: what an apprentice must master on one post of the group."""

    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="post_standards")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("岗位标准名称"), max_length=200)

    class Meta:
        ordering = ["plan", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "post"], name="post_standard_one_per_post")]
        verbose_name = _("岗位标准")
        verbose_name_plural = _("岗位标准")

    def __str__(self) -> str:
        return self.name


class Competency(models.Model):
    standard = models.ForeignKey(PostStandard, on_delete=models.CASCADE, related_name="competencies")
    code = models.CharField(_("能力代码"), max_length=30)
    name = models.CharField(_("能力名称"), max_length=200)
    level = models.CharField(_("应达到的水平"), max_length=100)
    practice_hours = models.DecimalField(_("应实践学时"), default=Decimal("0"), **HOURS)
    assessed_by = models.CharField(_("评价方"), max_length=20, choices=Party.choices, default=Party.MENTOR)
    required = models.BooleanField(_("必须达到"), default=True)

    class Meta:
        ordering = ["standard", "code"]
        constraints = [models.UniqueConstraint(fields=["standard", "code"], name="competency_unique_code")]
        verbose_name = _("能力项")
        verbose_name_plural = _("能力项")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RotationStep(models.Model):
    """岗位群轮训: in which stage the apprentice passes through which post, for how long."""

    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="rotation")
    order = models.PositiveSmallIntegerField(_("轮岗顺序"))
    stage = models.ForeignKey(PlanStage, on_delete=models.PROTECT, related_name="rotation")
    standard = models.ForeignKey(PostStandard, on_delete=models.PROTECT, related_name="rotation")
    weeks = models.PositiveSmallIntegerField(_("周数"))
    hours = models.DecimalField(_("应完成学时"), **HOURS)

    class Meta:
        ordering = ["plan", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "order"], name="rotation_step_unique_order")]
        verbose_name = _("轮岗安排")
        verbose_name_plural = _("轮岗安排")

    def __str__(self) -> str:
        return f"{self.order}. {self.standard.name}"


class Scale(models.TextChoices):
    GRADES = "grades", _("优秀/良好/合格/不合格")
    POINTS = "points", _("百分制")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class AssessmentScheme(models.Model):
    """The plan's assessment scheme: the scale and what counts as passing; the parties and weights below."""

    plan = models.OneToOneField(TrainingPlan, on_delete=models.CASCADE, related_name="scheme")
    scale = models.CharField(_("评分方式"), max_length=10, choices=Scale.choices, default=Scale.GRADES)
    pass_points = models.DecimalField(
        _("合格线(分)"),
        default=Decimal("60.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        **POINTS,
    )

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")

    def __str__(self) -> str:
        return f"{self.plan} · {self.get_scale_display()}"


class SchemeParty(models.Model):
    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.CASCADE, related_name="parties")
    party = models.CharField(_("评价方"), max_length=20, choices=Party.choices)
    weight = models.DecimalField(
        _("权重"), validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))], **WEIGHT
    )
    required = models.BooleanField(_("必须评价"), default=True)

    class Meta:
        ordering = ["scheme", "party"]
        constraints = [models.UniqueConstraint(fields=["scheme", "party"], name="scheme_party_once")]
        verbose_name = _("评价方权重")
        verbose_name_plural = _("评价方权重")

    def __str__(self) -> str:
        return f"{self.get_party_display()} {self.weight}"


class TrainingEnrolment(TimeStampedModel):
    """The plan version a placement is held to (the version in force on its start date), pinned once."""

    placement = models.OneToOneField(Placement, on_delete=models.PROTECT, related_name="training")
    plan = models.ForeignKey(TrainingPlan, on_delete=models.PROTECT, related_name="enrolments")
    standard_reached_at = models.DateTimeField(_("达到培养标准时间"), null=True, blank=True)
    evidence = models.JSONField(_("达标依据"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("学徒培养记录")
        verbose_name_plural = _("学徒培养记录")

    def __str__(self) -> str:
        return f"{self.placement} · {self.plan}"


class SignOffStatus(models.TextChoices):
    SIGNED = "signed", _("师傅已签认, 待教师确认")
    CONFIRMED = "confirmed", _("双导师已签认")
    REFUSED = "refused", _("未通过")
    WITHDRAWN = "withdrawn", _("已撤回")


LIVE_SIGN_OFF = (SignOffStatus.SIGNED, SignOffStatus.CONFIRMED)


def evidence_path(instance: "SignOff", filename: str) -> str:
    return f"training/evidence/{instance.enrolment.placement_id}/{filename}"


class SignOff(TimeStampedModel):
    """A competency signed off as reached: by the company mentor, then confirmed by the school. Never deleted."""

    ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
        SignOffStatus.SIGNED: frozenset(
            {SignOffStatus.CONFIRMED, SignOffStatus.REFUSED, SignOffStatus.WITHDRAWN}
        ),
        SignOffStatus.CONFIRMED: frozenset({SignOffStatus.WITHDRAWN}),
        SignOffStatus.REFUSED: frozenset(),
        SignOffStatus.WITHDRAWN: frozenset(),
    }

    enrolment = models.ForeignKey(TrainingEnrolment, on_delete=models.PROTECT, related_name="sign_offs")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="sign_offs")
    status = models.CharField(_("状态"), max_length=20, choices=SignOffStatus.choices, db_index=True)
    mentor_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    mentor_name = models.CharField(_("师傅"), max_length=100, blank=True)
    mentor_at = models.DateTimeField(_("师傅签认时间"), null=True, blank=True)
    teacher_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    teacher_name = models.CharField(_("学校指导教师"), max_length=100, blank=True)
    teacher_at = models.DateTimeField(_("教师确认时间"), null=True, blank=True)
    refused_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    refused_at = models.DateTimeField(null=True, blank=True)
    refuse_reason = models.TextField(_("未通过原因"), blank=True)
    withdrawn_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdraw_reason = models.TextField(_("撤回原因"), blank=True)
    evidence_text = models.TextField(_("佐证说明"), blank=True)
    evidence_file = models.FileField(_("佐证材料"), upload_to=evidence_path, blank=True, max_length=300)

    class Meta:
        ordering = ["enrolment", "competency", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "competency"],
                condition=Q(status__in=["signed", "confirmed"]),
                name="sign_off_one_live_per_competency",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refuse_reason=""), name="sign_off_refused_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | ~Q(withdraw_reason=""),
                name="sign_off_withdrawn_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(mentor_at__isnull=False, teacher_at__isnull=False),
                name="sign_off_confirmed_has_both",
            ),
        ]
        verbose_name = _("能力签认")
        verbose_name_plural = _("能力签认")

    def __str__(self) -> str:
        return f"{self.competency} · {self.get_status_display()}"

    def can_move_to(self, status: str) -> bool:
        return status in self.ALLOWED_TRANSITIONS.get(self.status, frozenset())


class EvaluationStatus(models.TextChoices):
    RECORDED = "recorded", _("有效")
    REVOKED = "revoked", _("已撤销")


class Evaluation(TimeStampedModel):
    """One party's evaluation of an apprentice (a grade or points), e.g. the third party's skills test."""

    enrolment = models.ForeignKey(TrainingEnrolment, on_delete=models.PROTECT, related_name="evaluations")
    party = models.CharField(_("评价方"), max_length=20, choices=Party.choices)
    grade = models.CharField(_("等级"), max_length=20, choices=Grade.choices, blank=True)
    points = models.DecimalField(
        _("分数"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        **POINTS,
    )
    comments = models.TextField(_("评语"), blank=True)
    evaluator = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    evaluator_name = models.CharField(_("评价人"), max_length=100)
    certificate_number = models.CharField(_("证书/考试编号"), max_length=60, blank=True)
    test_date = models.DateField(_("考核日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=EvaluationStatus.choices, default=EvaluationStatus.RECORDED
    )
    revoked_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.TextField(_("撤销原因"), blank=True)

    class Meta:
        ordering = ["enrolment", "party", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "party"],
                condition=Q(status="recorded"),
                name="evaluation_one_live_per_party",
            ),
            models.CheckConstraint(
                condition=~Q(grade="") | Q(points__isnull=False), name="evaluation_has_grade_or_points"
            ),
            models.CheckConstraint(
                condition=~Q(status="revoked") | ~Q(revoke_reason=""), name="evaluation_revoked_has_reason"
            ),
        ]
        verbose_name = _("多方评价")
        verbose_name_plural = _("多方评价")

    def __str__(self) -> str:
        return f"{self.get_party_display()} {self.grade or self.points}"


class RotationStatus(models.TextChoices):
    CURRENT = "current", _("在岗轮训中")
    DONE = "done", _("已完成")


class RotationAssignment(TimeStampedModel):
    """A placement's time on one rotation step: from the day it moved onto the post to the day it moved on."""

    enrolment = models.ForeignKey(TrainingEnrolment, on_delete=models.PROTECT, related_name="rotations")
    step = models.ForeignKey(RotationStep, on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=RotationStatus.choices, default=RotationStatus.CURRENT
    )
    moved_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["enrolment", "step__order"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "step"], name="rotation_once_per_step"),
            models.UniqueConstraint(
                fields=["enrolment"], condition=Q(status="current"), name="rotation_one_current"
            ),
        ]
        verbose_name = _("轮岗记录")
        verbose_name_plural = _("轮岗记录")

    def __str__(self) -> str:
        return f"{self.enrolment} · {self.step}"

    def period_end(self, today: datetime.date) -> datetime.date:
        return self.ended_on or today


class SealedRecord(TimeStampedModel):
    """One sealed copy of an apprentice's record (学徒档案) PDF: its SHA-256 and what /verify tells whoever holds the
    file (the plan version, the agreement's number and every signatory, as they stood when it was sealed)."""

    enrolment = models.ForeignKey(TrainingEnrolment, on_delete=models.PROTECT, related_name="sealed_records")
    sha256 = models.CharField(max_length=64, unique=True)
    sealed_at = models.DateTimeField(_("封存时间"))
    sealed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    public_record = models.JSONField(_("验证信息"), default=dict)

    class Meta:
        ordering = ["-sealed_at"]
        verbose_name = _("学徒档案封存件")
        verbose_name_plural = _("学徒档案封存件")

    def __str__(self) -> str:
        return f"{self.enrolment} · {self.sha256[:12]}"
