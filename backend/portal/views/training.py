"""Training-standard pages (backend.training): the plan (coordinator proposes via the API, HR approves, everyone in
the pilot and the bureau reads), each apprentice's record (rotation, sign-offs, evaluations, the standard and the
claim's evidence) with each role's actions, and who is behind the plan.

Imported only when backend.training is installed (see backend/portal/urls.py). Each action is one service call;
a refusal comes back as a message in the page's language."""

import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from backend.accounts.models import Role
from backend.core.clock import local_today
from backend.core.errors import ApplicationError
from backend.placements.models import Placement, PlacementStatus
from backend.portal.access import error_text, role_required, scoped, scoped_get
from backend.training import services
from backend.training.models import (
    Competency,
    Grade,
    Party,
    RotationStatus,
    SignOff,
    TrainingEnrolment,
    TrainingPlan,
)
from backend.training.selectors import (
    behind_plan,
    claim_evidence,
    enrolment_standard,
    enrolments_visible,
    plans_visible,
    rotation_not_started,
    rotation_progress,
)

SEES_BEHIND = frozenset({Role.COORDINATOR.value, Role.HR.value, Role.BUREAU.value, Role.ADMIN.value})
MOVES_ROTATION = frozenset({Role.COORDINATOR.value, Role.HR.value})  # services.rotation_move
ROLES = (Role.COORDINATOR, Role.TEACHER, Role.HR, Role.MENTOR, Role.STUDENT, Role.BUREAU)
# the party each role evaluates as on the record page (third-party results come by file import)
PARTY_OF_ROLE: dict[str, str] = {
    Role.STUDENT: Party.SELF,
    Role.MENTOR: Party.MENTOR,
    Role.TEACHER: Party.TEACHER,
    Role.COORDINATOR: Party.TEACHER,  # where the school assigned no teacher (services.is_teacher_of)
    Role.HR: Party.COMPANY,
}


@role_required(*ROLES)
def index(request: HttpRequest) -> HttpResponse:
    today = local_today()
    records = list(enrolments_visible(request.user)[:200])
    return render(
        request,
        "portal/training/index.html",
        {
            "plans": plans_visible(request.user)[:50],
            "records": records,
            "behind": behind_plan(request.user, today=today)
            if str(getattr(request.user, "role", "")) in SEES_BEHIND
            else [],
            "not_started": rotation_not_started(request.user)
            if str(getattr(request.user, "role", "")) in MOVES_ROTATION
            else [],
            "today": today,
        },
    )


def _move_date(request: HttpRequest, placement: Placement) -> datetime.date:
    """The day of a rotation move as the form gives it (today when left empty): a move is recorded when it has
    happened, on a day of the placement, so the hours worked since count toward the post."""
    today = local_today()
    text = request.POST.get("on", "").strip()
    try:
        on = datetime.date.fromisoformat(text) if text else today
    except ValueError:
        on = None
    if on is None or on > today or on < placement.start_date:
        raise ApplicationError(
            "ROTATION_DATE",
            f"轮岗日期须在学徒开始日期 {placement.start_date:%Y-%m-%d} 与今天之间",
            f"the move's date lies between the placement's start ({placement.start_date:%Y-%m-%d}) and today",
            details={"on": text, "start_date": placement.start_date, "today": today},
        )
    return on


