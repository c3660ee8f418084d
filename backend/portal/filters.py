"""Search and filters of the portal's lists. Choice lists are scoped like the rows they filter."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from backend.accounts.scoping import request_scoped
from backend.companies.models import Company, Mentor, Post
from backend.placements.models import PilotForm, PilotProject, Placement, PlacementStatus
from backend.schools.models import Cohort, Program, Sex, Student


class SearchFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    search_fields: tuple[str, ...] = ()

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        condition = Q()
        for term in value.split():
            term_q = Q()
            for field in self.search_fields:
                term_q |= Q(**{f"{field}__icontains": term})
            condition &= term_q
        return queryset.filter(condition)


class StudentFilter(SearchFilterSet):
    search_fields = ("name", "student_number", "phone", "class_name")
    program = django_filters.ModelChoiceFilter(
        label=_("专业"), field_name="cohort__program", queryset=request_scoped(Program)
    )
    cohort = django_filters.ModelChoiceFilter(label=_("年级"), queryset=request_scoped(Cohort))
    sex = django_filters.ChoiceFilter(label=_("性别"), choices=Sex.choices)
    placed = django_filters.BooleanFilter(label=_("已有岗位安排"), method="filter_placed")

    class Meta:
        model = Student
        fields = ["q", "program", "cohort", "sex", "placed"]

    def filter_placed(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        live = Q(placements__status__in=PlacementStatus.LIVE)
        ids = Student.objects.filter(live).values("pk")
        return queryset.filter(pk__in=ids) if value else queryset.exclude(pk__in=ids)


class PlacementFilter(SearchFilterSet):
    search_fields = ("student__name", "post__title", "post__company__name", "mentor__name")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=PlacementStatus.choices)
    pilot = django_filters.ModelChoiceFilter(label=_("试点项目"), queryset=request_scoped(PilotProject))
    company = django_filters.ModelChoiceFilter(
        label=_("企业"), field_name="post__company", queryset=request_scoped(Company)
    )

    class Meta:
        model = Placement
        fields = ["q", "status", "pilot", "company"]


class CompanyPlacementFilter(SearchFilterSet):
    search_fields = ("student__name", "post__title", "mentor__name")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=PlacementStatus.choices)
    post = django_filters.ModelChoiceFilter(label=_("岗位"), queryset=request_scoped(Post))
    mentor = django_filters.ModelChoiceFilter(label=_("师傅"), queryset=request_scoped(Mentor))

    class Meta:
        model = Placement
        fields = ["q", "status", "post", "mentor"]


class PilotFilter(SearchFilterSet):
    search_fields = ("name", "program__name", "companies__name")
    year = django_filters.NumberFilter(label=_("立项年度"))
    form = django_filters.ChoiceFilter(label=_("合作形式"), choices=PilotForm.choices)

    class Meta:
        model = PilotProject
        fields = ["q", "year", "form"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return super().search(queryset, name, value).distinct()


class ProgramFilter(SearchFilterSet):
    search_fields = ("name", "code")
    years = django_filters.NumberFilter(label=_("学制(年)"))

    class Meta:
        model = Program
        fields = ["q", "years"]


class CohortFilter(SearchFilterSet):
    search_fields = ("program__name",)
    program = django_filters.ModelChoiceFilter(label=_("专业"), queryset=request_scoped(Program))
    entry_year = django_filters.NumberFilter(label=_("入学年份"))

    class Meta:
        model = Cohort
        fields = ["q", "program", "entry_year"]


class PostFilter(SearchFilterSet):
    search_fields = ("title", "location", "description")

    class Meta:
        model = Post
        fields = ["q"]


class MentorFilter(SearchFilterSet):
    search_fields = ("name", "phone", "title")
    post = django_filters.ModelChoiceFilter(label=_("岗位"), queryset=request_scoped(Post))

    class Meta:
        model = Mentor
        fields = ["q", "post"]
