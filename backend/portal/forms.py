from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from backend.companies.models import Company, HazardTag, Mentor, Post, SignatoryTitle
from backend.core.text import clean_name
from backend.placements.models import InsurancePolicy, Placement
from backend.portal.widgets import IsoDateInput

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
        labels = {"post": _("岗位")}  # the model's foreign key has no Chinese name of its own

    def __init__(self, *args, company: Company, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        post_field = self.fields["post"]
        assert isinstance(post_field, forms.ModelChoiceField)
        post_field.queryset = Post.objects.filter(company=company)
        post_field.empty_label = _("（不指定岗位）")


# --- completing a placement (coordinator) ----------------------------------------------------------------------


class PlacementDetailsForm(forms.ModelForm):
    """What the school fills in for the agreement: the supervising teacher, the mentor, board and lodging, pay."""

    class Meta:
        model = Placement
        fields = [
            "supervising_teacher",
            "supervising_teacher_phone",
            "mentor",
            "board_and_lodging",
            "monthly_pay",
        ]
        labels = {"mentor": _("企业师傅")}  # the model's foreign key has no Chinese name of its own

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        mentor = self.fields["mentor"]
        assert isinstance(mentor, forms.ModelChoiceField)
        mentor.queryset = Mentor.objects.filter(company_id=self.instance.post.company_id).order_by("name")
        mentor.empty_label = _("（请选择师傅）")
        self.fields["supervising_teacher"].required = True


class LabelledChoiceField(forms.ModelChoiceField):
    """A choice whose label is given by a function (the student with their cohort, the post with its company)."""

    def __init__(self, *args, label_of, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.label_of = label_of

    def label_from_instance(self, obj):  # type: ignore[no-untyped-def]
        return self.label_of(obj)


def _student_label(s) -> str:  # type: ignore[no-untyped-def]
    placed = _("（已有岗位安排）") if getattr(s, "placed", False) else ""
    return f"{s.name} · {s.cohort} · {s.student_number or '—'}{placed}"


class PlacementManualForm(forms.Form):
    """A placement by hand (student, post, mentor, dates, pay), or an adjustment of a proposed one (no student).
    The choices are the coordinator's own: the school's students, the posts and mentors of the school's pilots'
    companies; whether they belong together and pass every gate the service decides."""

    student = LabelledChoiceField(
        queryset=None, label=_("学生"), empty_label=_("（请选择学生）"), label_of=_student_label
    )
    post = LabelledChoiceField(
        queryset=None,
        label=_("岗位"),
        empty_label=_("（请选择岗位）"),
        label_of=lambda p: f"{p.company.name} · {p.title}",
    )
    mentor = LabelledChoiceField(
        queryset=None,
        label=_("企业师傅"),
        empty_label=_("（请选择师傅）"),
        label_of=lambda m: f"{m.company.name} · {m.name}",
        help_text=_("须是岗位所在企业的师傅"),
    )
    start_date = forms.DateField(label=_("开始日期"), widget=IsoDateInput())
    end_date = forms.DateField(label=_("结束日期"), widget=IsoDateInput())
    monthly_pay = forms.DecimalField(
        label=_("学徒月报酬(元)"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
        help_text=_("不低于同岗位工资的百分之八十"),
    )

    def __init__(self, *args, students, posts, mentors, adjusting=False, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if adjusting:
            del self.fields["student"]
            self.fields["drop_stages_outside"] = forms.BooleanField(
                label=_("删除在企期间不在新期间内的培养阶段"), required=False
            )
        else:
            self.fields["student"].queryset = students  # type: ignore[attr-defined]
        self.fields["post"].queryset = posts  # type: ignore[attr-defined]
        self.fields["mentor"].queryset = mentors  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end <= start:
            self.add_error("end_date", _("结束日期须晚于开始日期"))
        return data


class StageForm(forms.Form):
    name = forms.CharField(label=_("阶段名称"), max_length=100)
    school_months = forms.IntegerField(label=_("在校月数"), min_value=0, max_value=36, initial=0)
    company_start = forms.DateField(label=_("在企开始"), widget=IsoDateInput())
    company_end = forms.DateField(label=_("在企结束"), widget=IsoDateInput())
    content = forms.CharField(label=_("培养内容"), required=False, widget=forms.Textarea(attrs={"rows": 1}))


StageFormSet = forms.formset_factory(StageForm, extra=1, can_delete=True, max_num=8)


class InsuranceForm(forms.ModelForm):
    class Meta:
        model = InsurancePolicy
        fields = ["insurer", "policy_number", "start_date", "end_date", "premium_paid_by"]
        widgets = {"start_date": IsoDateInput(), "end_date": IsoDateInput()}


class TeacherBulkForm(forms.Form):
    teacher = forms.CharField(label=_("学校指导教师"), max_length=50)
    phone = forms.CharField(label=_("指导教师电话"), max_length=20, required=False)


class PolicyImportForm(forms.Form):
    file = forms.FileField(label=_("保单清单 (CSV 或 XLSX)"))


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