@require_POST
@role_required(Role.COORDINATOR, Role.HR)
def rotation_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start an active apprentice's rotation at the plan's first post, on the day given: the apprentice's training
    record (学徒培养记录) begins with it, and the mentor and the teacher find it on this page."""
    placement = scoped_get(
        request, Placement.objects.filter(status=PlacementStatus.ACTIVE).select_related("pilot"), pk=pk
    )
    try:
        services.rotation_move(placement=placement, actor=request.user, on=_move_date(request, placement))
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect("portal:training")
    messages.success(request, gettext("已开始轮岗"))
    return redirect("portal:training-record", pk=TrainingEnrolment.objects.get(placement=placement).pk)


@role_required(*ROLES)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = scoped_get(
        request,
        TrainingPlan.objects.select_related("pilot", "scheme").prefetch_related(
            "stages",
            "post_standards__competencies",
            "post_standards__post",
            "rotation__standard",
            "approvals__company",
        ),
        pk=pk,
    )
    company = getattr(request.user, "company", None)
    can_approve = (
        request.user.role == Role.HR  # type: ignore[union-attr]
        and plan.status == "proposed"
        and company is not None
        and plan.pilot.companies.filter(pk=company.pk).exists()
        and not plan.approvals.filter(company=company).exists()
    )
    return render(request, "portal/training/plan.html", {"plan": plan, "can_approve": can_approve})


@require_POST
@role_required(Role.HR)
def plan_approve(request: HttpRequest, pk: int) -> HttpResponse:
    plan = scoped_get(request, TrainingPlan.objects.all(), pk=pk)
    try:
        services.training_plan_approve(plan=plan, actor=request.user)
        messages.success(request, "已确认" if _zh(request) else "Approved")
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    return redirect("portal:training-plan", pk=pk)


def _zh(request: HttpRequest) -> bool:
    return (getattr(request, "LANGUAGE_CODE", "zh") or "zh").startswith("zh")


@role_required(*ROLES)
def record(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = scoped_get(
        request,
        TrainingEnrolment.objects.select_related(
            "placement__student",
            "placement__post__company",
            "placement__mentor",
            "placement__pilot",
            "plan__scheme",
        ),
        pk=pk,
    )
    today = local_today()
    standard, _ = enrolment_standard(enrolment, today=today)
    sign_offs = {
        s.competency_id: s
        for s in SignOff.objects.filter(enrolment=enrolment).order_by("created_at")  # the latest wins
    }
    competencies = [
        {"competency": c, "sign_off": sign_offs.get(c.pk)}
        for c in Competency.objects.filter(standard__plan=enrolment.plan).select_related("standard__post")
    ]
    from backend.subsidy.models import Claim

    claim = (
        scoped(request, Claim.objects.all())
        .filter(student_id=enrolment.placement.student_id, pilot_id=enrolment.placement.pilot_id)
        .first()
    )
    role = str(getattr(request.user, "role", ""))
    status_labels = {**dict(RotationStatus.choices), "upcoming": gettext("未开始")}
    rotation = [
        {**r, "status_label": status_labels.get(r["status"], r["status"])}
        for r in rotation_progress(enrolment, today=today)
    ]
    is_teacher = services.is_teacher_of(request.user, enrolment.placement)
    my_party = PARTY_OF_ROLE.get(role)
    if my_party == Party.TEACHER and not is_teacher:
        my_party = None
    return render(
        request,
        "portal/training/record.html",
        {
            "enrolment": enrolment,
            "placement": enrolment.placement,
            "standard": standard,
            "rotation": rotation,
            "rotation_open": any(r["status"] != RotationStatus.DONE for r in rotation),
            "competencies": competencies,
            "evaluations": enrolment.evaluations.order_by("party", "-created_at"),
            "claim": claim,
            "claim_evidence": claim_evidence(claim) if claim else None,
            "my_party": my_party,
            "grades": Grade.choices,
            "scale": enrolment.plan.scheme.scale,
            "can_move": role in (Role.COORDINATOR, Role.HR),
            "is_mentor": role == Role.MENTOR,
            "is_teacher": is_teacher,
            "can_download": role in RECORD_PDF_ROLES,
            "today": today,
        },
    )


@require_POST
@login_required
def record_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    enrolment = scoped_get(request, TrainingEnrolment.objects.select_related("placement"), pk=pk)
    placement = enrolment.placement
    try:
        if action == "move":
            services.rotation_move(placement=placement, actor=request.user, on=_move_date(request, placement))
        elif action == "sign":
            competency = Competency.objects.get(
                pk=int(request.POST["competency"]), standard__plan=enrolment.plan
            )
            services.competency_sign(
                placement=placement,
                competency=competency,
                actor=request.user,
                evidence_text=request.POST.get("evidence_text", ""),
                evidence_file=request.FILES.get("evidence_file"),
            )
        elif action == "evaluate":
            party = PARTY_OF_ROLE.get(str(getattr(request.user, "role", "")))
            if party is None:
                raise Http404
            points_text = request.POST.get("points", "").strip()
            try:
                points = Decimal(points_text) if points_text else None
            except InvalidOperation as exc:
                raise ApplicationError(
                    "EVALUATION_POINTS", "分数应为数字", "points must be a number"
                ) from exc
            services.evaluation_record(
                placement=placement,
                party=party,
                actor=request.user,
                grade=request.POST.get("grade", ""),
                points=points,
                comments=request.POST.get("comments", ""),
            )
        else:
            raise Http404
        messages.success(request, "已保存" if _zh(request) else "Saved")
    except (ApplicationError, Competency.DoesNotExist, KeyError, ValueError) as exc:
        messages.error(request, error_text(exc) if isinstance(exc, ApplicationError) else str(exc))
    return redirect("portal:training-record", pk=pk)


@require_POST
@login_required
def sign_off_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    sign_off = scoped_get(request, SignOff.objects.select_related("enrolment"), pk=pk)
    reason = request.POST.get("reason", "")
    try:
        if action == "confirm":
            services.sign_off_confirm(sign_off=sign_off, actor=request.user)
        elif action == "refuse":
            services.sign_off_refuse(sign_off=sign_off, actor=request.user, reason=reason)
        elif action == "withdraw":
            services.sign_off_withdraw(sign_off=sign_off, actor=request.user, reason=reason)
        else:
            raise Http404
        messages.success(request, "已保存" if _zh(request) else "Saved")
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    return redirect("portal:training-record", pk=sign_off.enrolment_id)


# The record (学徒档案) PDF goes to the apprentice, the school and the company only.
RECORD_PDF_ROLES = (Role.STUDENT, Role.COORDINATOR, Role.TEACHER, Role.HR)


@role_required(*RECORD_PDF_ROLES)
def record_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from django.utils import timezone

    from backend.training.dossier import record_seal

    enrolment = scoped_get(request, TrainingEnrolment.objects.select_related("placement__student"), pk=pk)
    try:
        pdf, sealed = record_seal(
            enrolment=enrolment, actor=request.user, today=local_today(), now=timezone.now()
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect("portal:training-record", pk=pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="xuetu-record-{enrolment.pk}.pdf"'
    response["X-Document-SHA256"] = sealed.sha256
    return response
