"""The coordinator's work on a placement: activate it once its agreement is sealed (every gate checked, each failing
gate shown by name), and complete what its agreement needs."""

from typing import Any

from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backend.accounts.models import Role
from backend.companies.models import Mentor, Post
from backend.core.errors import ApplicationError
from backend.placements.models import InsuranceKind, InsurancePolicy, Placement, PlacementStatus
from backend.placements.services import (
    EDITABLE,
    insurance_policies_import,
    placement_adjust,
    placement_create_manual,
    placement_has_agreement,
    placement_insurance_set,
    placement_stages_replace,
    placement_transition,
    placement_update,
    placements_teacher_assign,
)
from backend.portal import selectors
from backend.portal.access import error_text, feature, role_required, scoped_get
from backend.portal.forms import (
    InsuranceForm,
    PlacementDetailsForm,
    PlacementManualForm,
    PolicyImportForm,
    StageFormSet,
    TeacherBulkForm,
)
from backend.portal.rules_labels import rule_label

coordinator_only = role_required(Role.COORDINATOR)


def is_chinese() -> bool:
    return (get_language() or "zh").startswith("zh")


def gate_lines(results: list[dict[str, Any]], zh: bool) -> list[dict[str, str]]:
    """Failing gates as {name, text}: the rule's short name and the sentence that says why."""
    return [
        {
            "code": str(r.get("code", "")),
            "name": rule_label(str(r.get("code", ""))),
            "text": str(r.get("message" if zh else "message_en", "")),
        }
        for r in results
    ]


def activation_check(placement: Placement, zh: bool) -> dict[str, Any] | None:
    """For a placement out for signing: whether its agreement is sealed and which gates would refuse activation
    today (a dry run: writes nothing). None when the placement is not waiting for activation."""
    if placement.status != PlacementStatus.SIGNING:
        return None
    sealed = None
    if feature("signing"):
        from backend.signing.selectors import agreement_is_sealed

        sealed = agreement_is_sealed(placement)
    errors: list[dict[str, str]] = []
    warnings: list[dict[str, str]] = []
    if feature("rules"):
        from backend.rules import gates
        from backend.rules.selectors import placement_gates_check

        report = placement_gates_check(placement=placement, stage=gates.ACTIVATE).as_dict()
        errors, warnings = gate_lines(report["errors"], zh), gate_lines(report["warnings"], zh)
    return {
        "sealed": sealed,
        "errors": errors,
        "warnings": warnings,
        "ready": not errors and sealed is not False,
    }


@require_POST
@coordinator_only
def placement_activate(request: HttpRequest, pk: int) -> HttpResponse:
    """在岗: the existing transition service, whose guards check every gate (the sealed agreement among them)."""
    placement = scoped_get(request, selectors.placement_list(request.user), pk=pk)
    try:
        placement_transition(
            placement=placement, to=PlacementStatus.ACTIVE, actor=request.user, note="portal"
        )
    except ApplicationError as exc:
        zh = is_chinese()
        details = exc.details if isinstance(exc.details, dict) else {}
        failed = gate_lines(list(details.get("errors") or []), zh)
        if failed:
            for gate in failed:
                messages.error(request, f"{gate['name']}：{gate['text']}")
        else:
            messages.error(request, error_text(exc))
    else:
        messages.success(request, _("%(name)s 已在岗") % {"name": placement.student.name})
    return redirect("portal:school-placement", pk=pk)


# --- a placement by hand, and adjusting a proposed one ----------------------------------------------------------


def refusal_lines(exc: ApplicationError, zh: bool) -> list[dict[str, str]]:
    """Each failing gate of a refusal (code, rule name, sentence), or the one refusal when it is not the gates'."""
    details = exc.details if isinstance(exc.details, dict) else {}
    failed = gate_lines(list(details.get("errors") or []), zh)
    return failed or [{"code": exc.code, "name": rule_label(exc.code), "text": error_text(exc)}]


def _manual_choices(user: Any) -> dict[str, Any]:
    """The coordinator's own students (those already placed marked) and the posts and mentors of the companies of
    the school's pilots."""
    live = Placement.objects.filter(student=OuterRef("pk"), status__in=PlacementStatus.LIVE)
    return {
        "students": selectors.student_list(user)
        .annotate(placed=Exists(live))
        .order_by("-cohort__entry_year", "name", "id"),
        "posts": Post.objects.filter(pk__in=selectors.post_list(user).values("pk"))
        .select_related("company")
        .order_by("company__name", "title", "id"),
        "mentors": Mentor.objects.filter(pk__in=selectors.mentor_list(user).values("pk"))
        .select_related("company")
        .order_by("company__name", "name", "id"),
    }


