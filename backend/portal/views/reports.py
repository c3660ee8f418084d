"""Reports pages (backend.reports): the coordinator's yearly report (年检报告: figures, text, other funds, docx and
PDF) and data return (数据上报: month, XLSX/CSV, the missing list); the bureau's list of every school's reports and
the province summary.

Imported only when backend.reports is installed (see backend/portal/urls.py)."""

import datetime
import re
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from backend.accounts.models import Role
from backend.core.clock import local_today
from backend.core.errors import ApplicationError
from backend.portal.access import error_text, role_required, scoped_get
from backend.portal.rules_labels import rule_label
from backend.reports import datareturn, documents, selectors, services
from backend.reports.models import FundsLine, YearlyReportText
from backend.schools.models import School
from backend.schools.selectors import bureaus_of, schools_overseen

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUBSIDY_HEADINGS = {
    "学徒补助：带徒师傅奖励": _("学徒补助：带徒师傅奖励"),
    "学徒补助：企业水电、耗材": _("学徒补助：企业水电、耗材"),
}
coordinator_only = role_required(Role.COORDINATOR)
bureau_only = role_required(Role.BUREAU)


class ReportTextForm(forms.Form):
    situation = forms.CharField(label=_("总体情况"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    problems = forms.CharField(label=_("存在问题"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    measures = forms.CharField(label=_("改进措施"), widget=forms.Textarea(attrs={"rows": 4}), required=False)


class FundsLineForm(forms.Form):
    heading = forms.CharField(label=_("经费项目"), max_length=100)
    received = forms.DecimalField(label=_("到位金额(元)"), min_value=0, max_digits=14, decimal_places=2)
    spent = forms.DecimalField(label=_("支出金额(元)"), min_value=0, max_digits=14, decimal_places=2)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


def _year(value: Any) -> int:
    text = str(value or "")
    return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else local_today().year


def _years() -> list[int]:
    this = local_today().year
    return list(range(this, this - 5, -1))


def _attachment(response: HttpResponse, name: str, ascii_name: str) -> HttpResponse:
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return response


def _for_page(figures: selectors.YearlyFigures) -> dict[str, Any]:
    """The figures with labels in the page's language (the docx keeps its Chinese)."""
    return {
        "figures": figures,
        "violations": [{**v, "label": rule_label(v["rule_code"])} for v in figures.violations],
        "funds": [
            {
                "row": f,
                "heading": SUBSIDY_HEADINGS.get(f.heading, f.heading) if f.source == "subsidy" else f.heading,
            }
            for f in figures.funds
        ],
    }


@coordinator_only
def school_yearly_report(request: HttpRequest) -> HttpResponse:
    pilots = list(selectors.pilot_list(user=request.user))
    year = _year(request.GET.get("year"))
    pilot_id = request.GET.get("pilot", "")
    pilot = next((p for p in pilots if str(p.pk) == pilot_id), pilots[0] if pilots else None)
    if pilot_id and (pilot is None or str(pilot.pk) != pilot_id):
        raise Http404
    context: dict[str, Any] = {"pilots": pilots, "pilot": pilot, "year": year, "years": _years()}
    if pilot is not None:
        figures = selectors.yearly_figures(pilot=pilot, year=year, as_of=local_today())
        context.update(_for_page(figures))
        context["text_form"] = ReportTextForm(
            initial={
                "situation": figures.situation,
                "problems": figures.problems,
                "measures": figures.measures,
            }
        )
        context["funds_form"] = FundsLineForm()
        context["lines"] = FundsLine.objects.filter(pilot=pilot, year=year).order_by("id")
    return render(request, "portal/reports/school_yearly.html", context)


def _back(pilot: Any, year: int) -> HttpResponse:
    return redirect(f"{reverse('portal:school-yearly-report')}?pilot={pilot.pk}&year={year}")


@coordinator_only
@require_POST
def school_report_text(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    pilot = scoped_get(request, selectors.pilot_list(user=request.user), pk=pk)
    form = ReportTextForm(request.POST)
    if form.is_valid():
        try:
            services.report_text_save(actor=request.user, pilot=pilot, year=_year(year), **form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, gettext("已保存年检报告文字"))
    return _back(pilot, _year(year))


@coordinator_only
@require_POST
def school_funds_line(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    pilot = scoped_get(request, selectors.pilot_list(user=request.user), pk=pk)
    form = FundsLineForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return _back(pilot, _year(year))
    try:
        services.funds_line_save(actor=request.user, pilot=pilot, year=_year(year), **form.cleaned_data)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, gettext("已保存经费项目"))
    return _back(pilot, _year(year))


@coordinator_only
@require_POST
def school_funds_line_delete(request: HttpRequest, pk: int) -> HttpResponse:
    line = scoped_get(request, selectors.funds_line_list(user=request.user), pk=pk)
    pilot, year = line.pilot, line.year
    try:
        services.funds_line_delete(actor=request.user, line=line)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    return _back(pilot, year)


def _document(request: HttpRequest, pk: int, year: int, fmt: str) -> HttpResponse:
    if fmt not in ("docx", "pdf"):
        raise Http404
    pilot = scoped_get(request, selectors.pilot_list(user=request.user), pk=pk)
    figures = selectors.yearly_figures(pilot=pilot, year=_year(year), as_of=local_today())
    today = local_today()
    if fmt == "docx":
        response = HttpResponse(documents.yearly_report_docx(figures, generated_on=today), content_type=DOCX)
    else:
        response = HttpResponse(
            documents.yearly_report_pdf(figures, generated_on=today), content_type="application/pdf"
        )
    return _attachment(
        response, f"年检自检报告-{pilot.name}-{figures.year}.{fmt}", documents.filename(figures, fmt)
    )


@coordinator_only
def school_report_document(request: HttpRequest, pk: int, year: int, fmt: str) -> HttpResponse:
    return _document(request, pk, year, fmt)


@bureau_only
def bureau_report_document(request: HttpRequest, pk: int, year: int, fmt: str) -> HttpResponse:
    return _document(request, pk, year, fmt)


def _month(value: Any) -> datetime.date:
    text = str(value or "")
    if re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", text):
        return datetime.date(int(text[:4]), int(text[5:]), 1)
    return local_today().replace(day=1)


@coordinator_only
def school_data_return(request: HttpRequest) -> HttpResponse:
    month = _month(request.GET.get("month"))
    data = datareturn.data_return(user=request.user, month=month)
    return render(
        request,
        "portal/reports/school_data_return.html",
        {
            "data": data,
            "month": f"{month:%Y-%m}",
            "headers": datareturn.HEADERS,
            "columns": datareturn.COLUMNS,
        },
    )


def _return_download(
    request: HttpRequest, month: str, fmt: str, school: School | None = None
) -> HttpResponse:
    if fmt not in ("xlsx", "csv") or not re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", month):
        raise Http404
    data = datareturn.data_return(user=request.user, month=_month(month), school=school)
    if fmt == "xlsx":
        response = HttpResponse(datareturn.return_xlsx(data), content_type=XLSX)
    else:
        response = HttpResponse(datareturn.return_csv(data), content_type="text/csv; charset=utf-8")
    name = f"实习信息-{school.name}-{month}.{fmt}" if school is not None else f"实习信息-{month}.{fmt}"
    return _attachment(response, name, datareturn.return_filename(data, fmt, school))


@coordinator_only
def school_data_return_export(request: HttpRequest, month: str, fmt: str) -> HttpResponse:
    return _return_download(request, month, fmt)


@bureau_only
def bureau_data_return(request: HttpRequest) -> HttpResponse:
    """Per school under the bureau: the month's rows and what is missing, each school's XLSX/CSV, and all of its
    schools in one file."""
    month = _month(request.GET.get("month"))
    parts = datareturn.returns_by_school(user=request.user, month=month)
    return render(
        request,
        "portal/reports/bureau_data_return.html",
        {
            "month": f"{month:%Y-%m}",
            "parts": parts,
            "total": sum(p.rows for p in parts),
            "missing_total": sum(len(p.missing) for p in parts),
            "bureaus": bureaus_of(user=request.user),
        },
    )


@bureau_only
def bureau_data_return_export(
    request: HttpRequest, month: str, fmt: str, school: int | None = None
) -> HttpResponse:
    """One school's return (a school not under the bureau does not exist here), or the whole bureau's."""
    chosen = None
    if school is not None:
        chosen = scoped_get(request, schools_overseen(user=request.user), pk=school)
    return _return_download(request, month, fmt, chosen)


@bureau_only
def bureau_yearly_reports(request: HttpRequest) -> HttpResponse:
    year = _year(request.GET.get("year"))
    today = local_today()
    reports = [
        _for_page(selectors.yearly_figures(pilot=p, year=year, as_of=today))
        for p in selectors.pilot_list(user=request.user)
    ]
    texts = set(
        YearlyReportText.objects.filter(
            year=year, pilot__in=[r["figures"].pilot for r in reports]
        ).values_list("pilot_id", flat=True)
    )
    return render(
        request,
        "portal/reports/bureau_yearly.html",
        {
            "year": year,
            "years": _years(),
            "reports": reports,
            "written": texts,
            "summary": selectors.province_summary(user=request.user, year=year, as_of=today),
        },
    )
