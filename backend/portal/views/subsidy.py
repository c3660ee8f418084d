"""Subsidy pages (backend.subsidy): the school's claims and exports; the company's statement and mentors' rewards;
the bureau's approval and payment of claims (the subsidy services decide: budget order, holds, one payment
reference per batch).

Imported only when backend.subsidy is installed (see backend/portal/urls.py)."""

from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from backend.accounts.models import Role
from backend.core.clock import local_today
from backend.core.errors import ApplicationError
from backend.placements.models import PilotProject
from backend.portal.access import company_of, error_text, feature, role_required, scoped, scoped_get
from backend.portal.filters import SearchFilterSet
from backend.portal.integrations import subsidy_grouped, subsidy_totals
from backend.portal.views.common import filtered_list
from backend.portal.widgets import IsoDateInput
from backend.subsidy.exports import claims_csv, claims_xlsx
from backend.subsidy.models import Claim, ClaimStatus, PilotBudget
from backend.subsidy.selectors import claim_list
from backend.subsidy.services import batch_pay, claim_approve, pilot_budget_set


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
    rows = claims
    if feature("training"):  # each row shows the training evidence it was earned on
        from backend.training.selectors import claims_with_standard_evidence

        rows = claims_with_standard_evidence(claims)
    return filtered_list(
        request,
        filterset_class=ClaimFilter,
        queryset=rows,
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


# --- bureau: approve and pay ---------------------------------------------------------------------------------


class PayForm(forms.Form):
    reference = forms.CharField(label=_("支付凭证号"), max_length=64)
    paid_on = forms.DateField(label=_("拨付日期"), widget=IsoDateInput())
    note = forms.CharField(label=_("备注"), required=False, max_length=200)


class BudgetForm(forms.Form):
    """A pilot's yearly subsidy budget (subsidy.services.pilot_budget_set): approvals stay within it."""

    pilot = forms.ModelChoiceField(
        label=_("试点项目"), queryset=PilotProject.objects.none(), empty_label=_("（请选择试点项目）")
    )
    year = forms.IntegerField(label=_("预算年度"), min_value=2000, max_value=2100)
    amount = forms.DecimalField(label=_("预算(元)"), min_value=Decimal("0"), max_digits=14, decimal_places=2)

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["pilot"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = scoped(request, PilotProject.objects.order_by("name"))


def _budgets(request: HttpRequest) -> list[Any]:
    pilots = scoped(request, PilotProject.objects.all())
    return list(
        PilotBudget.objects.filter(pilot__in=pilots).select_related("pilot").order_by("-year", "pilot__name")
    )


bureau_only = role_required(Role.BUREAU)


@bureau_only
def bureau_subsidy(request: HttpRequest) -> HttpResponse:
    return _claims_page(
        request,
        "portal/subsidy/bureau.html",
        "portal:bureau-subsidy-export",
        {
            "by_pilot": subsidy_grouped(claim_list(user=request.user), key="pilot_id", label="pilot__name"),
            "pay_form": PayForm(initial={"paid_on": local_today()}),
            "payable": claim_list(user=request.user).filter(status=ClaimStatus.APPROVED, held=False),
            "bureau": True,
            "budgets": _budgets(request),
            "budget_form": BudgetForm(request=request, initial={"year": local_today().year}),
        },
    )


@bureau_only
@require_POST
def bureau_budget_set(request: HttpRequest) -> HttpResponse:
    form = BudgetForm(request.POST, request=request)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(reverse("portal:bureau-subsidy") + "#budget")
    data = form.cleaned_data
    try:
        pilot_budget_set(pilot=data["pilot"], year=data["year"], amount=data["amount"], actor=request.user)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            gettext("%(pilot)s %(year)s 年度预算已设为 %(amount)s 元")
            % {"pilot": data["pilot"].name, "year": data["year"], "amount": data["amount"]},
        )
    return redirect(reverse("portal:bureau-subsidy") + "#budget")


@bureau_only
def bureau_export(request: HttpRequest, fmt: str) -> HttpResponse:
    return _export(request, fmt)


@bureau_only
@require_POST
def bureau_claim_approve(request: HttpRequest, pk: int) -> HttpResponse:
    claim = scoped_get(request, claim_list(user=request.user), pk=pk)
    try:
        claim_approve(claim=claim, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            gettext("已审批 %(student)s 的补助 %(amount)s 元")
            % {"student": claim.student.name, "amount": claim.amount},
        )
    return redirect("portal:bureau-subsidy")


@bureau_only
@require_POST
def bureau_claims_pay(request: HttpRequest) -> HttpResponse:
    form = PayForm(request.POST)
    ids = [int(x) for x in request.POST.getlist("claims") if x.isdigit()]
    # only the bureau's own claims: an id outside its scope is simply not found, and the batch refuses (missing)
    claims = list(claim_list(user=request.user).filter(pk__in=ids))
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("portal:bureau-subsidy")
    if not ids:
        messages.error(request, gettext("请选择要拨付的申领"))
        return redirect("portal:bureau-subsidy")
    if len(claims) != len(set(ids)):
        raise Http404
    try:
        batch = batch_pay(
            claims=claims,
            reference=form.cleaned_data["reference"],
            paid_on=form.cleaned_data["paid_on"],
            note=form.cleaned_data["note"],
            actor=request.user,
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            gettext("已拨付 %(n)d 条申领，合计 %(total)s 元，凭证号 %(reference)s")
            % {"n": len(claims), "total": batch.total, "reference": batch.reference},
        )
    return redirect("portal:bureau-subsidy")
