"""Agreements: template versions, agreements with their revisions (docx + pdf), and generation batches."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.core.models import TimeStampedModel
from backend.placements.models import PilotProject, Placement
from backend.schools.models import Cohort, School


class AgreementKind(models.TextChoices):
    THREE_PARTY = "three_party", _("三方协议")
    FOUR_PARTY = "four_party", _("四方协议")
    # 补充协议 (backend/changes): a change of an active placement, signed by the parties of the original.
    SUPPLEMENT_THREE_PARTY = "supplement_three", _("三方补充协议")
    SUPPLEMENT_FOUR_PARTY = "supplement_four", _("四方补充协议")


SUPPLEMENT_KINDS = (AgreementKind.SUPPLEMENT_THREE_PARTY, AgreementKind.SUPPLEMENT_FOUR_PARTY)
FOUR_PARTY_KINDS = (AgreementKind.FOUR_PARTY, AgreementKind.SUPPLEMENT_FOUR_PARTY)


class TemplateVersion(TimeStampedModel):
    """One uploaded version of an agreement template. school=None: the shipped default every school may use.

    Versions are never changed or deleted: an agreement revision records the version that produced it."""

    kind = models.CharField(_("协议类型"), max_length=20, choices=AgreementKind.choices)
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="agreement_templates"
    )
    number = models.PositiveIntegerField(_("版本号"))
    file = models.FileField(_("模板文件"), upload_to="agreements/templates/")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["kind", "school", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "school", "number"], name="template_version_unique", nulls_distinct=False
            ),
        ]
        verbose_name = _("协议模板版本")
        verbose_name_plural = _("协议模板版本")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.number}"


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SENT = "sent", _("已发送签署")
    SIGNED = "signed", _("已签署")
    VOID = "void", _("已作废")


class Agreement(TimeStampedModel):
    """The agreement of one placement. At most one agreement per placement is not void; a signed one is never
    regenerated, only voided and replaced by a new agreement (`replaces`)."""

    ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
        AgreementStatus.DRAFT: frozenset({AgreementStatus.SENT, AgreementStatus.VOID}),
        AgreementStatus.SENT: frozenset(
            {AgreementStatus.SIGNED, AgreementStatus.DRAFT, AgreementStatus.VOID}
        ),
        AgreementStatus.SIGNED: frozenset({AgreementStatus.VOID}),
        AgreementStatus.VOID: frozenset(),
    }

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="agreements")
    kind = models.CharField(_("协议类型"), max_length=20, choices=AgreementKind.choices)
    number = models.CharField(_("协议编号"), max_length=40, unique=True)
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=AgreementStatus.choices,
        default=AgreementStatus.DRAFT,
        db_index=True,
    )
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    void_reason = models.CharField(_("作废原因"), max_length=300, blank=True)
    # A supplementary agreement (补充协议) names the agreement it supplements; the placement's own agreement
    # has none. The "one live agreement per placement" rule is about the placement's own agreement.
    supplements = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supplementary_agreements"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement"],
                condition=~Q(status="void") & Q(supplements__isnull=True),
                name="agreement_one_live_per_placement",
            ),
        ]
        verbose_name = _("协议")
        verbose_name_plural = _("协议")

    def __str__(self) -> str:
        return self.number

    def can_move_to(self, status: str) -> bool:
        return status in self.ALLOWED_TRANSITIONS.get(self.status, frozenset())

    @property
    def current_revision(self) -> "AgreementRevision | None":
        return self.revisions.order_by("-number").first()


class AgreementRevision(models.Model):
    """One generated document of an agreement: the exact template version, the data it printed, both files."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField(_("修订号"))
    template_version = models.ForeignKey(TemplateVersion, on_delete=models.PROTECT, related_name="revisions")
    context = models.JSONField(_("生成时的数据"))
    docx = models.FileField(upload_to="agreements/docx/")
    docx_sha256 = models.CharField(max_length=64)
    pdf = models.FileField(upload_to="agreements/pdf/")
    pdf_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["agreement", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="agreement_revision_unique"),
        ]
        verbose_name = _("协议修订")
        verbose_name_plural = _("协议修订")

    def __str__(self) -> str:
        return f"{self.agreement.number} r{self.number}"


class AgreementBatch(TimeStampedModel):
    """Generating the agreements of a pilot project or a cohort, one worker task per placement."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="agreement_batches")
    pilot = models.ForeignKey(
        PilotProject, null=True, blank=True, on_delete=models.PROTECT, related_name="agreement_batches"
    )
    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.PROTECT, related_name="agreement_batches"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    # The Idempotency-Key of the request that created it: the same user retrying gets this batch back.
    idempotency_key = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pilot__isnull=False) | Q(cohort__isnull=False), name="batch_has_pilot_or_cohort"
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="batch_unique_idempotency_key",
            ),
        ]
        verbose_name = _("协议批量生成")
        verbose_name_plural = _("协议批量生成")

    def __str__(self) -> str:
        return f"batch {self.pk}"


class BatchItemStatus(models.TextChoices):
    PENDING = "pending", _("等待中")  # queued: recorded with queued_at, sent to the worker after commit
    RUNNING = "running", _("生成中")  # claimed by a worker at started_at (attempts counted, committed)
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


# Every state a batch item is not finished in (the sweep watches these).
OPEN_ITEM_STATUSES = (BatchItemStatus.PENDING, BatchItemStatus.RUNNING)


class AgreementBatchItem(models.Model):
    batch = models.ForeignKey(AgreementBatch, on_delete=models.CASCADE, related_name="items")
    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=20, choices=BatchItemStatus.choices, default=BatchItemStatus.PENDING, db_index=True
    )
    agreement = models.ForeignKey(
        Agreement, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error_code = models.CharField(max_length=50, blank=True)
    error_message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(null=True, blank=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["batch", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "placement"], name="batch_item_unique_placement"),
        ]

    def __str__(self) -> str:
        return f"batch {self.batch_id} placement {self.placement_id}: {self.status}"
