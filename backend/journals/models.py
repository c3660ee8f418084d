"""Journals (日报/周记) the apprentice writes and the mentor and the teacher review, the pilot's rule for their
rhythm and deadline, and the supervising teacher's visits (走访/巡查)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.companies.models import Company
from backend.core.models import TimeStampedModel
from backend.placements.models import PilotProject, Placement
from backend.schools.models import School, Student


class JournalKind(models.TextChoices):
    DAILY = "daily", _("日报")
    WEEKLY = "weekly", _("周记")


class JournalRule(TimeStampedModel):
    """What a pilot requires of its apprentices: a weekly journal every week or not, daily ones or not,
    `term_min` in a term, and the deadline: `deadline_days` days after the day (or the week's Sunday) at
    `deadline_hour` o'clock local time. Reminders go out `remind_hours` before the deadline."""

    pilot = models.OneToOneField(PilotProject, on_delete=models.CASCADE, related_name="journal_rule")
    weekly_required = models.BooleanField(_("要求每周周记"), default=True)
    daily_required = models.BooleanField(_("要求日报"), default=False)
    term_min = models.PositiveSmallIntegerField(_("每学期至少篇数"), default=12)
    deadline_days = models.PositiveSmallIntegerField(_("截止：之后第几天"), default=1)
    deadline_hour = models.PositiveSmallIntegerField(_("截止：几点（当地时间）"), default=12)
    remind_hours = models.PositiveSmallIntegerField(_("截止前几小时提醒"), default=24)

    class Meta:
        verbose_name = _("日报周记要求")
        verbose_name_plural = _("日报周记要求")
        constraints = [
            models.CheckConstraint(condition=models.Q(deadline_hour__lt=24), name="journal_rule_hour"),
        ]

    def __str__(self) -> str:
        return f"{self.pilot}: {self.term_min}/学期"


class JournalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待批阅")
    APPROVED = "approved", _("已通过")
    RETURNED = "returned", _("退回修改")


class JournalEntry(TimeStampedModel):
    """One journal: a day (daily) or an ISO week (weekly, `period_start` is its Monday). Edited only while
    returned for rework; every submitted version is kept as a JournalRevision."""

    ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
        JournalStatus.SUBMITTED: frozenset({JournalStatus.APPROVED, JournalStatus.RETURNED}),
        JournalStatus.APPROVED: frozenset({JournalStatus.RETURNED}),
        JournalStatus.RETURNED: frozenset({JournalStatus.SUBMITTED}),
    }

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="journal_entries")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="journal_entries")
    kind = models.CharField(_("类型"), max_length=10, choices=JournalKind.choices)
    period_start = models.DateField(_("日期/周一"))
    tasks = models.JSONField(_("完成的任务"), default=list, blank=True)
    hours = models.DecimalField(_("工时"), max_digits=5, decimal_places=1)
    learned = models.TextField(_("学到了什么"))
    problems = models.TextField(_("遇到的问题"), blank=True)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=JournalStatus.choices,
        default=JournalStatus.SUBMITTED,
        db_index=True,
    )
    version = models.PositiveIntegerField(default=1)
    deadline = models.DateTimeField(_("截止时间"))
    submitted_at = models.DateTimeField(_("首次提交"))
    resubmitted_at = models.DateTimeField(_("最近提交"), null=True, blank=True)
    late = models.BooleanField(_("逾期"), default=False)

    class Meta:
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "kind", "period_start"], name="journal_one_per_period"
            ),
        ]
        indexes = [
            models.Index(fields=["placement", "kind", "period_start"], name="journal_placement_period")
        ]
        verbose_name = _("日报周记")
        verbose_name_plural = _("日报周记")

    def __str__(self) -> str:
        return f"{self.student} {self.get_kind_display()} {self.period_start}"

    def can_move_to(self, status: str) -> bool:
        return status in self.ALLOWED_TRANSITIONS.get(self.status, frozenset())


class JournalRevision(models.Model):
    """A submitted version of a journal as it was (the history kept when a returned entry is resubmitted)."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    content = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["entry", "version"]
        constraints = [models.UniqueConstraint(fields=["entry", "version"], name="journal_revision_once")]
        verbose_name = _("日报周记历史版本")
        verbose_name_plural = _("日报周记历史版本")

    def __str__(self) -> str:
        return f"{self.entry_id} v{self.version}"


class ReviewAction(models.TextChoices):
    APPROVE = "approve", _("通过")
    COMMENT = "comment", _("评语")
    RETURN = "return", _("退回修改")


class JournalReview(models.Model):
    """A mentor's or a teacher's review of one version of a journal: approve, comment or return for rework."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewer_role = models.CharField(max_length=20)
    action = models.CharField(_("批阅"), max_length=10, choices=ReviewAction.choices)
    comment = models.TextField(_("评语"), blank=True)
    entry_version = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("批阅")
        verbose_name_plural = _("批阅")

    def __str__(self) -> str:
        return f"{self.entry_id} {self.action} by {self.reviewer_id}"


def journal_photo_path(instance: "JournalPhoto", filename: str) -> str:
    return f"journals/{instance.entry.placement_id}/{instance.entry_id}/{filename}"


class JournalPhoto(models.Model):
    """A photo attached to a journal (checked JPEG/PNG/WebP, at most 5 MB), served only through a scoped view."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=journal_photo_path, max_length=300)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("日报周记照片")
        verbose_name_plural = _("日报周记照片")

    def __str__(self) -> str:
        return self.file.name or ""


class TeacherVisit(TimeStampedModel):
    """走访/巡查: the supervising teacher's visit to a company, about one placement or the company as a whole."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="teacher_visits")
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="teacher_visits"
    )
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="teacher_visits")
    placement = models.ForeignKey(
        Placement, null=True, blank=True, on_delete=models.SET_NULL, related_name="teacher_visits"
    )
    visited_on = models.DateField(_("走访日期"))
    place = models.CharField(_("地点"), max_length=300)
    met = models.CharField(_("会见人员"), max_length=300)
    findings = models.TextField(_("发现的情况"))
    follow_up = models.TextField(_("后续跟进"), blank=True)

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")

    def __str__(self) -> str:
        return f"{self.visited_on} {self.company}"


def visit_photo_path(instance: "VisitPhoto", filename: str) -> str:
    return f"visits/{instance.visit.school_id}/{instance.visit_id}/{filename}"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(TeacherVisit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=visit_photo_path, max_length=300)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("走访照片")
        verbose_name_plural = _("走访照片")

    def __str__(self) -> str:
        return self.file.name or ""
