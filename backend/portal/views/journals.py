"""Journals (backend.journals): the apprentice writes daily or weekly journals on the phone and reads the reviews;
the mentor and the supervising teacher review them one by one or a week at once; the teacher records visits; the
coordinator sees the school's overview per class and per teacher. Photos are served only through scoped views.

Imported only when backend.journals is installed (see backend/portal/urls.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backend.accounts.models import Role
from backend.companies.models import Company
from backend.core.clock import local_today
from backend.core.errors import ApplicationError
from backend.journals import rhythm, selectors, services
from backend.journals.models import JournalKind, JournalStatus, ReviewAction
from backend.portal.access import error_text, role_required, scoped_get


def _week(value: str | None) -> dt.date:
    """?week=2026-W41 or ?week=2026-10-12 -> its Monday; this week otherwise."""
    if value:
        parsed = rhythm.parse_iso_week(value)
        if parsed is None:
            try:
                parsed = dt.date.fromisoformat(value)
            except ValueError:
                parsed = None
        if parsed is not None:
            return rhythm.week_start(parsed)
    return rhythm.week_start(local_today())


def _week_nav(start: dt.date) -> dict[str, Any]:
    return {
        "week": start,
        "week_end": start + dt.timedelta(days=6),
        "week_label": rhythm.iso_week_label(start),
        "previous": rhythm.iso_week_label(start - dt.timedelta(days=7)),
        "next": rhythm.iso_week_label(start + dt.timedelta(days=7)),
    }


# --- the apprentice ---------------------------------------------------------------------------------------


@role_required(Role.STUDENT)
def my_journals(request: HttpRequest) -> HttpResponse:
    """The list of the apprentice's journals with their reviews, and the write form (also to resubmit)."""
    placements = list(selectors.writable_placements(user=request.user))
    entries = selectors.journal_list(user=request.user).order_by("-period_start", "-id")[:60]
    status = 200
    form: dict[str, Any] = {"kind": JournalKind.WEEKLY, "week": rhythm.iso_week_label(local_today())}
    editing = None
    if request.GET.get("edit", "").isdigit():
        editing = (
            selectors.journal_list(user=request.user)
            .filter(pk=request.GET["edit"], status=JournalStatus.RETURNED)
            .first()
        )
        if editing is not None:
            form = {
                "kind": editing.kind,
                "week": rhythm.iso_week_label(editing.period_start),
                "day": editing.period_start.isoformat(),
                "tasks": editing.tasks,
                "hours": editing.hours,
                "learned": editing.learned,
                "problems": editing.problems,
            }
    if request.method == "POST":
        p = request.POST
        form = {k: p.get(k, "") for k in ("kind", "week", "day", "hours", "learned", "problems", "placement")}
        form["tasks"] = p.getlist("task") + [t for t in p.get("tasks_text", "").splitlines() if t.strip()]
        placement = next((x for x in placements if str(x.pk) == p.get("placement")), None)
        if placement is None and len(placements) == 1:
            placement = placements[0]
        try:
            if placement is None:
                raise ApplicationError(
                    "JOURNAL_NO_PLACEMENT", "没有在岗的学徒岗位安排", "no active placement"
                )
            if form["kind"] == JournalKind.WEEKLY:
                day = rhythm.parse_iso_week(form["week"])
            else:
                try:
                    day = dt.date.fromisoformat(form["day"])
                except ValueError:
                    day = None
            if day is None:
                raise ApplicationError("JOURNAL_DATE", "请选择日期或周", "choose the day or the week")
            entry = services.journal_submit(
                actor=request.user,
                placement=placement,
                kind=form["kind"],
                day=day,
                tasks=form["tasks"],
                hours=form["hours"] or "0",
                learned=form["learned"],
                problems=form["problems"],
                photos=request.FILES.getlist("photos"),
            )
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
            status = 400
        else:
            messages.success(
                request, _("已提交（逾期）") if entry.late else _("已提交，等待师傅和指导教师批阅")
            )
            return redirect("portal:me-journals")
    tasks = selectors.post_tasks(placement=placements[0]) if placements else []
    return render(
        request,
        "portal/journals/me.html",
        {
            "placements": placements,
            "entries": entries,
            "post_tasks": tasks,
            "form": form,
            "free_tasks": "\n".join(t for t in form.get("tasks", []) if t not in tasks),
            "editing": editing,
            "today": local_today(),
        },
        status=status,
    )


def _photo_response(photo: Any) -> FileResponse:
    response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@role_required(Role.STUDENT, Role.MENTOR, Role.TEACHER, Role.COORDINATOR, Role.HR, Role.GUARDIAN, Role.BUREAU)
def journal_photo(request: HttpRequest, pk: int) -> FileResponse:
    photo = selectors.photo_get(user=request.user, pk=pk)
    if photo is None:
        raise Http404
    return _photo_response(photo)


@role_required(Role.TEACHER, Role.COORDINATOR, Role.BUREAU)
def visit_photo(request: HttpRequest, pk: int) -> FileResponse:
    photo = selectors.visit_photo_get(user=request.user, pk=pk)
    if photo is None:
        raise Http404
    return _photo_response(photo)


# --- the mentor and the teacher review --------------------------------------------------------------------


