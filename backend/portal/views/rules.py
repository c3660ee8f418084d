"""Working time and violations (backend.rules): HR's weekly shift grid per apprentice, where a shift that breaks a
rule is refused on the spot with the rule explained; attendance upload; the violations inbox of the school and the
company; the student's confirmation or dispute of actual hours.

Imported only when backend.rules is installed (see backend/portal/urls.py)."""

import datetime
from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backend.accounts.models import Role
from backend.core.clock import RULES_ZONE, local_date, local_today
from backend.core.errors import ApplicationError
from backend.placements.models import Placement, PlacementStatus
from backend.portal import selectors as portal_selectors
from backend.portal.access import error_text, role_required, scoped_get
from backend.portal.filters import SearchFilterSet
from backend.portal.rules_labels import RULE_LABELS, rule_label
from backend.portal.widgets import IsoDateInput
from backend.rules import selectors
from backend.rules.models import (
    ProposalStatus,
    ResolutionProposal,
    Shift,
    ShiftKind,
    Violation,
    ViolationStatus,
)
from backend.rules.selectors import violation_messages
from backend.rules.services.shifts import (
    EARLIEST_DAY,
    LATEST_DAY,
    shift_attest,
    shifts_enter,
    shifts_import,
    week_grid_spans,
)
from backend.rules.services.violations import (
    VIOLATION_CLOSERS,
    resolution_proposal_accept,
    resolution_proposal_reject,
    violation_acknowledge,
    violation_resolution_propose,
    violation_resolve,
)

WEEKDAYS = [
    gettext_lazy("星期一"),
    gettext_lazy("星期二"),
    gettext_lazy("星期三"),
    gettext_lazy("星期四"),
    gettext_lazy("星期五"),
    gettext_lazy("星期六"),
    gettext_lazy("星期日"),
]


def _zh() -> bool:
    return (get_language() or "zh").startswith("zh")


def _problem_text(problem: dict[str, Any]) -> str:
    return str(problem.get("message") if _zh() else problem.get("message_en") or problem.get("message"))


# --- HR: the apprentices and their weekly grid ---------------------------------------------------------------


@role_required(Role.HR)
def company_shifts(request: HttpRequest) -> HttpResponse:
    placements = portal_selectors.placement_list(request.user).filter(status__in=PlacementStatus.LIVE)
    return render(request, "portal/rules/company_shifts.html", {"placements": placements})


def _monday(value: str | None, placement: Any) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(value) if value else local_today()
    except ValueError:
        day = local_today()
    if not EARLIEST_DAY <= day <= LATEST_DAY - datetime.timedelta(days=7):
        day = local_today()  # a week out of this century is a typing error (and would overflow)
    if not value and not placement.start_date <= day <= placement.end_date:
        day = placement.start_date  # open on the placement's first week when today is outside it
    return day - datetime.timedelta(days=day.isoweekday() - 1)


def _grid_context(
    request: HttpRequest, placement: Any, monday: datetime.date, **extra: Any
) -> dict[str, Any]:
    sunday_end = datetime.datetime.combine(
        monday + datetime.timedelta(days=7), datetime.time(), tzinfo=RULES_ZONE
    )
    monday_start = datetime.datetime.combine(monday, datetime.time(), tzinfo=RULES_ZONE)
    shifts = (
        selectors.shift_list(user=request.user, placement_id=placement.pk)
        .filter(start_at__lt=sunday_end, end_at__gt=monday_start)
        .order_by("start_at")
    )
    days = []
    posted = extra.pop("posted", {})
    refused_rows = extra.pop("refused_rows", set())
    for number in range(1, 8):
        day = monday + datetime.timedelta(days=number - 1)
        on_day = [s for s in shifts if local_date(s.start_at) == day]
        days.append(
            {
                "number": number,
                "date": day,
                "name": WEEKDAYS[number - 1],
                "planned": [s for s in on_day if s.kind == ShiftKind.PLANNED],
                "actual": [s for s in on_day if s.kind == ShiftKind.ACTUAL],
                "start": posted.get(f"start_{number}", ""),
                "end": posted.get(f"end_{number}", ""),
                "refused": number in refused_rows,
                "in_placement": placement.start_date <= day <= placement.end_date,
            }
        )
    return {
        "placement": placement,
        "monday": monday,
        "previous": monday - datetime.timedelta(days=7),
        "next": monday + datetime.timedelta(days=7),
        "days": days,
        **extra,
    }


