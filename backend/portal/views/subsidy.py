"""Subsidy pages (backend.subsidy): the school's claims and exports; the company's statement and mentors' rewards.

Imported only when backend.subsidy is installed (see backend/portal/urls.py)."""

import django_filters
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Role
from backend.portal.access import company_of, role_required
from backend.portal.filters import SearchFilterSet
from backend.portal.integrations import subsidy_grouped, subsidy_totals
from backend.portal.views.common import filtered_list
from backend.subsidy.exports import claims_csv, claims_xlsx
from backend.subsidy.models import Claim, ClaimStatus
from backend.subsidy.selectors import claim_list


class ClaimFilter(SearchFilterSet):
    search_fields = ("student__name", "company__name", "mentor__name", "pilot__name")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ClaimStatus.choices)
    held = django_filters.BooleanFilter(label=_("暂缓"))
    budget_year = django_filters.NumberFilter(label=_("预算年度"))

    class Meta:
        model = Claim
        fields = ["q", "status", "held", "budget_year"]


def _export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    filterset = ClaimFilter(request.GET or None, queryset=claim_list(user=request.user), request=request)
    claims = filterset.qs if filterset.is_bound and filterset.is_valid() else claim_list(user=request.user)
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        response = HttpResponse(
            claims_xlsx(claims),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(claims_csv(claims), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="xuetu-subsidy-claims-{stamp}.{fmt}"'
    return response


def _claims_page(request: HttpRequest, template: str, export: str, extra: dict) -> HttpResponse:
    claims = claim_list(user=request.user)
    exports = {f"export_{fmt}": reverse(export, args=[fmt]) for fmt in ("csv", "xlsx")}
    return filtered_list(
        request,
        filterset_class=ClaimFilter,
        queryset=claims,
        template=template,
        context={"totals": subsidy_totals(claims), **exports, **extra},
    )


@role_required(Role.COORDINATOR)
def school_subsidy(request: HttpRequest) -> HttpResponse:
    return _claims_page(
        request,
        "portal/subsidy/school.html",
        "portal:school-subsidy-export",
        {"by_pilot": subsidy_grouped(claim_list(user=request.user), key="pilot_id", label="pilot__name")},
    )


@role_required(Role.COORDINATOR)
def school_export(request: HttpRequest, fmt: str) -> HttpResponse:
    return _export(request, fmt)


@role_required(Role.HR)
def company_subsidy(request: HttpRequest) -> HttpResponse:
    company = company_of(request)
    claims = claim_list(user=request.user)
    return _claims_page(
        request,
        "portal/subsidy/company.html",
        "portal:company-subsidy-export",
        {
            "company": company,
            "today": timezone.localdate(),
            "mentors": subsidy_grouped(claims, key="mentor_id", label="mentor__name", amount="mentor_amount"),
        },
    )


@role_required(Role.HR)
def company_export(request: HttpRequest, fmt: str) -> HttpResponse:
    return _export(request, fmt)
