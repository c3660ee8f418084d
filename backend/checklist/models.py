"""The "八个事先" checklist: what the school has done before a placement starts.

Pilot and company level: the visit report on a host company (HostVisit, with photos), the company's approval onto
the school's list of hosts (HostApproval), the pilot's internship plan and emergency plan (PilotDocument, versioned
by upload). Placement level: the informed consent of student and guardian (ConsentRecord), the filing with the
education department (Filing, one filing covers many placements), the pre-placement safety training (SafetyTraining,
one session covers many placements) and, for a work site in another province, the department's approval
(ProvinceApproval). The gates over these rows are in ``selectors.checklist_results``.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.companies.models import Company
from backend.core.models import TimeStampedModel
from backend.placements.models import PilotProject, Placement
from backend.schools.models import School


def _ext(filename: str) -> str:
    name = filename.lower()
    return name[name.rfind(".") :] if "." in name else ""


def visit_photo_path(instance: "HostVisitPhoto", filename: str) -> str:
    return f"checklist/visits/{instance.visit_id}/{uuid.uuid4().hex}{_ext(filename)}"


def pilot_document_path(instance: "PilotDocument", filename: str) -> str:
    return f"checklist/pilots/{instance.pilot_id}/{instance.kind}/{uuid.uuid4().hex}{_ext(filename)}"


def consent_path(instance: "ConsentRecord", filename: str) -> str:
    return f"checklist/consent/{instance.placement_id}/{uuid.uuid4().hex}{_ext(filename)}"


class HostVisit(TimeStampedModel):
    """走访报告: the school's written visit report on a host company, before its first placement."""

    pilot = models.ForeignKey(PilotProject, on_delete=models.PROTECT, related_name="host_visits")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="host_visits")
    visited_on = models.DateField(_("走访日期"))
    visitors = models.CharField(_("走访人员"), max_length=300)
    findings_safety = models.TextField(_("安全生产情况"))
    findings_posts = models.TextField(_("岗位情况"))
    findings_lodging = models.TextField(_("食宿情况"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("企业走访报告")
        verbose_name_plural = _("企业走访报告")

    def __str__(self) -> str:
        return f"{self.company} {self.visited_on}"


class HostVisitPhoto(TimeStampedModel):
    visit = models.ForeignKey(HostVisit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("照片"), upload_to=visit_photo_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200, blank=True)

    class Meta:
        ordering = ["visit", "id"]
        verbose_name = _("走访照片")
        verbose_name_plural = _("走访照片")

    def __str__(self) -> str:
        return self.name or str(self.pk)


class HostApproval(TimeStampedModel):
    """The company on the school's approved (and published) list of host companies."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="host_approvals")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="host_approvals")
    approved_on = models.DateField(_("批准日期"))
    approver = models.CharField(_("批准人"), max_length=100)
    reference = models.CharField(_("批准文号"), max_length=100)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-approved_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "company"], name="host_approval_unique"),
        ]
        verbose_name = _("合作企业准入")
        verbose_name_plural = _("合作企业准入")

    def __str__(self) -> str:
        return f"{self.school} · {self.company}"


class PilotDocumentKind(models.TextChoices):
    INTERNSHIP_PLAN = "internship_plan", _("实习计划")
    EMERGENCY_PLAN = "emergency_plan", _("应急预案")


class PilotDocument(TimeStampedModel):
    """The pilot's jointly written internship plan or emergency plan; each upload is a new version."""

    pilot = models.ForeignKey(PilotProject, on_delete=models.PROTECT, related_name="checklist_documents")
    kind = models.CharField(_("文件类型"), max_length=30, choices=PilotDocumentKind.choices)
    version = models.PositiveIntegerField(_("版本"))
    title = models.CharField(_("标题"), max_length=200)
    file = models.FileField(_("文件"), upload_to=pilot_document_path, max_length=300)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pilot", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["pilot", "kind", "version"], name="pilot_document_version_unique"
            ),
        ]
        verbose_name = _("实习计划与应急预案")
        verbose_name_plural = _("实习计划与应急预案")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class ConsentRecord(TimeStampedModel):
    """知情同意书: signed on paper by the student and the guardian, recorded with who signed and when."""

    placement = models.OneToOneField(Placement, on_delete=models.CASCADE, related_name="consent")
    student_signed_on = models.DateField(_("学生签署日期"))
    guardian_name = models.CharField(_("监护人姓名"), max_length=50)
    guardian_signed_on = models.DateField(_("监护人签署日期"))
    file = models.FileField(_("扫描件"), upload_to=consent_path, max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("知情同意书")
        verbose_name_plural = _("知情同意书")

    def __str__(self) -> str:
        return f"{self.placement} {self.guardian_signed_on}"


def consent_document_path(instance: "ConsentDocument", filename: str) -> str:
    return f"checklist/consent-forms/{instance.placement_id}/{uuid.uuid4().hex}{_ext(filename)}"


class ConsentStatus(models.TextChoices):
    DRAFT = "draft", _("待发出")
    SENT = "sent", _("签署中")
    SIGNED = "signed", _("已签署，待封存")
    SEALED = "sealed", _("已封存")
    VOID = "void", _("已作废")


class ConsentDocument(TimeStampedModel):
    """知情同意书 as its own document: generated from the versioned template (templates/agreements/consent_*.docx)
    with the placement's facts, signed online by the student and the guardian (backend.signing, one envelope per
    document), sealed like an agreement. A decline or a void leaves it void; the next one is a new version."""

    ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
        ConsentStatus.DRAFT: frozenset({ConsentStatus.SENT, ConsentStatus.VOID}),
        ConsentStatus.SENT: frozenset({ConsentStatus.SIGNED, ConsentStatus.DRAFT, ConsentStatus.VOID}),
        ConsentStatus.SIGNED: frozenset({ConsentStatus.SEALED, ConsentStatus.VOID}),
        ConsentStatus.SEALED: frozenset({ConsentStatus.VOID}),
        ConsentStatus.VOID: frozenset(),
    }

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="consent_documents")
    version = models.PositiveIntegerField(_("版本"))
    number = models.CharField(_("编号"), max_length=40, unique=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=ConsentStatus.choices, default=ConsentStatus.DRAFT, db_index=True
    )
    template_name = models.CharField(_("模板"), max_length=100)
    template_sha256 = models.CharField(max_length=64)
    context = models.JSONField(_("生成时的内容"), default=dict)
    docx = models.FileField(upload_to=consent_document_path, max_length=300)
    pdf = models.FileField(upload_to=consent_document_path, max_length=300)
    pdf_sha256 = models.CharField(max_length=64)
    void_reason = models.CharField(_("作废理由"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["placement", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["placement", "version"], name="consent_document_version_unique"),
            models.UniqueConstraint(
                fields=["placement"],
                condition=~models.Q(status="void"),
                name="consent_document_one_live",
            ),
        ]
        verbose_name = _("知情同意书（在线签署）")
        verbose_name_plural = _("知情同意书（在线签署）")

    def __str__(self) -> str:
        return self.number

    def can_move_to(self, status: str) -> bool:
        return status in self.ALLOWED_TRANSITIONS.get(self.status, frozenset())


class Filing(TimeStampedModel):
    """备案: the placement plan filed with the education department; one filing covers many placements."""

    pilot = models.ForeignKey(PilotProject, on_delete=models.PROTECT, related_name="filings")
    reference = models.CharField(_("备案编号"), max_length=100)
    filed_on = models.DateField(_("备案日期"))
    authority = models.CharField(_("备案部门"), max_length=200)
    placements = models.ManyToManyField(Placement, related_name="filings")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-filed_on", "-id"]
        verbose_name = _("实习备案")
        verbose_name_plural = _("实习备案")

    def __str__(self) -> str:
        return self.reference


class SafetyTraining(TimeStampedModel):
    """岗前安全教育: one session (date, hours, content) attended by many apprentices."""

    pilot = models.ForeignKey(PilotProject, on_delete=models.PROTECT, related_name="safety_trainings")
    held_on = models.DateField(_("培训日期"))
    hours = models.DecimalField(
        _("学时"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    content = models.TextField(_("培训内容"))
    trainer = models.CharField(_("授课人"), max_length=100, blank=True)
    attendees = models.ManyToManyField(Placement, related_name="safety_trainings", verbose_name=_("签到名单"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("岗前安全培训")
        verbose_name_plural = _("岗前安全培训")

    def __str__(self) -> str:
        return f"{self.held_on} {self.hours}h"


class ProvinceApproval(TimeStampedModel):
    """跨省实习审批: the education department's approval of placements whose work site is in another province."""

    pilot = models.ForeignKey(PilotProject, on_delete=models.PROTECT, related_name="province_approvals")
    department = models.CharField(_("审批部门"), max_length=200)
    reference = models.CharField(_("批准文号"), max_length=100)
    approved_on = models.DateField(_("批准日期"))
    placements = models.ManyToManyField(Placement, related_name="province_approvals")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-approved_on", "-id"]
        verbose_name = _("跨省实习审批")
        verbose_name_plural = _("跨省实习审批")

    def __str__(self) -> str:
        return self.reference
