"""The bureau's exports: the dashboard's tables as CSV or XLSX (tablib), built from the same scoped selectors.

Every row goes through `spreadsheet_row` (a school or company name cannot become a formula); counts and amounts stay
numbers, so the XLSX holds numeric cells."""

from typing import Any

import tablib
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.core.text import spreadsheet_row
from backend.placements.models import PlacementStatus
from backend.portal import integrations, selectors

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def placements_dataset(user: Any) -> tablib.Dataset:
    headers = [_("学校"), *[str(s.label) for s in PlacementStatus], _("合计")]
    data = tablib.Dataset(headers=headers, title=_("学徒岗位安排"))
    for row in selectors.placements_by_school(user):
        data.append(spreadsheet_row([row["school"], *row["counts"], row["total"]]))
    return data


def _series_dataset(series: Any, first: str, title: str) -> tablib.Dataset:
    data = tablib.Dataset(headers=[first, _("数量")], title=title)
    for _key, label, value in series.rows() if series else []:
        data.append(spreadsheet_row([label, value]))
    return data


def violations_by_rule_dataset(user: Any) -> tablib.Dataset:
    return _series_dataset(integrations.open_violations_by_rule(user), _("规则"), _("违规(按规则)"))


def violations_by_company_dataset(user: Any) -> tablib.Dataset:
    return _series_dataset(integrations.open_violations_by_company(user), _("企业"), _("违规(按企业)"))


def subsidies_dataset(user: Any) -> tablib.Dataset:
    rows = integrations.subsidy_by_pilot(user) or []
    data = tablib.Dataset(
        headers=[_("试点项目"), _("学校"), _("已核定(元)"), _("已拨付(元)")], title=_("补贴(按试点项目)")
    )
    for row in rows:
        data.append(spreadsheet_row([row["pilot"], row["school"], row["granted"], row["paid"]]))
    return data


DATASETS = {
    "placements": placements_dataset,
    "violations-by-rule": violations_by_rule_dataset,
    "violations-by-company": violations_by_company_dataset,
    "subsidies": subsidies_dataset,
}


def export_response(user: Any, name: str, fmt: str) -> HttpResponse:
    if name not in DATASETS or fmt not in CONTENT_TYPES:
        raise Http404
    dataset = DATASETS[name](user)
    if fmt == "csv":
        body: Any = "\ufeff" + dataset.export("csv")  # BOM: Excel on Chinese Windows opens UTF-8 correctly
    else:
        body = dataset.export("xlsx")
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="xuetu-{name}-{stamp}.{fmt}"'
    return response
