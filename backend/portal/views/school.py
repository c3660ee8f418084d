"""The coordinators' portal (学校): dashboard, roster import, pilots, programs, cohorts, students, placements."""

import base64
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from backend.accounts.models import Role
from backend.core.errors import ApplicationError
from backend.portal import integrations, links, selectors
from backend.portal.access import error_text, feature, role_required, school_of, scoped_get
from backend.portal.filters import (
    CohortFilter,
    PilotFilter,
    PlacementFilter,
    ProgramFilter,
    StudentFilter,
)
from backend.portal.forms import RosterUploadForm
from backend.portal.views.common import filtered_list

coordinator_only = role_required(Role.COORDINATOR)
ROSTER_SESSION_KEY = "portal_roster_upload"


@coordinator_only
def dashboard(request: HttpRequest) -> HttpResponse:
    year = timezone.localdate().year
    placements = selectors.placements_by_status(request.user)
    agreements = integrations.agreements_awaiting_by_party(request.user)
    violations = integrations.open_violations_by_rule(request.user)
    subsidy = integrations.subsidy_this_year(request.user, year=year)
    links.school_dashboard(
        placements=placements, agreements=agreements, violations=violations, subsidy=subsidy
    )
    figures = {
        "placements": placements,
        "agreements": agreements,
        "violations": violations,
        "subsidy": subsidy,
    }
    return render(request, "portal/school/dashboard.html", {**figures, "year": year})


@coordinator_only
def roster_upload(request: HttpRequest) -> HttpResponse:
    """Upload -> preview with row-level errors -> confirm (roster_confirm). Nothing is written before confirm."""
    from backend.schools.roster import roster_preview

    school = school_of(request)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            preview = roster_preview(school=school, file_name=upload.name, content=content)
        except ApplicationError as exc:
            form.add_error("file", error_text(exc))
        else:
            if preview.ok and preview.new_rows:
                request.session[ROSTER_SESSION_KEY] = {
                    "file_name": upload.name,
                    "sha256": preview.sha256,
                    "content": base64.b64encode(content).decode("ascii"),
                }
            else:
                request.session.pop(ROSTER_SESSION_KEY, None)
    return render(request, "portal/school/roster.html", {"form": form, "preview": preview, "school": school})


