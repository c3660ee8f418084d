"""Matching inputs (preferences, company scores and requirements, school scores) and results (runs, proposals)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.companies.models import Company, Mentor, Post
from backend.core.models import TimeStampedModel
from backend.placements.models import PilotProject, Placement
from backend.schools.models import Program, School, Student

SCORE_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000"))]


class StudentPreference(TimeStampedModel):
    """志愿: a post the student asks for, at a rank (1 = first choice), applied for through a pilot."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="match_preferences")
    pilot = models.ForeignKey(PilotProject, on_delete=models.CASCADE, related_name="match_preferences")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="match_preferences")
    rank = models.PositiveSmallIntegerField(_("志愿顺序"), validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["student", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["student", "rank"], name="preference_unique_rank"),
            models.UniqueConstraint(fields=["student", "post"], name="preference_unique_post"),
        ]
        verbose_name = _("学生志愿")
        verbose_name_plural = _("学生志愿")

    def __str__(self) -> str:
        return f"{self.student} #{self.rank} {self.post}"


class RankingRound(TimeStampedModel):
    """志愿填报: the coordinator opens a pilot's ranking until a deadline (the last day, Beijing time). Until then its
    students rank the posts open to them on the placement start date given here; a placed student, or any while a
    run over the pilot is queued or running, cannot change their list (backend.matching.selectors)."""

    pilot = models.OneToOneField(PilotProject, on_delete=models.CASCADE, related_name="ranking_round")
    closes_on = models.DateField(_("志愿填报截止日期"))
    start_date = models.DateField(_("岗位开始日期"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("志愿填报")
        verbose_name_plural = _("志愿填报")

    def __str__(self) -> str:
        return f"{self.pilot} ≤ {self.closes_on}"


class ApplicantScore(TimeStampedModel):
    """企业评分: the company's score of an applicant (higher is better), for one post or (post empty) for all."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="applicant_scores")
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="applicant_scores"
    )
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="applicant_scores")
    score = models.DecimalField(_("企业评分"), max_digits=6, decimal_places=2, validators=SCORE_VALIDATORS)

    class Meta:
        ordering = ["company", "post", "-score"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "post", "student"], name="applicant_score_unique", nulls_distinct=False
            ),
        ]
        verbose_name = _("企业对申请人的评分")
        verbose_name_plural = _("企业对申请人的评分")


class PostRequirement(TimeStampedModel):
    """岗位要求: programs accepted and a minimum school score; applicants are then ranked by school score."""

    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="requirement")
    programs = models.ManyToManyField(Program, blank=True, related_name="post_requirements")
    minimum_score = models.DecimalField(
        _("最低成绩"), null=True, blank=True, max_digits=6, decimal_places=2, validators=SCORE_VALIDATORS
    )

    class Meta:
        verbose_name = _("岗位要求")
        verbose_name_plural = _("岗位要求")


class StudentScore(TimeStampedModel):
    """学业成绩: the school's score of a student, used where a company ranks by requirements."""

    student = models.OneToOneField(Student, on_delete=models.CASCADE, related_name="match_score")
    score = models.DecimalField(_("学业成绩"), max_digits=6, decimal_places=2, validators=SCORE_VALIDATORS)

    class Meta:
        verbose_name = _("学业成绩")
        verbose_name_plural = _("学业成绩")


class MatchRunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("运行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class MatchRun(TimeStampedModel):
    """One matching run over a school's pilots (or one pilot), with its seed so that it replays exactly."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="match_runs")
    pilot = models.ForeignKey(
        PilotProject, null=True, blank=True, on_delete=models.PROTECT, related_name="match_runs"
    )
    seed = models.BigIntegerField(_("随机种子"))
    start_date = models.DateField(_("岗位开始日期"))
    end_date = models.DateField(_("岗位结束日期"))
    status = models.CharField(
        _("状态"), max_length=20, choices=MatchRunStatus.choices, default=MatchRunStatus.QUEUED
    )
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    phase = models.CharField(_("阶段"), max_length=40, blank=True)
    statistics = models.JSONField(_("统计"), default=dict, blank=True)
    audit = models.JSONField(_("阻塞对检查"), default=dict, blank=True)
    error = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    # Written when the worker starts the run and at every phase: a running run whose heartbeat is older than the
    # task's hard time limit has lost its worker, and the sweep fails it (backend.matching.services).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")), name="match_run_ends_after_start"
            ),
            # One run queued or running per school, whatever the concurrency (MATCH_RUN_BUSY).
            models.UniqueConstraint(
                fields=["school"],
                condition=models.Q(status__in=["queued", "running"]),
                name="match_run_one_open_per_school",
            ),
        ]
        verbose_name = _("匹配批次")
        verbose_name_plural = _("匹配批次")

    def __str__(self) -> str:
        return f"MatchRun {self.pk} ({self.status})"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("待审核")
    ACCEPTED = "accepted", _("已确认")


class Proposal(TimeStampedModel):
    """A proposed placement (or, with no post, an unmatched student) with the reasons behind it."""

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="proposals")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="match_proposals")
    pilot = models.ForeignKey(
        PilotProject, null=True, blank=True, on_delete=models.CASCADE, related_name="match_proposals"
    )
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="match_proposals"
    )
    mentor = models.ForeignKey(
        Mentor, null=True, blank=True, on_delete=models.SET_NULL, related_name="match_proposals"
    )
    choice = models.PositiveSmallIntegerField(_("志愿序号"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    manual = models.BooleanField(_("人工调整"), default=False)
    explanation = models.JSONField(_("说明"), default=dict, blank=True)
    placement = models.OneToOneField(
        Placement, null=True, blank=True, on_delete=models.SET_NULL, related_name="match_proposal"
    )

    class Meta:
        ordering = ["run", "student"]
        constraints = [
            models.UniqueConstraint(fields=["run", "student"], name="proposal_unique_student_per_run"),
        ]
        indexes = [models.Index(fields=["run", "status"])]
        verbose_name = _("匹配结果")
        verbose_name_plural = _("匹配结果")

    def __str__(self) -> str:
        return f"{self.student} -> {self.post or '-'}"
