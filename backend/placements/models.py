from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.functional import classproperty
from django.utils.translation import gettext_lazy as _

from backend.companies.models import Company, Mentor, Post
from backend.core.models import TimeStampedModel
from backend.schools.models import Program, School, Student

DEFAULT_SIGNING_ORDER = ["student", "guardian", "company", "school"]


class PilotForm(models.TextChoices):
    """The "1+n" forms of a pilot project."""

    ONE_COMPANY = "one_company", _("一校一企")
    SEVERAL_COMPANIES = "several_companies", _("一校多企")
    JOINT = "joint", _("校企联合")


class PilotProject(TimeStampedModel):
    """试点项目: one school program with one or more companies."""

    name = models.CharField(_("项目名称"), max_length=200)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pilots")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="pilots")
    companies = models.ManyToManyField(Company, related_name="pilots", blank=True)
    form = models.CharField(
        _("合作形式"), max_length=30, choices=PilotForm.choices, default=PilotForm.ONE_COMPANY
    )
    year = models.PositiveSmallIntegerField(_("立项年度"))
    signing_order = models.JSONField(_("签署顺序"), default=list, blank=True)

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = _("试点项目")
        verbose_name_plural = _("试点项目")

    def __str__(self) -> str:
        return self.name

    @property
    def effective_signing_order(self) -> list[str]:
        return list(self.signing_order or DEFAULT_SIGNING_ORDER)


class PlacementStatus(models.TextChoices):
    PROPOSED = "proposed", _("拟安排")
    SIGNING = "signing", _("协议签署中")
    ACTIVE = "active", _("在岗")
    PAUSED = "paused", _("暂停")
    COMPLETED = "completed", _("已完成")
    TERMINATED = "terminated", _("已终止")

    @classproperty
    def LIVE(cls) -> tuple["PlacementStatus", ...]:  # noqa: N802 (a constant of the enum, not a member)
        """The statuses of a placement that holds its student, post place and mentor: proposed, signing, active or
        paused (a paused apprentice comes back to the same post and mentor, so the place stays taken)."""
        return (cls.PROPOSED, cls.SIGNING, cls.ACTIVE, cls.PAUSED)


class InternshipType(models.TextChoices):
    """实习类型, as the education department's data return (实习信息) classifies it."""

    POST = "post", _("岗位实习")
    COGNITION = "cognition", _("认识实习")


class InternshipOrganisation(models.TextChoices):
    """组织方式: placed by the school as a group (集中) or found by the student alone (分散)."""

    CENTRALISED = "centralised", _("集中")
    DISPERSED = "dispersed", _("分散")