@role_required(Role.MENTOR, Role.TEACHER)
def review(request: HttpRequest) -> HttpResponse:
    """One ISO week of the reviewer's apprentices' journals: each one reviewed alone, or all waiting at once."""
    chosen = request.GET.get("week") or request.POST.get("week")
    start = _week(chosen) if chosen else _latest_waiting_week(request.user) or _week(None)
    status = 200
    if request.method == "POST":
        p = request.POST
        try:
            if p.get("scope") == "week":
                done = services.journals_review_week(
                    actor=request.user, week=start, action=p.get("action", ""), comment=p.get("comment", "")
                )
                messages.success(request, _("已批阅 %(n)d 篇") % {"n": len(done)})
            else:
                entry = scoped_get(
                    request, selectors.review_queue(user=request.user, week=start), pk=p.get("entry") or 0
                )
                services.journal_review(
                    actor=request.user, entry=entry, action=p.get("action", ""), comment=p.get("comment", "")
                )
                messages.success(request, _("已批阅"))
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
            status = exc.status if exc.status in (400, 403, 409) else 400
        else:
            return redirect(f"{reverse('portal:journals-review')}?week={rhythm.iso_week_label(start)}")
    entries = list(selectors.review_queue(user=request.user, week=start))
    return render(
        request,
        "portal/journals/review.html",
        {
            **_week_nav(start),
            "entries": entries,
            "waiting": sum(1 for e in entries if e.status == JournalStatus.SUBMITTED),
            "actions": ReviewAction.choices,
        },
        status=status,
    )


def _latest_waiting_week(user: Any) -> dt.date | None:
    """Without a chosen week the page opens on the latest week with a journal waiting for this reviewer."""
    latest = (
        services.reviewable_entries(user)
        .filter(status=JournalStatus.SUBMITTED)
        .order_by("-period_start")
        .values_list("period_start", flat=True)
        .first()
    )
    return rhythm.week_start(latest) if latest else None


# --- the teacher's visits ---------------------------------------------------------------------------------


@role_required(Role.TEACHER, Role.COORDINATOR)
def visits(request: HttpRequest) -> HttpResponse:
    """The teacher records a visit and lists their own; the coordinator lists all of the school's."""
    is_teacher = request.user.role == Role.TEACHER  # type: ignore[union-attr]
    from backend.attendance.selectors import teacher_placement_list

    placements = list(teacher_placement_list(user=request.user)) if is_teacher else []
    companies = {p.post.company_id: p.post.company for p in placements}
    status = 200
    form: dict[str, Any] = {"visited_on": local_today().isoformat()}
    if request.method == "POST" and is_teacher:
        p = request.POST
        form = {k: p.get(k, "") for k in ("target", "visited_on", "place", "met", "findings", "follow_up")}
        try:
            placement = None
            company: Company | None = None
            kind, _sep, ident = form["target"].partition("-")
            if kind == "p":
                placement = next((x for x in placements if str(x.pk) == ident), None)
                company = placement.post.company if placement else None
            elif kind == "c":
                company = companies.get(int(ident)) if ident.isdigit() else None
            if company is None:
                raise ApplicationError(
                    "VISIT_TARGET", "请选择走访的企业或学徒", "choose the company or apprentice"
                )
            try:
                visited_on = dt.date.fromisoformat(form["visited_on"])
            except ValueError as exc:
                raise ApplicationError("VISIT_DATE", "请填写走访日期", "enter the visit's date") from exc
            services.visit_create(
                actor=request.user,
                company=company,
                placement=placement,
                visited_on=visited_on,
                place=form["place"],
                met=form["met"],
                findings=form["findings"],
                follow_up=form["follow_up"],
                photos=request.FILES.getlist("photos"),
                today=local_today(),
            )
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
            status = 400
        else:
            messages.success(request, _("已记录走访"))
            return redirect("portal:journals-visits")
    return render(
        request,
        "portal/journals/visits.html",
        {
            "visits": selectors.visit_list(user=request.user)[:100],
            "placements": placements,
            "companies": sorted(companies.values(), key=lambda c: c.name),
            "is_teacher": is_teacher,
            "form": form,
            "today": local_today(),
        },
        status=status,
    )


# --- the coordinator's overview ---------------------------------------------------------------------------


@role_required(Role.COORDINATOR)
def overview(request: HttpRequest) -> HttpResponse:
    """Per class and per teacher, the term's journals against each pilot's rhythm (?term=2026-autumn; the
    current term by default)."""
    from backend.portal import selectors as portal_selectors

    term = rhythm.parse_term(request.GET.get("term", "")) or rhythm.term_of(local_today())
    figures = selectors.journal_term_overview(user=request.user, day=term.start, now=timezone.now())
    pilots = portal_selectors.pilot_list(request.user).select_related("journal_rule")
    rows = [{"pilot": p, "rule": getattr(p, "journal_rule", None) or rhythm.Rhythm()} for p in pilots]
    return render(
        request,
        "portal/journals/overview.html",
        {
            **figures,
            "previous": rhythm.term_of(term.start - dt.timedelta(days=1)).label,
            "next": rhythm.term_of(term.end + dt.timedelta(days=1)).label,
            "autumn": term.start.month == 9,
            "pilots": rows,
        },
    )


@require_POST
@role_required(Role.COORDINATOR)
def rule_set(request: HttpRequest, pk: int) -> HttpResponse:
    """The pilot's journal rule from the overview page."""
    from backend.portal import selectors as portal_selectors

    pilot = scoped_get(request, portal_selectors.pilot_list(request.user), pk=pk)
    p = request.POST

    def number(name: str, default: int) -> int:
        value = p.get(name, "")
        return int(value) if value.isdigit() else default

    try:
        services.journal_rule_set(
            actor=request.user,
            pilot=pilot,
            weekly_required=p.get("weekly_required") == "1",
            daily_required=p.get("daily_required") == "1",
            term_min=number("term_min", 12),
            deadline_days=number("deadline_days", 1),
            deadline_hour=number("deadline_hour", 12),
            remind_hours=number("remind_hours", 24),
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已保存日报周记要求"))
    return redirect("portal:journals-overview")
