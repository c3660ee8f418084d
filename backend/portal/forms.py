from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from backend.companies.models import Company, HazardTag, Mentor, Post, SignatoryTitle

ROSTER_MAX_BYTES = 5 * 1024 * 1024


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=_("花名册文件 (CSV 或 XLSX)"))

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        if upload.size > ROSTER_MAX_BYTES:
            raise forms.ValidationError(_("文件不能超过 5 MB"))
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("请上传 CSV 或 XLSX 文件"))
        return upload


class CompanyProfileForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = [
            "name",
            "credit_code",
            "staff_count",
            "annual_revenue",
            "industry",
            "address",
            "legal_representative",
            "contact_phone",
        ]


class PostForm(forms.ModelForm):
    hazard_tags = forms.MultipleChoiceField(
        label=_("危险/禁忌作业标签"),
        choices=HazardTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    monthly_wage = forms.DecimalField(
        label=_("同岗位职工月工资(元)"), min_value=Decimal("0"), max_digits=10, decimal_places=2
    )

    class Meta:
        model = Post
        fields = [
            "title",
            "description",
            "location",
            "capacity",
            "staff_on_post",
            "hazard_tags",
            "monthly_wage",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class MentorForm(forms.ModelForm):
    class Meta:
        model = Mentor
        fields = ["name", "phone", "post", "title", "years_experience"]

    def __init__(self, *args, company: Company, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        post_field = self.fields["post"]
        assert isinstance(post_field, forms.ModelChoiceField)
        post_field.queryset = Post.objects.filter(company=company)


class SignatoryForm(forms.Form):
    """The company's or school's named signatory and seal image (backend.signing.marks checks and stores them)."""

    signatory_name = forms.CharField(label=_("签字人姓名"), max_length=50)
    signatory_title = forms.ChoiceField(label=_("签字人身份"), choices=SignatoryTitle.choices)
    seal = forms.FileField(
        label=_("公章图片（PNG，透明背景为佳，不超过 1 MB）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png"}),
    )
    remove_seal = forms.BooleanField(label=_("删除现有公章图片"), required=False)