class Placement(TimeStampedModel):
    """A student's apprenticeship on one post, from proposal to completion."""

    ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
        PlacementStatus.PROPOSED: frozenset({PlacementStatus.SIGNING, PlacementStatus.TERMINATED}),
        PlacementStatus.SIGNING: frozenset(
            {PlacementStatus.ACTIVE, PlacementStatus.PROPOSED, PlacementStatus.TERMINATED}
        ),
        PlacementStatus.ACTIVE: frozenset(
            {PlacementStatus.PAUSED, PlacementStatus.COMPLETED, PlacementStatus.TERMINATED}
        ),
        # A pause (suspension, e.g. illness) ends by resuming or by termination, never by completion.
        PlacementStatus.PAUSED: frozenset({PlacementStatus.ACTIVE, PlacementStatus.TERMINATED}),
        PlacementStatus.COMPLETED: frozenset(),
        PlacementStatus.TERMINATED: frozenset(),
    }

    pilot = models.ForeignKey(PilotProject, on_delete=models.PROTECT, related_name="placements")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="placements")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="placements")
    mentor = models.ForeignKey(
        Mentor, null=True, blank=True, on_delete=models.PROTECT, related_name="placements"
    )
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=PlacementStatus.choices,
        default=PlacementStatus.PROPOSED,
        db_index=True,
    )
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    monthly_pay = models.DecimalField(
        _("学徒月报酬(元)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    supervising_teacher = models.CharField(_("学校指导教师"), max_length=50, blank=True)
    supervising_teacher_phone = models.CharField(_("指导教师电话"), max_length=20, blank=True)
    board_and_lodging = models.CharField(_("食宿安排"), max_length=300, blank=True)
    # For the data return (实习信息): an apprenticeship is a 岗位实习 the school organises (集中) unless recorded
    # otherwise; the work site's province is read from the address when not recorded.
    internship_type = models.CharField(
        _("实习类型"), max_length=20, choices=InternshipType.choices, default=InternshipType.POST
    )
    organisation = models.CharField(
        _("组织方式"),
        max_length=20,
        choices=InternshipOrganisation.choices,
        default=InternshipOrganisation.CENTRALISED,
    )
    work_province = models.CharField(_("实习所在省份"), max_length=20, blank=True)

    class Meta:
        ordering = ["-start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")), name="placement_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["post", "status"]), models.Index(fields=["mentor", "status"])]
        verbose_name = _("学徒岗位安排")
        verbose_name_plural = _("学徒岗位安排")

    def __str__(self) -> str:
        return f"{self.student} @ {self.post}"

    @property
    def company(self) -> Company:
        return self.post.company

    def can_move_to(self, status: str) -> bool:
        return status in self.ALLOWED_TRANSITIONS.get(self.status, frozenset())


class PlacementStage(TimeStampedModel):
    """A stage of alternating study and work, e.g. 岗位认知: 4 months at school, 1 month in the company."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="stages")
    number = models.PositiveSmallIntegerField(_("阶段序号"))
    name = models.CharField(_("阶段名称"), max_length=100)
    school_months = models.PositiveSmallIntegerField(_("在校月数"), default=0)
    company_start = models.DateField(_("在企开始"))
    company_end = models.DateField(_("在企结束"))
    content = models.TextField(_("培养内容"), blank=True)

    class Meta:
        ordering = ["placement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["placement", "number"], name="stage_unique_number"),
            models.CheckConstraint(
                condition=models.Q(company_end__gte=models.F("company_start")), name="stage_ends_after_start"
            ),
        ]
        verbose_name = _("培养阶段")
        verbose_name_plural = _("培养阶段")

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class PlacementEvent(models.Model):
    """The placement's event log: every status change, with who and why. Never updated."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


class HospitalLevel(models.TextChoices):
    COUNTY = "county", _("县级")
    CITY = "city", _("地市级")
    PROVINCE = "province", _("省级")
    TOWNSHIP = "township", _("乡镇/社区(不符合要求)")


class HealthCheck(TimeStampedModel):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="health_checks")
    hospital = models.CharField(_("体检医院"), max_length=200)
    level = models.CharField(_("医院级别"), max_length=20, choices=HospitalLevel.choices)
    date = models.DateField(_("体检日期"))
    fit_for_work = models.BooleanField(_("体检合格"), default=True)
    notes = models.TextField(_("备注"), blank=True)

    class Meta:
        ordering = ["student", "-date"]
        verbose_name = _("健康检查")
        verbose_name_plural = _("健康检查")

    def __str__(self) -> str:
        return f"{self.student} {self.date} {self.hospital}"


class InsuranceKind(models.TextChoices):
    LIABILITY = "liability", _("实习责任保险")
    WORK_INJURY = "work_injury", _("工伤保险")


class PremiumPayer(models.TextChoices):
    SCHOOL = "school", _("学校")
    COMPANY = "company", _("企业")


class InsurancePolicy(TimeStampedModel):
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="insurance_policies")
    kind = models.CharField(_("险种"), max_length=20, choices=InsuranceKind.choices)
    insurer = models.CharField(_("保险公司"), max_length=200)
    policy_number = models.CharField(_("保单号"), max_length=100)
    # Where the insurer takes accident reports (报案); an injury report e-mails it (backend/lifecycle).
    contact_email = models.EmailField(_("保险公司报案邮箱"), blank=True)
    start_date = models.DateField(_("保险起期"))
    end_date = models.DateField(_("保险止期"))
    premium_paid_by = models.CharField(
        _("保费承担方"), max_length=20, choices=PremiumPayer.choices, default=PremiumPayer.COMPANY
    )

    class Meta:
        ordering = ["placement", "kind", "-start_date"]
        constraints = [
            models.UniqueConstraint(fields=["insurer", "policy_number", "placement"], name="policy_unique"),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="policy_ends_after_start"
            ),
        ]
        verbose_name = _("保险")
        verbose_name_plural = _("保险")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.policy_number}"
