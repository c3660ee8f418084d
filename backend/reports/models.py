"""What the coordinator writes into a pilot's yearly report (年检自检报告): the problems and measures, and the funds
received and spent under headings other than the subsidy's (the subsidy's own headings come from its ledger)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.core.models import TimeStampedModel
from backend.placements.models import PilotProject


class YearlyReportText(TimeStampedModel):
    """The coordinator's text of one pilot's yearly report: one per pilot and year."""

    pilot = models.ForeignKey(PilotProject, on_delete=models.PROTECT, related_name="yearly_report_texts")
    year = models.PositiveSmallIntegerField(_("年度"))
    situation = models.TextField(_("总体情况"), blank=True)
    problems = models.TextField(_("存在问题"), blank=True)
    measures = models.TextField(_("改进措施"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pilot", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["pilot", "year"], name="yearly_report_text_one_per_year"),
            models.CheckConstraint(
                condition=models.Q(year__gte=2000, year__lte=2100), name="yearly_report_text_year_range"
            ),
        ]
        verbose_name = _("年检报告文字")
        verbose_name_plural = _("年检报告文字")

    def __str__(self) -> str:
        return f"{self.pilot} {self.year}"


class FundsLine(TimeStampedModel):
    """A heading of funds the school records for a pilot's year besides the subsidy (e.g. 学校配套经费, 企业投入):
    received and spent, in yuan with fen precision."""

    pilot = models.ForeignKey(PilotProject, on_delete=models.PROTECT, related_name="funds_lines")
    year = models.PositiveSmallIntegerField(_("年度"))
    heading = models.CharField(_("经费项目"), max_length=100)
    received = models.DecimalField(
        _("到位金额(元)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    spent = models.DecimalField(
        _("支出金额(元)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pilot", "-year", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pilot", "year", "heading"], name="funds_line_heading_once"),
            models.CheckConstraint(
                condition=models.Q(received__gte=0) & models.Q(spent__gte=0), name="funds_line_not_negative"
            ),
        ]
        verbose_name = _("其他经费")
        verbose_name_plural = _("其他经费")

    def __str__(self) -> str:
        return f"{self.pilot} {self.year} {self.heading}"
