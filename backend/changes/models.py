"""Change requests (变更申请) of an active placement: post, mentor or dates, effective through a supplementary
agreement (补充协议) signed by the parties of the original agreement."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.agreements.models import Agreement
from backend.companies.models import Mentor, Post
from backend.core.models import TimeStampedModel
from backend.placements.models import Placement


class ChangeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REQUESTED = "requested", _("待学校审批")
    APPROVED = "approved", _("已批准，待生成补充协议")
    SIGNING = "signing", _("补充协议签署中")
    EFFECTIVE = "effective", _("已生效")
    REFUSED = "refused", _("未批准")
    WITHDRAWN = "withdrawn", _("已撤回")


# A placement has at most one change request in one of these statuses.
OPEN_STATUSES = (ChangeStatus.DRAFT, ChangeStatus.REQUESTED, ChangeStatus.APPROVED, ChangeStatus.SIGNING)


class ChangeRequest(TimeStampedModel):
    """A change of an active placement's post, mentor or dates, with its reason. Nothing of the placement changes
    until the supplementary agreement is sealed; the old values are kept for the history."""

    ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
        ChangeStatus.DRAFT: frozenset({ChangeStatus.REQUESTED, ChangeStatus.WITHDRAWN}),
        ChangeStatus.REQUESTED: frozenset(
            {ChangeStatus.APPROVED, ChangeStatus.REFUSED, ChangeStatus.WITHDRAWN}
        ),
        # approved: the supplementary agreement is generated and sent (again after a decline or a void)
        ChangeStatus.APPROVED: frozenset({ChangeStatus.SIGNING, ChangeStatus.WITHDRAWN}),
        ChangeStatus.SIGNING: frozenset(
            {ChangeStatus.EFFECTIVE, ChangeStatus.APPROVED, ChangeStatus.REFUSED, ChangeStatus.WITHDRAWN}
        ),
        ChangeStatus.EFFECTIVE: frozenset(),
        ChangeStatus.REFUSED: frozenset(),
        ChangeStatus.WITHDRAWN: frozenset(),
    }

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="change_requests")
    status = models.CharField(
        _("状态"), max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.REQUESTED, db_index=True
    )
    reason = models.TextField(_("变更理由"))
    # The new values; None: unchanged.
    new_post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("新岗位")
    )
    new_mentor = models.ForeignKey(
        Mentor, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("新师傅")
    )
    new_start_date = models.DateField(_("新开始日期"), null=True, blank=True)
    new_end_date = models.DateField(_("新结束日期"), null=True, blank=True)
    # The values when the change was requested (what the supplementary agreement prints as "before").
    old_post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="+")
    old_mentor = models.ForeignKey(Mentor, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    old_start_date = models.DateField()
    old_end_date = models.DateField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(_("不予批准的理由"), blank=True)
    agreement = models.OneToOneField(
        Agreement, null=True, blank=True, on_delete=models.PROTECT, related_name="change_request"
    )
    effective_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement"],
                condition=Q(status__in=["draft", "requested", "approved", "signing"]),
                name="change_one_open_per_placement",
            ),
            models.CheckConstraint(
                condition=Q(new_post__isnull=False)
                | Q(new_mentor__isnull=False)
                | Q(new_start_date__isnull=False)
                | Q(new_end_date__isnull=False),
                name="change_changes_something",
            ),
        ]
        verbose_name = _("变更申请")
        verbose_name_plural = _("变更申请")

    def __str__(self) -> str:
        return f"change #{self.pk} of placement {self.placement_id} ({self.status})"

    def can_move_to(self, status: str) -> bool:
        return status in self.ALLOWED_TRANSITIONS.get(self.status, frozenset())
