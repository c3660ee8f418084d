"""The bureau's read-only dashboard (教育局): across schools, with CSV/XLSX export."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from backend.accounts.models import Role
from backend.placements.models import PlacementStatus
from backend.portal import integrations, links, selectors
from backend.portal.access import role_required
from backend.portal.exports import export_response

bureau_only = role_required(Role.BUREAU)


@bureau_only
def dashboard(request: HttpRequest) -> HttpResponse:
    placements = selectors.placements_by_status(request.user)
    by_rule = integrations.open_violations_by_rule(request.user)
    by_company = integrations.open_violations_by_company(request.user)
    links.bureau_dashboard(placements=placements, by_rule=by_rule, by_company=by_company)
    return render(
        request,
        "portal/bureau/dashboard.html",
        {
            "placements": placements,
            "by_school": selectors.placements_by_school(request.user),
            "statuses": [s.label for s in PlacementStatus],
            "violations_by_rule": by_rule,
            "violations_by_company": by_company,
            "subsidies": integrations.subsidy_by_pilot(request.user),
        },
    )


@bureau_only
def export(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    return export_response(request.user, name, fmt)
