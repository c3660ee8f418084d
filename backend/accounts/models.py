from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("学校联络人")
    HR = "hr", _("企业人事")
    MENTOR = "mentor", _("企业师傅")
    STUDENT = "student", _("学生")
    GUARDIAN = "guardian", _("监护人")
    BUREAU = "bureau", _("教育局/财务")
    ADMIN = "admin", _("平台管理员")
    TEACHER = "teacher", _("指导教师")


# Which organisation link each role must carry.
ROLE_LINK = {
    Role.COORDINATOR: "school",
    Role.HR: "company",
    Role.MENTOR: "mentor",
    Role.STUDENT: "student",
    Role.GUARDIAN: "guardian",
    Role.TEACHER: "school",
}


class UserManager(BaseUserManager["User"]):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra_fields: Any
    ) -> "User":
        """`manage.py createsuperuser` makes a platform administrator: role admin, tied to no organisation
        (the default role, student, must name a student record)."""
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person with one role in one organisation."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.STUDENT)
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    company = models.ForeignKey(
        "companies.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    mentor = models.OneToOneField(
        "companies.Mentor", null=True, blank=True, on_delete=models.PROTECT, related_name="user"
    )
    student = models.OneToOneField(
        "schools.Student", null=True, blank=True, on_delete=models.PROTECT, related_name="user"
    )
    guardian = models.OneToOneField(
        "schools.Guardian", null=True, blank=True, on_delete=models.PROTECT, related_name="user"
    )

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="coordinator") | models.Q(school__isnull=False),
                name="coordinator_has_school",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="hr") | models.Q(company__isnull=False), name="hr_has_company"
            ),
            models.CheckConstraint(
                condition=~models.Q(role="mentor") | models.Q(mentor__isnull=False), name="mentor_has_mentor"
            ),
            models.CheckConstraint(
                condition=~models.Q(role="student") | models.Q(student__isnull=False),
                name="student_has_student",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="guardian") | models.Q(guardian__isnull=False),
                name="guardian_has_guardian",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="teacher") | models.Q(school__isnull=False),
                name="teacher_has_school",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.BUREAU, Role.ADMIN) or self.is_superuser

    @property
    def is_read_only(self) -> bool:
        return self.role == Role.BUREAU
