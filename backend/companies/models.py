import uuid
from decimal import Decimal
from typing import Any

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.core.models import TimeStampedModel


class SignatoryTitle(models.TextChoices):
    """In what capacity the named person signs an agreement for a company or a school."""

    LEGAL_REPRESENTATIVE = "legal_representative", _("法定代表人")
    AUTHORISED = "authorised", _("授权签字人")


def seal_upload_to(instance: Any, filename: str) -> str:
    """Seal images live under their organisation's own prefix, with an unguessable name."""
    return f"seals/{instance._meta.model_name}/{instance.pk}/{uuid.uuid4().hex}.png"


class Company(TimeStampedModel):
    name = models.CharField(_("企业名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    staff_count = models.PositiveIntegerField(_("在岗职工人数"))
    annual_revenue = models.DecimalField(
        _("年主营业务收入(元)"),
        max_digits=16,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    industry = models.CharField(_("行业"), max_length=100, blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    # The named person who signs agreements for the company, and its seal (公章) image: see backend.signing.marks.
    signatory_name = models.CharField(_("签字人姓名"), max_length=50, blank=True)
    signatory_title = models.CharField(
        _("签字人身份"), max_length=30, choices=SignatoryTitle.choices, blank=True
    )
    seal_image = models.FileField(_("公章图片"), upload_to=seal_upload_to, blank=True, max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("企业")
        verbose_name_plural = _("企业")

    def __str__(self) -> str:
        return self.name


class HazardTag(models.TextChoices):
    """Work a post involves that the rules MINOR_FORBIDDEN_WORK and HAZARDOUS_POST look at."""

    UNDERGROUND = "underground", _("井下/矿山")
    TOXIC = "toxic", _("有毒有害")
    HEIGHT = "height", _("高处作业")
    PHYSICAL_IV = "physical_iv", _("第四级体力劳动强度")
    HEAVY_LIFTING = "heavy_lifting", _("负重超过20公斤")
    RADIOACTIVE = "radioactive", _("放射性")
    FLAMMABLE_EXPLOSIVE = "flammable_explosive", _("易燃易爆")
    ENTERTAINMENT = "entertainment", _("娱乐场所")
    LOW_TEMPERATURE = "low_temperature", _("低温/冷水作业")
    NOISE = "noise", _("高噪声")


class Post(TimeStampedModel):
    """岗位: a post in a company that takes apprentices."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="posts")
    title = models.CharField(_("岗位名称"), max_length=200)
    description = models.TextField(_("岗位内容"), blank=True)
    location = models.CharField(_("工作地点"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("可接收学徒数"))
    staff_on_post = models.PositiveIntegerField(_("本岗位在岗职工数"))
    hazard_tags = models.JSONField(_("危险/禁忌作业标签"), default=list, blank=True)
    monthly_wage = models.DecimalField(
        _("同岗位职工月工资(元)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        ordering = ["company", "title"]
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")

    def __str__(self) -> str:
        return f"{self.company.name} · {self.title}"


class Mentor(TimeStampedModel):
    """师傅: a skilled employee who trains apprentices."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="mentors")
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="mentors")
    name = models.CharField(_("师傅姓名"), max_length=50)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    title = models.CharField(_("职称/技能等级"), max_length=100, blank=True)
    years_experience = models.PositiveSmallIntegerField(_("从业年限"), default=0)

    class Meta:
        ordering = ["company", "name"]
        verbose_name = _("师傅")
        verbose_name_plural = _("师傅")

    def __str__(self) -> str:
        return self.name