@coordinator_only
def placement_new(request: HttpRequest) -> HttpResponse:
    """手工新增岗位安排: a student placed outside the matching, through the service the matching's acceptance uses
    (every gate checked); a refusal lists each failing gate and writes nothing."""
    form = PlacementManualForm(request.POST or None, **_manual_choices(request.user))
    refusal: list[dict[str, str]] = []
    if request.method == "POST" and form.is_valid():
        try:
            placement = placement_create_manual(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            refusal = refusal_lines(exc, is_chinese())
        else:
            messages.success(
                request, _("已为 %(name)s 新增岗位安排（拟安排）") % {"name": placement.student.name}
            )
            return redirect("portal:school-placement", pk=placement.pk)
    return render(
        request,
        "portal/school/placement_manual.html",
        {"form": form, "refusal": refusal, "placement": None},
        status=400 if request.method == "POST" else 200,
    )


@coordinator_only
def placement_adjust_page(request: HttpRequest, pk: int) -> HttpResponse:
    """调整岗位安排: post, mentor, dates and pay of a proposed placement before its agreement is generated; after
    that the page points to the change request (补充协议)."""
    placement = scoped_get(request, selectors.placement_list(request.user), pk=pk)
    agreement = placement_has_agreement(placement)
    adjustable = placement.status == PlacementStatus.PROPOSED and not agreement
    posting = request.method == "POST" and adjustable
    form = PlacementManualForm(
        request.POST if posting else None,
        adjusting=True,
        initial={
            "post": placement.post_id,
            "mentor": placement.mentor_id,
            "start_date": placement.start_date,
            "end_date": placement.end_date,
            "monthly_pay": placement.monthly_pay,
        },
        **_manual_choices(request.user),
    )
    refusal: list[dict[str, str]] = []
    if posting and form.is_valid():
        try:
            placement_adjust(actor=request.user, placement=placement, **form.cleaned_data)
        except ApplicationError as exc:
            refusal = refusal_lines(exc, is_chinese())
        else:
            messages.success(request, _("岗位安排已调整"))
            return redirect("portal:school-placement", pk=placement.pk)
    status = 200
    if request.method == "POST":
        status = 409 if not adjustable else 400
    return render(
        request,
        "portal/school/placement_manual.html",
        {
            "form": form,
            "refusal": refusal,
            "placement": placement,
            "adjustable": adjustable,
            "agreement": agreement,
        },
        status=status,
    )


# --- completing what the agreement needs -------------------------------------------------------------------------


def _editable(request: HttpRequest, pk: int) -> Placement:
    from backend.portal.completeness import with_completeness

    return scoped_get(request, with_completeness(selectors.placement_list(request.user)), pk=pk)


def _stage_initial(placement: Placement) -> list[dict[str, Any]]:
    stages = list(placement.stages.all())
    if stages:
        return [
            {
                "name": s.name,
                "school_months": s.school_months,
                "company_start": s.company_start,
                "company_end": s.company_end,
                "content": s.content,
            }
            for s in stages
        ]
    return [
        {
            "name": _("岗位实习"),
            "school_months": 0,
            "company_start": placement.start_date,
            "company_end": placement.end_date,
        }
    ]


def _insurance_forms(placement: Placement, data: Any = None, only: str = "") -> dict[str, Any]:
    existing = {p.kind: p for p in placement.insurance_policies.all()}
    forms_by_kind = {}
    for kind in InsuranceKind:
        bound = data if only == kind.value else None
        policy = existing.get(kind.value)
        instance = InsurancePolicy.objects.get(pk=policy.pk) if policy is not None else None
        forms_by_kind[kind.value] = {
            "label": kind.label,
            "policy": policy,
            "form": InsuranceForm(
                bound,
                instance=instance,
                prefix=kind.value,
                initial={"start_date": placement.start_date, "end_date": placement.end_date},
            ),
        }
    return forms_by_kind


@coordinator_only
def placement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """One page, three forms (teacher and board, stages, the two insurance policies); each saves on its own
    through the placements services and comes back to its place on the page."""
    from backend.portal.completeness import agreement_missing

    placement = _editable(request, pk)
    section = request.POST.get("section", "") if request.method == "POST" else ""
    data = request.POST if section else None
    details = PlacementDetailsForm(
        data if section == "details" else None,
        instance=Placement.objects.select_related("post").get(pk=placement.pk),
    )
    stages = StageFormSet(
        data if section == "stages" else None, initial=_stage_initial(placement), prefix="stages"
    )
    insurance = _insurance_forms(placement, data, only=section.removeprefix("insurance-"))
    error = ""
    anchor = {"details": "teacher", "stages": "stages"}.get(section, "insurance")
    try:
        if section == "details" and details.is_valid():
            placement_update(actor=request.user, placement=placement, data=dict(details.cleaned_data))
            return _saved(request, placement, anchor)
        if section == "stages" and stages.is_valid():
            rows = [
                f.cleaned_data for f in stages.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")
            ]
            placement_stages_replace(
                actor=request.user,
                placement=placement,
                stages=[{k: v for k, v in r.items() if k != "DELETE"} for r in rows],
            )
            return _saved(request, placement, anchor)
        kind = section.removeprefix("insurance-")
        if section.startswith("insurance-") and kind in insurance and insurance[kind]["form"].is_valid():
            placement_insurance_set(
                actor=request.user, placement=placement, kind=kind, **insurance[kind]["form"].cleaned_data
            )
            return _saved(request, placement, anchor)
    except ApplicationError as exc:
        error = error_text(exc)
    placement = _editable(request, pk)
    return render(
        request,
        "portal/school/placement_edit.html",
        {
            "placement": placement,
            "details": details,
            "stages": stages,
            "insurance": insurance,
            "section": section,
            "error": error,
            "missing": agreement_missing(placement),
            "editable": placement.status in EDITABLE,
        },
        status=400 if section else 200,
    )


def _saved(request: HttpRequest, placement: Placement, anchor: str) -> HttpResponse:
    messages.success(request, _("已保存"))
    return redirect(reverse("portal:school-placement-edit", args=[placement.pk]) + f"#{anchor}")


@require_POST
@coordinator_only
def placements_teacher_bulk(request: HttpRequest) -> HttpResponse:
    """Assign one supervising teacher to the ticked placements (all or none)."""
    ids = [int(i) for i in request.POST.getlist("placement") if i.isdigit()]
    form = TeacherBulkForm(request.POST)
    back = request.POST.get("next") or reverse("portal:school-placements")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("portal:school-placements")
    chosen = list(selectors.placement_list(request.user).filter(pk__in=ids))
    if not chosen:
        messages.warning(request, _("请勾选要指定指导教师的岗位安排"))
        return redirect(back)
    if not form.is_valid():
        messages.error(request, _("请填写学校指导教师姓名"))
        return redirect(back)
    try:
        placements_teacher_assign(
            actor=request.user,
            placements=chosen,
            teacher=form.cleaned_data["teacher"],
            phone=form.cleaned_data["phone"],
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            ngettext(
                "已为 %(n)d 个岗位安排指定指导教师 %(name)s",
                "已为 %(n)d 个岗位安排指定指导教师 %(name)s",
                len(chosen),
            )
            % {"n": len(chosen), "name": form.cleaned_data["teacher"]},
        )
    return redirect(back)


@coordinator_only
def policy_import(request: HttpRequest) -> HttpResponse:
    """Upload the insurer's policy list; every row is checked, one error imports nothing and lists every error."""
    from backend.portal.policy_import import policy_rows

    form = PolicyImportForm(request.POST or None, request.FILES or None)
    row_errors: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows, row_errors = policy_rows(file_name=upload.name, content=upload.read())
            if not row_errors:
                imported = insurance_policies_import(
                    actor=request.user, placements=selectors.placement_list(request.user), rows=rows
                )
        except ApplicationError as exc:
            details = exc.details if isinstance(exc.details, dict) else {}
            row_errors = list(details.get("rows") or [])
            if not row_errors:
                form.add_error("file", error_text(exc))
        else:
            if not row_errors:
                messages.success(
                    request,
                    ngettext("已导入 %(n)d 份保单", "已导入 %(n)d 份保单", len(imported))
                    % {"n": len(imported)},
                )
                return redirect("portal:school-placements")
    zh = is_chinese()
    for e in row_errors:
        e["text"] = e.get("message" if zh else "message_en", "")
    return render(
        request,
        "portal/school/policy_import.html",
        {"form": form, "row_errors": row_errors},
        status=400 if row_errors or form.errors else 200,
    )


@coordinator_only
def policy_template(request: HttpRequest, fmt: str) -> HttpResponse:
    from backend.portal.policy_import import template_csv, template_xlsx

    if fmt == "xlsx":
        body, content_type = (
            template_xlsx(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    elif fmt == "csv":
        body, content_type = template_csv(), "text/csv; charset=utf-8"
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    name = _("保单清单模板")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=f"{name}.{fmt}")
    return response