def _grid_response(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    template = "portal/rules/_grid.html" if request.htmx else "portal/rules/week.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=status)


@role_required(Role.HR)
def week(request: HttpRequest, pk: int) -> HttpResponse:
    """The week's shifts of one apprentice, and a row per day to plan more. Posting enters them all or none."""
    placement = scoped_get(request, portal_selectors.placement_list(request.user), pk=pk)
    monday = _monday(request.GET.get("week") or request.POST.get("week"), placement)
    if request.method != "POST":
        return _grid_response(request, _grid_context(request, placement, monday))
    days: dict[int, tuple[datetime.time, datetime.time] | None] = {}
    bad_rows = set()
    for number in range(1, 8):
        start, end = (
            request.POST.get(f"start_{number}", "").strip(),
            request.POST.get(f"end_{number}", "").strip(),
        )
        if not start and not end:
            continue
        try:
            days[number] = (datetime.time.fromisoformat(start), datetime.time.fromisoformat(end))
        except ValueError:
            bad_rows.add(number)
    if bad_rows or not days:
        problems = [{"message": _("请为要排班的日期填写开始和结束时间"), "code": "SHIFT_TIME"}]
        context = _grid_context(
            request, placement, monday, posted=request.POST, refused_rows=bad_rows, problems=problems
        )
        return _grid_response(request, context, status=400)
    spans = week_grid_spans(monday=monday, days=days)
    try:
        shifts_enter(
            actor=request.user, placement=placement, kind=ShiftKind.PLANNED, spans=spans, refs=sorted(days)
        )
    except ApplicationError as exc:
        details = exc.details if isinstance(exc.details, dict) else {}
        problems = [
            {
                "message": _problem_text(p),
                "code": p.get("code", exc.code),
                "rule": rule_label(p.get("code", "")),
            }
            for p in details.get("problems", [])
        ] or [{"message": error_text(exc), "code": exc.code, "rule": rule_label(exc.code)}]
        rows = {
            r
            for p in details.get("problems", [])
            for r in (p.get("rows") or [p.get("row")])
            if isinstance(r, int)
        }
        context = _grid_context(
            request,
            placement,
            monday,
            posted=request.POST,
            refused_rows=rows,
            problems=problems,
            policy=details.get("policy", ""),
        )
        return _grid_response(request, context, status=422)
    context = _grid_context(request, placement, monday, saved=len(spans))
    return _grid_response(request, context)


def _refusals(exc: ApplicationError) -> list[dict[str, Any]]:
    """The problems of a refused ``shifts_enter`` in the page's language, each with its rule's label and rows."""
    details = exc.details if isinstance(exc.details, dict) else {}
    return [
        {
            "message": _problem_text(p),
            "code": p.get("code", exc.code),
            "rule": rule_label(p.get("code", "")),
            "rows": [r for r in (p.get("rows") or [p.get("row")]) if isinstance(r, int)],
        }
        for p in details.get("problems", [])
    ] or [{"message": error_text(exc), "code": exc.code, "rule": rule_label(exc.code), "rows": []}]


MAX_COPY_WEEKS = 12


@role_required(Role.HR)
@require_POST
def week_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """Copy a week's planned shifts to the next ``weeks`` weeks. Every copied shift goes through ``shifts_enter`` on
    its own, so each is checked by every rule against what is already planned (including the copies before it);
    a refused shift is listed with its date and rule, the others are stored."""
    placement = scoped_get(request, portal_selectors.placement_list(request.user), pk=pk)
    monday = _monday(request.POST.get("week"), placement)
    try:
        weeks = int(request.POST.get("weeks", "1"))
    except ValueError:
        weeks = 0
    if not 1 <= weeks <= MAX_COPY_WEEKS:
        problems = [
            {
                "message": _("复制的周数须为 1 至 %(n)d") % {"n": MAX_COPY_WEEKS},
                "code": "COPY_WEEKS",
                "rows": [],
            }
        ]
        return _grid_response(request, _grid_context(request, placement, monday, problems=problems), 400)
    start = datetime.datetime.combine(monday, datetime.time(), tzinfo=RULES_ZONE)
    source = list(
        selectors.shift_list(user=request.user, placement_id=placement.pk)
        .filter(kind=ShiftKind.PLANNED, start_at__gte=start, start_at__lt=start + datetime.timedelta(days=7))
        .order_by("start_at")
    )
    if not source:
        problems = [{"message": _("这一周没有可复制的排班"), "code": "COPY_EMPTY", "rows": []}]
        return _grid_response(request, _grid_context(request, placement, monday, problems=problems), 400)
    copied = 0
    refused: list[dict[str, Any]] = []
    for k in range(1, weeks + 1):
        for s in source:
            # Shift in local wall-clock time, so a copy keeps its hours whatever the offset.
            a = (s.start_at.astimezone(RULES_ZONE) + datetime.timedelta(weeks=k)).replace(tzinfo=None)
            b = (s.end_at.astimezone(RULES_ZONE) + datetime.timedelta(weeks=k)).replace(tzinfo=None)
            span = (a.replace(tzinfo=RULES_ZONE), b.replace(tzinfo=RULES_ZONE))
            try:
                shifts_enter(actor=request.user, placement=placement, kind=ShiftKind.PLANNED, spans=[span])
            except ApplicationError as exc:
                for p in _refusals(exc):
                    refused.append({**p, "shift": f"{a:%Y-%m-%d %H:%M}–{b:%H:%M}"})
            else:
                copied += 1
    context = _grid_context(request, placement, monday, copied=copied, copy_refused=refused)
    return _grid_response(request, context, 200 if copied or not refused else 422)


class BulkWeekForm(forms.Form):
    week = forms.DateField(label=gettext_lazy("周一日期"), widget=IsoDateInput())
    placements: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=gettext_lazy("学徒"), queryset=Placement.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, queryset: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["placements"].queryset = queryset  # type: ignore[attr-defined]
        self.fields["placements"].label_from_instance = lambda p: f"{p.student.name} · {p.post.title}"  # type: ignore[attr-defined]

    def clean_week(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["week"]
        if not EARLIEST_DAY <= day <= LATEST_DAY - datetime.timedelta(days=7):
            raise forms.ValidationError(_("日期超出范围"))
        return day - datetime.timedelta(days=day.isoweekday() - 1)


@role_required(Role.HR)
def bulk_week(request: HttpRequest) -> HttpResponse:
    """One week's grid planned for many apprentices at once. Each apprentice's week goes through ``shifts_enter``
    (all or nothing for that apprentice, every rule checked against that apprentice's own shifts and exceptions);
    the page lists per apprentice what was stored or, per refused shift, the rule."""
    queryset = (
        portal_selectors.placement_list(request.user)
        .filter(status__in=PlacementStatus.LIVE)
        .select_related("student", "post")
        .order_by("student__name", "pk")
    )
    form = BulkWeekForm(request.POST or None, queryset=queryset, initial={"week": _monday(None, _Today())})
    days: dict[int, tuple[datetime.time, datetime.time] | None] = {}
    bad_rows: set[int] = set()
    posted = request.POST if request.method == "POST" else {}
    for number in range(1, 8):
        start, end = (
            str(posted.get(f"start_{number}", "")).strip(),
            str(posted.get(f"end_{number}", "")).strip(),
        )
        if not start and not end:
            continue
        try:
            days[number] = (datetime.time.fromisoformat(start), datetime.time.fromisoformat(end))
        except ValueError:
            bad_rows.add(number)
    grid = [
        {
            "number": n,
            "name": WEEKDAYS[n - 1],
            "start": posted.get(f"start_{n}", ""),
            "end": posted.get(f"end_{n}", ""),
            "refused": n in bad_rows,
        }
        for n in range(1, 8)
    ]
    context: dict[str, Any] = {"form": form, "grid": grid}
    if request.method != "POST":
        return render(request, "portal/rules/bulk_week.html", context)
    if not form.is_valid() or bad_rows or not days:
        if bad_rows or not days:
            context["grid_error"] = _("请为要排班的日期填写开始和结束时间")
        return render(request, "portal/rules/bulk_week.html", context, status=400)
    monday = form.cleaned_data["week"]
    spans = week_grid_spans(monday=monday, days=days)
    results = []
    for placement in form.cleaned_data["placements"]:
        try:
            shifts_enter(
                actor=request.user,
                placement=placement,
                kind=ShiftKind.PLANNED,
                spans=spans,
                refs=sorted(days),
            )
        except ApplicationError as exc:
            problems = _refusals(exc)
            for p in problems:
                p["days"] = [str(WEEKDAYS[r - 1]) for r in p["rows"] if 1 <= r <= 7]
            results.append({"placement": placement, "saved": 0, "problems": problems})
        else:
            results.append({"placement": placement, "saved": len(spans), "problems": []})
    context |= {"results": results, "monday": monday}
    refused = any(r["problems"] for r in results)
    stored = any(r["saved"] for r in results)
    return render(
        request, "portal/rules/bulk_week.html", context, status=200 if stored or not refused else 422
    )


class _Today:
    """A placement-like bound for ``_monday``: any day is inside."""

    start_date = datetime.date.min
    end_date = datetime.date.max


class AttendanceForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("出勤记录（CSV 或 XLSX，表头：日期,开始,结束 或 date,start,end）")
    )


@role_required(Role.HR)
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload the hours actually worked; stored as reported and audited at once (problems become violations)."""
    placement = scoped_get(request, portal_selectors.placement_list(request.user), pk=pk)
    form = AttendanceForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            shifts = shifts_import(
                actor=request.user,
                placement=placement,
                kind=ShiftKind.ACTUAL,
                name=upload.name,
                content=upload.read(),
            )
        except ApplicationError as exc:
            details = exc.details if isinstance(exc.details, dict) else {}
            problems = [_problem_text(p) for p in details.get("problems", [])] or [error_text(exc)]
        else:
            messages.success(request, _("已导入 %(n)d 条实际出勤记录") % {"n": len(shifts)})
            return redirect("portal:company-shift-week", pk=pk)
    return render(
        request, "portal/rules/attendance.html", {"placement": placement, "form": form, "problems": problems}
    )


# --- violations inbox (school and company) -----------------------------------------------------------------


class ViolationFilter(SearchFilterSet):
    search_fields = ("placement__student__name", "placement__post__company__name", "rule_code")
    status = django_filters.ChoiceFilter(label=gettext_lazy("状态"), choices=ViolationStatus.choices)
    rule_code = django_filters.ChoiceFilter(label=gettext_lazy("规则"), choices=list(RULE_LABELS.items()))

    class Meta:
        model = Violation
        fields = ["q", "status", "rule_code"]


def _dress(violation: Violation) -> Violation:
    """What the card shows: the text in the page's language, the rule's name, the proposal waiting, if any."""
    zh, en = violation_messages(violation)
    violation.text = zh if _zh() else en  # type: ignore[attr-defined]
    violation.rule_name = rule_label(violation.rule_code)  # type: ignore[attr-defined]
    violation.pending = next(  # type: ignore[attr-defined]
        (p for p in violation.proposals.all() if p.status == ProposalStatus.PENDING), None
    )
    violation.rejected = next(  # type: ignore[attr-defined]
        (p for p in violation.proposals.all() if p.status == ProposalStatus.REJECTED), None
    )
    return violation


def _card(request: HttpRequest, violation: Violation, error: str = "") -> dict[str, Any]:
    return {
        "v": _dress(violation),
        "error": error,
        "closes": request.user.role in VIOLATION_CLOSERS,  # type: ignore[union-attr]
        "proposes": request.user.role == Role.HR,  # type: ignore[union-attr]
    }


def _violations(request: HttpRequest, detail_name: str) -> HttpResponse:
    queryset = (
        selectors.violation_list(user=request.user)
        .select_related("placement__post__company")
        .prefetch_related("proposals")
    )
    data = request.GET.copy()
    if "status" not in data:
        data["status"] = ViolationStatus.OPEN  # the inbox opens on what needs attention
    filterset = ViolationFilter(data, queryset=queryset, request=request)
    rows = filterset.qs if filterset.is_valid() else queryset
    from django.core.paginator import Paginator

    page = Paginator(rows.order_by("-last_seen", "-id"), 25).get_page(request.GET.get("page"))
    for violation in page.object_list:
        _dress(violation)
    query = data.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/rules/violations.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "action_base": detail_name,
            "closes": request.user.role in VIOLATION_CLOSERS,  # type: ignore[union-attr]
            "proposes": request.user.role == Role.HR,  # type: ignore[union-attr]
        },
    )


def _proposal_of(request: HttpRequest, violation: Violation) -> ResolutionProposal:
    try:
        pk = int(request.POST.get("proposal", ""))
    except ValueError:
        raise Http404 from None
    return scoped_get(request, ResolutionProposal.objects.filter(violation=violation), pk=pk)


def _act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    violation = scoped_get(request, selectors.violation_list(user=request.user), pk=pk)
    note = request.POST.get("note", "")
    error = ""
    try:
        if action == "acknowledge":
            violation_acknowledge(actor=request.user, violation=violation, note=note)
        elif action == "resolve":
            violation_resolve(actor=request.user, violation=violation, note=note)
        elif action == "propose":
            violation_resolution_propose(
                actor=request.user,
                violation=violation,
                text=request.POST.get("text", ""),
                evidence=request.FILES.get("evidence"),
            )
        elif action == "accept":
            resolution_proposal_accept(actor=request.user, proposal=_proposal_of(request, violation))
        elif action == "reject":
            resolution_proposal_reject(
                actor=request.user,
                proposal=_proposal_of(request, violation),
                reason=request.POST.get("reason", ""),
            )
        else:
            raise Http404
    except ApplicationError as exc:
        error = error_text(exc)
    violation = selectors.violation_list(user=request.user).prefetch_related("proposals").get(pk=violation.pk)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "portal/rules/_violation.html", _card(request, violation, error))
    if error:
        messages.error(request, error)
    return redirect(request.META.get("HTTP_REFERER") or "/")


@role_required(Role.COORDINATOR)
def school_violations(request: HttpRequest) -> HttpResponse:
    return _violations(request, "school")


@role_required(Role.HR)
def company_violations(request: HttpRequest) -> HttpResponse:
    return _violations(request, "company")


@require_POST
@role_required(Role.COORDINATOR, Role.HR)
def violation_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    return _act(request, pk, action)


@role_required(Role.COORDINATOR, Role.HR)
def proposal_evidence(request: HttpRequest, pk: int) -> FileResponse:
    """The evidence file of a proposed resolution, for whoever sees the violation."""
    proposal = scoped_get(request, ResolutionProposal.objects.all(), pk=pk)
    if not proposal.evidence:
        raise Http404
    name = (proposal.evidence.name or "evidence").rsplit("/", 1)[-1]
    return FileResponse(proposal.evidence.open("rb"), as_attachment=True, filename=name)


# --- the student: confirm or dispute actual hours ------------------------------------------------------------


@role_required(Role.STUDENT)
def my_shifts(request: HttpRequest) -> HttpResponse:
    shifts = selectors.shift_list(user=request.user).filter(kind=ShiftKind.ACTUAL).order_by("-start_at")[:60]
    planned = (
        selectors.shift_list(user=request.user)
        .filter(kind=ShiftKind.PLANNED, end_at__gte=timezone.now())
        .order_by("start_at")[:30]
    )
    return render(request, "portal/rules/my_shifts.html", {"shifts": shifts, "planned": planned})


@require_POST
@role_required(Role.STUDENT)
def my_shift_attest(request: HttpRequest, pk: int) -> HttpResponse:
    shift: Shift = scoped_get(request, selectors.shift_list(user=request.user), pk=pk)
    error = ""
    try:
        shift = shift_attest(
            actor=request.user,
            shift=shift,
            confirmed=request.POST.get("confirmed") == "1",
            note=request.POST.get("note", ""),
        )
    except ApplicationError as exc:
        error = error_text(exc)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "portal/rules/_my_shift.html", {"s": shift, "error": error})
    if error:
        messages.error(request, error)
    return redirect("portal:me-shifts")
