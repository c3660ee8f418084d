"""Attendance: the supervising teacher's assignments, work sites with their rotating code, the apprentice's bound
device, clock punches, work periods (a clock-in/out pair) and the hash-chained record of attested days."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.companies.models import Company, Post
from backend.core.models import TimeStampedModel
from backend.placements.models import Placement
from backend.schools.models import Student


class TeacherAssignment(TimeStampedModel):
    """学校指导教师: the school's teacher account that supervises one placement (one teacher per placement)."""

    placement = models.OneToOneField(Placement, on_delete=models.CASCADE, related_name="teacher_assignment")
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="teacher_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["placement_id"]
        verbose_name = _("指导教师分配")
        verbose_name_plural = _("指导教师分配")

    def __str__(self) -> str:
        return f"{self.teacher} → {self.placement}"


class WorkSite(TimeStampedModel):
    """A company's address where apprentices work. Its secret drives the rotating code shown at the door; it is
    never exported (not in an API, an admin form or a demo dump)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="work_sites")
    name = models.CharField(_("工作地点名称"), max_length=200)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    secret = models.CharField(max_length=64, editable=False)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["company", "name"]
        verbose_name = _("工作地点")
        verbose_name_plural = _("工作地点")

    def __str__(self) -> str:
        return self.name


class WorkSitePost(models.Model):
    """The work site a post belongs to (one site per post; a site has many posts of the same company)."""

    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="work_site_link")
    site = models.ForeignKey(WorkSite, on_delete=models.CASCADE, related_name="post_links")

    class Meta:
        verbose_name = _("岗位工作地点")
        verbose_name_plural = _("岗位工作地点")

    def __str__(self) -> str:
        return f"{self.post} @ {self.site}"


class DeviceBinding(TimeStampedModel):
    """The one device an apprentice clocks from: bound at first use (the SHA-256 of a long random token kept in a
    cookie on the phone); the teacher can release it so the next use binds a new one."""

    student = models.OneToOneField(Student, on_delete=models.CASCADE, related_name="attendance_device")
    token_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("考勤设备")
        verbose_name_plural = _("考勤设备")

    def __str__(self) -> str:
        return f"{self.student} {self.token_hash[:8]}…"


class PunchKind(models.TextChoices):
    IN = "in", _("上班打卡")
    OUT = "out", _("下班打卡")


class Punch(models.Model):
    """One clock-in or clock-out, proven by the site's code of one 30-second step. Never updated."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="punches")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="punches")
    site = models.ForeignKey(WorkSite, on_delete=models.PROTECT, related_name="punches")
    kind = models.CharField(_("类型"), max_length=3, choices=PunchKind.choices)
    at = models.DateTimeField(_("时间"))
    step = models.BigIntegerField(_("验证码时段"))
    idempotency_key = models.CharField(max_length=64)
    # Supporting evidence only, when the browser gives it: never the proof.
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.FloatField(null=True, blank=True)
    # 补卡: entered from an approved make-up request (no code proved it); shown as such everywhere
    makeup = models.BooleanField(_("补卡"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            # a code is used once by an apprentice: a replay, even a racing one, cannot write twice
            models.UniqueConstraint(fields=["student", "site", "step"], name="punch_code_once"),
            models.UniqueConstraint(fields=["student", "idempotency_key"], name="punch_idempotency_key"),
        ]
        verbose_name = _("打卡")
        verbose_name_plural = _("打卡")

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("上班中")
    CLOSED = "closed", _("待师傅确认")
    ATTESTED = "attested", _("师傅已确认")


class StudentResponse(models.TextChoices):
    NONE = "", _("—")
    ACCEPTED = "accepted", _("学徒认可更正")
    DISPUTED = "disputed", _("学徒有异议")


class WorkPeriod(TimeStampedModel):
    """A clock-in/out pair on one day, countersigned by the mentor (as clocked, or corrected with a reason)."""

    ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
        PeriodStatus.OPEN: frozenset({PeriodStatus.CLOSED}),
        PeriodStatus.CLOSED: frozenset({PeriodStatus.ATTESTED}),
        PeriodStatus.ATTESTED: frozenset(),
    }

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="work_periods")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="work_periods")
    site = models.ForeignKey(WorkSite, on_delete=models.PROTECT, related_name="work_periods")
    day = models.DateField(_("日期"))
    clock_in = models.OneToOneField(Punch, on_delete=models.PROTECT, related_name="period_in")
    clock_out = models.OneToOneField(
        Punch, null=True, blank=True, on_delete=models.PROTECT, related_name="period_out"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN, db_index=True
    )
    attested_start = models.DateTimeField(_("确认开始"), null=True, blank=True)
    attested_end = models.DateTimeField(_("确认结束"), null=True, blank=True)
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attested_at = models.DateTimeField(null=True, blank=True)
    corrected = models.BooleanField(_("师傅更正"), default=False)
    correction_reason = models.TextField(_("更正原因"), blank=True)
    student_response = models.CharField(
        _("学徒意见"),
        max_length=10,
        choices=StudentResponse.choices,
        default=StudentResponse.NONE,
        blank=True,
    )
    dispute_note = models.TextField(_("异议说明"), blank=True)
    # a clock-out still missing the next morning: flagged once by the sweep (services.missing_clock_out_sweep)
    missing_out_flagged_at = models.DateTimeField(_("漏打下班卡提醒时间"), null=True, blank=True)
    # the rules' actual shift this period became (source: attendance; HR's upload makes shifts without one)
    shift = models.OneToOneField(
        "rules.Shift", null=True, blank=True, on_delete=models.SET_NULL, related_name="attendance_period"
    )

    class Meta:
        ordering = ["day", "clock_in__at", "id"]
        constraints = [
            # one open clock per apprentice: a second clock-in, even a racing one, cannot open another
            models.UniqueConstraint(
                fields=["student"], condition=Q(clock_out__isnull=True), name="period_one_open_per_student"
            ),
        ]
        indexes = [models.Index(fields=["placement", "day"], name="period_placement_day")]
        verbose_name = _("出勤时段")
        verbose_name_plural = _("出勤时段")

    def __str__(self) -> str:
        return f"{self.student} {self.day} ({self.status})"

    def can_move_to(self, status: str) -> bool:
        return status in self.ALLOWED_TRANSITIONS.get(self.status, frozenset())