@require_POST
@coordinator_only
def roster_confirm(request: HttpRequest) -> HttpResponse:
    from backend.schools.roster import roster_import

    school = school_of(request)
    upload = request.session.get(ROSTER_SESSION_KEY)
    if not upload or upload.get("sha256") != request.POST.get("sha256"):
        messages.error(request, _("预览已过期，请重新上传文件"))
        return redirect("portal:school-roster")
    try:
        result = roster_import(
            actor=request.user,
            school=school,
            file_name=upload["file_name"],
            content=base64.b64decode(upload["content"]),
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect("portal:school-roster")
    finally:
        request.session.pop(ROSTER_SESSION_KEY, None)
    messages.success(
        request,
        ngettext(
            "已导入 %(created)d 名学生（%(unchanged)d 名已在册，未改动）",
            "已导入 %(created)d 名学生（%(unchanged)d 名已在册，未改动）",
            result.created,
        )
        % {"created": result.created, "unchanged": result.unchanged},
    )
    return redirect("portal:school-students")


@coordinator_only
def roster_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The roster template (CSV or XLSX) with the headings the import reads and one example row."""
    from django.http import Http404
    from django.utils.http import content_disposition_header

    from backend.portal.roster_template import template_csv, template_xlsx

    program = school_of(request).programs.order_by("id").values_list("name", flat=True).first() or ""
    if fmt == "xlsx":
        body = template_xlsx(program)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "csv":
        body, content_type = template_csv(program), "text/csv; charset=utf-8"
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{_('花名册模板')}.{fmt}"
    )
    return response


@coordinator_only
def pilots(request: HttpRequest) -> HttpResponse:
    return filtered_list(
        request,
        filterset_class=PilotFilter,
        queryset=selectors.pilot_list(request.user),
        template="portal/school/pilots.html",
    )


@coordinator_only
def pilot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pilot = scoped_get(request, selectors.pilot_list(request.user), pk=pk)
    placements = selectors.placement_list(request.user).filter(pilot=pilot)
    return render(request, "portal/school/pilot_detail.html", {"pilot": pilot, "placements": placements})


@coordinator_only
def programs(request: HttpRequest) -> HttpResponse:
    return filtered_list(
        request,
        filterset_class=ProgramFilter,
        queryset=selectors.program_list(request.user),
        template="portal/school/programs.html",
    )


@coordinator_only
def cohorts(request: HttpRequest) -> HttpResponse:
    return filtered_list(
        request,
        filterset_class=CohortFilter,
        queryset=selectors.cohort_list(request.user),
        template="portal/school/cohorts.html",
    )


@coordinator_only
def students(request: HttpRequest) -> HttpResponse:
    return filtered_list(
        request,
        filterset_class=StudentFilter,
        queryset=selectors.student_list(request.user),
        template="portal/school/students.html",
    )


@require_POST
@coordinator_only
def students_class(request: HttpRequest) -> HttpResponse:
    """班级 for the ticked students of the list (or one student, from its page); another school's id is a 404 and
    nothing is written."""
    from django.http import Http404

    from backend.schools.services import students_set_class

    visible = selectors.student_list(request.user)
    if request.POST.get("all") == "1":  # every student the list's filter shows
        query = QueryDict(request.POST.get("query", ""))
        chosen = list(StudentFilter(query, queryset=visible, request=request).qs)
    else:
        ids = {int(i) for i in request.POST.getlist("students") if i.isdigit()}
        chosen = list(visible.filter(pk__in=ids))
        if len(chosen) != len(ids):
            raise Http404
    back = request.POST.get("next", "")
    target = back if back.startswith("/school/students/") else reverse("portal:school-students")
    try:
        changed = students_set_class(
            actor=request.user, students=chosen, class_name=request.POST.get("class_name", "")
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            ngettext("已更新 %(n)d 名学生的班级", "已更新 %(n)d 名学生的班级", changed) % {"n": changed},
        )
    return redirect(target)


@coordinator_only
def student_detail(request: HttpRequest, pk: int) -> HttpResponse:
    student = scoped_get(request, selectors.student_list(request.user), pk=pk)
    today = timezone.localdate()
    return render(
        request,
        "portal/school/student_detail.html",
        {
            "student": student,
            "age": student.age_on(today),
            "year_of_study": student.cohort.year_of_study(today),
            "guardians": student.guardians.all(),
            "placements": selectors.placement_list(request.user).filter(student=student),
            "health_checks": student.health_checks.all(),
        },
    )


@coordinator_only
def placements(request: HttpRequest) -> HttpResponse:
    from backend.portal.completeness import attach_missing, with_completeness

    return filtered_list(
        request,
        filterset_class=PlacementFilter,
        queryset=with_completeness(selectors.placement_list(request.user)),
        template="portal/school/placements.html",
        decorate=attach_missing,
    )


def placement_context(request: HttpRequest, pk: int) -> dict:
    placement = scoped_get(request, selectors.placement_list(request.user), pk=pk)
    return {
        "placement": placement,
        "stages": placement.stages.all(),
        "events": placement.events.select_related("actor"),
        "policies": placement.insurance_policies.all(),
        "age_at_start": placement.student.age_on(placement.start_date),
        "assessment_panel": _assessment_panel(request, placement),
    }


def _assessment_panel(request: HttpRequest, placement: Any) -> dict | None:
    if not feature("assessments"):
        return None
    from backend.portal.views.assessments import assessment_panel

    return assessment_panel(request, placement)


@coordinator_only
def placement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from backend.portal.completeness import agreement_missing
    from backend.portal.views.placements import activation_check, is_chinese

    context = placement_context(request, pk)
    context["activation"] = activation_check(context["placement"], is_chinese())
    context["missing"] = agreement_missing(context["placement"])
    if feature("checklist"):
        from backend.portal.views.checklist import placement_panel

        context["checklist"] = placement_panel(context["placement"])
    return render(request, "portal/school/placement_detail.html", context)
