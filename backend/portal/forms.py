from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from backend.companies.models import Company, HazardTag, Mentor, Post
from backend.core.text import clean_name

ROSTER_MAX_BYTES = 5 * 1024 * 1024


class NameFormField(forms.CharField):
    """A name typed into a portal form, cleaned of control, bidi-override and zero-width characters."""

    def to_python(self, value):  # type: ignore[no-untyped-def]
        value = super().to_python(value)
        return clean_name(value) if isinstance(value, str) else value


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
        field_classes = {"name": NameFormField, "legal_representative": NameFormField}


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
        field_classes = {"name": NameFormField}

    def __init__(self, *args, company: Company, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        post_field = self.fields["post"]
        assert isinstance(post_field, forms.ModelChoiceField)
        post_field.queryset = Post.objects.filter(company=company)
