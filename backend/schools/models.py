import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.companies.models import SignatoryTitle, seal_upload_to
from backend.core.ids import age_on
from backend.core.models import TimeStampedModel

ACADEMIC_YEAR_START_MONTH = 9


class School(TimeStampedModel):
    name = models.CharField(_("学校名称"), max_length=200, unique=True)
    code = models.CharField(_("学校标识码"), max_length=20, blank=True)
    region = models.CharField(_("所在地区"), max_length=100, blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    # The named person who signs agreements for the school, and its seal image: see backend.signing.marks.
    signatory_name = models.CharField(_("签字人姓名"), max_length=50, blank=True)
    signatory_title = models.CharField(
        _("签字人身份"), max_length=30, choices=SignatoryTitle.choices, blank=True
    )
    seal_image = models.FileField(_("公章图片"), upload_to=seal_upload_to, blank=True, max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("学校")
        verbose_name_plural = _("学校")

    def __str__(self) -> str:
        return self.name


class Program(TimeStampedModel):
    """专业: a school's program, with its length in years."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="programs")
    name = models.CharField(_("专业名称"), max_length=200)
    code = models.CharField(_("专业代码"), max_length=20, blank=True)
    years = models.PositiveSmallIntegerField(_("学制(年)"), default=3)

    class Meta:
        ordering = ["school", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="program_unique_name_per_school"),
            models.CheckConstraint(
                condition=models.Q(years__gte=1, years__lte=6), name="program_years_1_to_6"
            ),
        ]
        verbose_name = _("专业")
        verbose_name_plural = _("专业")

    def __str__(self) -> str:
        return self.name


class Cohort(TimeStampedModel):
    """入学年份: the students of one program who entered in one year."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="cohorts")
    entry_year = models.PositiveSmallIntegerField(_("入学年份"))

    class Meta:
        ordering = ["program", "-entry_year"]
        constraints = [
            models.UniqueConstraint(fields=["program", "entry_year"], name="cohort_unique_year_per_program"),
            models.CheckConstraint(
                condition=models.Q(entry_year__gte=1990, entry_year__lte=2100), name="cohort_entry_year_range"
            ),
        ]
        verbose_name = _("年级")
        verbose_name_plural = _("年级")

    def __str__(self) -> str:
        return f"{self.program.name} {self.entry_year}级"

    def year_of_study(self, on: datetime.date) -> int:
        """1 during the first academic year (from September of the entry year), 2 in the second, ..."""
        academic_year = on.year if on.month >= ACADEMIC_YEAR_START_MONTH else on.year - 1
        return academic_year - self.entry_year + 1


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Student(TimeStampedModel):
    """A student; birth date and sex are derived from the resident ID, never typed."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="students")
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="students")
    name = models.CharField(_("姓名"), max_length=50)
    resident_id = models.CharField(_("身份证号"), max_length=18, unique=True)
    birth_date = models.DateField(_("出生日期"), editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, editable=False)
    student_number = models.CharField(_("学号"), max_length=30, blank=True)
    # 班级 as the school names it (e.g. 数控2401班), within the cohort; blank until the school records it
    class_name = models.CharField(_("班级"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    class Meta:
        ordering = ["cohort", "name"]
        verbose_name = _("学生")
        verbose_name_plural = _("学生")

    def __str__(self) -> str:
        return self.name

    @property
    def program(self) -> Program:
        return self.cohort.program

    def age_on(self, day: datetime.date) -> int:
        return age_on(self.birth_date, day)


class Bureau(TimeStampedModel):
    """教育行政部门: an education department (a province's 教育厅, a city's 教育局) and the schools under it. Its
    members (bureau accounts) oversee those schools' data returns; a school may be under several (the city's and
    the province's). See backend/schools/selectors.py `schools_overseen`."""

    name = models.CharField(_("部门名称"), max_length=100, unique=True)
    region = models.CharField(_("所辖地区"), max_length=100, blank=True)
    schools = models.ManyToManyField(School, related_name="bureaus", blank=True, verbose_name=_("所辖学校"))
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="bureaus",
        blank=True,
        limit_choices_to={"role": "bureau"},
        verbose_name=_("工作人员"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("教育行政部门")
        verbose_name_plural = _("教育行政部门")

    def __str__(self) -> str:
        return self.name


class GuardianRelation(models.TextChoices):
    FATHER = "father", _("父亲")
    MOTHER = "mother", _("母亲")
    GRANDPARENT = "grandparent", _("祖父母/外祖父母")
    OTHER = "other", _("其他监护人")


class Guardian(TimeStampedModel):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="guardians")
    name = models.CharField(_("监护人姓名"), max_length=50)
    relation = models.CharField(_("关系"), max_length=20, choices=GuardianRelation.choices)
    phone = models.CharField(_("监护人电话"), max_length=20)
    resident_id = models.CharField(_("监护人身份证号"), max_length=18, blank=True)
    is_primary = models.BooleanField(_("主要监护人"), default=True)

    class Meta:
        ordering = ["student", "-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(fields=["student", "name"], name="guardian_unique_name_per_student"),
        ]
        verbose_name = _("监护人")
        verbose_name_plural = _("监护人")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relation_display()})"