class AttendanceRecord(models.Model):
    """The chain of a placement's attested days: each entry is the day as attested (canonical JSON) and the SHA-256
    of the previous entry's hash and this content, so a rewritten past day breaks the chain. Append-only: a later
    correction or dispute of a day appends a new entry for it."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="attendance_records")
    seq = models.PositiveIntegerField()
    day = models.DateField(_("日期"))
    event = models.CharField(max_length=20)
    content = models.JSONField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["placement", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["placement", "seq"], name="attendance_record_seq"),
        ]
        verbose_name = _("考勤记录链")
        verbose_name_plural = _("考勤记录链")

    def __str__(self) -> str:
        return f"{self.placement_id}#{self.seq} {self.day} {self.hash[:10]}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("已拒绝")


class MakeUpRequest(TimeStampedModel):
    """补卡: the apprentice asks for a missing clock on a past day, with a reason; the mentor approves or refuses.
    A missing clock-out closes the day's open period at ``at``; a missing clock-in is a whole period forgotten
    (``at`` to ``end_at``). Approved, it becomes punches marked ``makeup`` (never a code's proof)."""

    ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
        RequestStatus.PENDING: frozenset({RequestStatus.APPROVED, RequestStatus.REFUSED}),
        RequestStatus.APPROVED: frozenset(),
        RequestStatus.REFUSED: frozenset(),
    }

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="makeup_requests")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="makeup_requests")
    kind = models.CharField(_("补卡类型"), max_length=3, choices=PunchKind.choices)
    day = models.DateField(_("日期"))
    at = models.DateTimeField(_("补卡时间"))
    end_at = models.DateTimeField(_("下班时间"), null=True, blank=True)
    period = models.ForeignKey(
        WorkPeriod, null=True, blank=True, on_delete=models.SET_NULL, related_name="makeup_requests"
    )
    reason = models.TextField(_("补卡原因"))
    status = models.CharField(
        _("状态"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(_("拒绝原因"), blank=True)

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name = _("补卡申请")
        verbose_name_plural = _("补卡申请")

    def __str__(self) -> str:
        return f"{self.student} {self.day} {self.kind} ({self.status})"

    def can_move_to(self, status: str) -> bool:
        return status in self.ALLOWED_TRANSITIONS.get(self.status, frozenset())


class LeaveKind(models.TextChoices):
    PERSONAL = "personal", _("事假")
    SICK = "sick", _("病假")


class Decision(models.TextChoices):
    NONE = "", _("待审批")
    APPROVED = "approved", _("同意")
    REFUSED = "refused", _("不同意")


def leave_attachment_path(instance: "LeaveRequest", filename: str) -> str:
    return f"attendance/leave/{instance.placement_id}/{filename}"


class LeaveRequest(TimeStampedModel):
    """请假 (事假/病假): approved only when the mentor AND the supervising teacher agree; either refuses with a
    reason. An approved leave day counts as no work (see rules_bridge: the rules' absence provider)."""

    ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
        RequestStatus.PENDING: frozenset({RequestStatus.APPROVED, RequestStatus.REFUSED}),
        RequestStatus.APPROVED: frozenset(),
        RequestStatus.REFUSED: frozenset(),
    }

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="leave_requests")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="leave_requests")
    kind = models.CharField(_("请假类型"), max_length=10, choices=LeaveKind.choices)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    hours = models.DecimalField(_("请假小时数"), max_digits=5, decimal_places=1)
    reason = models.TextField(_("请假原因"))
    attachment = models.FileField(
        _("附件"), upload_to=leave_attachment_path, blank=True, max_length=300
    )  # served only through the scoped download endpoint
    status = models.CharField(
        _("状态"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING, db_index=True
    )
    mentor_decision = models.CharField(
        _("师傅意见"), max_length=10, choices=Decision.choices, default=Decision.NONE, blank=True
    )
    mentor_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mentor_at = models.DateTimeField(null=True, blank=True)
    teacher_decision = models.CharField(
        _("指导教师意见"), max_length=10, choices=Decision.choices, default=Decision.NONE, blank=True
    )
    teacher_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    teacher_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(_("拒绝原因"), blank=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="leave_dates_order"
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="leave_hours_positive"),
        ]
        indexes = [models.Index(fields=["placement", "status"], name="leave_placement_status")]
        verbose_name = _("请假申请")
        verbose_name_plural = _("请假申请")

    def __str__(self) -> str:
        return f"{self.student} {self.start_date}–{self.end_date} ({self.status})"

    def can_move_to(self, status: str) -> bool:
        return status in self.ALLOWED_TRANSITIONS.get(self.status, frozenset())


class SealedAttendanceRecord(models.Model):
    """A placement's attested attendance as a PDF sealed with the platform's certificate (checked at /verify by
    its SHA-256). One per distinct content: asking again while nothing changed answers the same file."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="sealed_attendance")
    sha256 = models.CharField(max_length=64, unique=True)
    content_sha256 = models.CharField(max_length=64)
    pdf = models.FileField(upload_to="attendance/sealed/%Y/%m/", max_length=200)
    periods = models.PositiveIntegerField(default=0)
    total_hours = models.DecimalField(max_digits=8, decimal_places=1, default=0)
    chain_head = models.CharField(max_length=64)
    chain_length = models.PositiveIntegerField(default=0)
    sealed_at = models.DateTimeField()
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["placement", "-sealed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "content_sha256"], name="sealed_attendance_content_once"
            )
        ]
        verbose_name = _("考勤记录封存件")
        verbose_name_plural = _("考勤记录封存件")

    def __str__(self) -> str:
        return f"{self.placement_id} {self.sha256[:10]}"
