"""The working day (backend.attendance): the coordinator assigns supervising teachers, HR sets up work sites and
opens the kiosk (a tablet by the door shows the rotating code), the apprentice clocks in and out on the phone, the
mentor countersigns the day, the teacher follows their apprentices.

Imported only when backend.attendance is installed (see backend/portal/urls.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from backend.accounts.models import Role
from backend.attendance import record, selectors, services, totp
from backend.attendance.models import LeaveKind, PeriodStatus, PunchKind, WorkPeriod
from backend.core.clock import RULES_ZONE, local_today
from backend.core.errors import ApplicationError
from backend.placements.models import PlacementStatus
from backend.portal import selectors as portal_selectors
from backend.portal.access import company_of, error_text, role_required, school_of, scoped_get

DEVICE_MAX_AGE = 5 * 365 * 24 * 3600
OPEN_PLACEMENTS = PlacementStatus.LIVE


def _day(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else local_today()
    except ValueError:
        return local_today()


# --- the coordinator: supervising teachers ----------------------------------------------------------------


@role_required(Role.COORDINATOR)
def school_teachers(request: HttpRequest) -> HttpResponse:
    """Assign a teacher of the school to one placement or to many at once (all or nothing)."""
    school = school_of(request)
    placements = selectors.teacher_placement_list(user=request.user).filter(status__in=OPEN_PLACEMENTS)
    teachers = selectors.teacher_list(school_id=school.pk)
    status = 200
    if request.method == "POST":
        chosen = [int(v) for v in request.POST.getlist("placement") if v.isdigit()]
        teacher = teachers.filter(pk=request.POST.get("teacher") or 0).first()
        rows = list(placements.filter(pk__in=chosen))
        try:
            if teacher is None:
                raise ApplicationError("TEACHER_REQUIRED", "请选择指导教师", "choose a teacher")
            if not rows or len(rows) != len(set(chosen)):
                raise ApplicationError(
                    "TEACHER_ASSIGN_EMPTY", "请选择学徒岗位安排", "choose at least one placement"
                )
            services.teachers_assign(actor=request.user, placements=rows, teacher=teacher)
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
            status = 400
        else:
            messages.success(
                request, _("已为 %(n)d 个岗位安排分配指导教师 %(name)s") % {"n": len(rows), "name": teacher}
            )
            return redirect("portal:school-teachers")
    return render(
        request,
        "portal/attendance/school_teachers.html",
        {"placements": placements, "teachers": teachers},
        status=status,
    )


# --- HR: work sites and the kiosk -------------------------------------------------------------------------


@role_required(Role.HR)
def company_sites(request: HttpRequest) -> HttpResponse:
    company = company_of(request)
    posts = portal_selectors.post_list(request.user)
    status = 200
    if request.method == "POST":
        chosen = list(posts.filter(pk__in=[v for v in request.POST.getlist("post") if v.isdigit()]))
        try:
            site = services.work_site_create(
                actor=request.user,
                company=company,
                name=request.POST.get("name", ""),
                address=request.POST.get("address", ""),
                posts=chosen,
            )
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
            status = 400
        else:
            messages.success(request, _("已添加工作地点：%(name)s") % {"name": site.name})
            return redirect("portal:company-sites")
    return render(
        request,
        "portal/attendance/company_sites.html",
        {"sites": selectors.work_site_list(user=request.user), "posts": posts},
        status=status,
    )


def _kiosk_site(request: HttpRequest, pk: int) -> Any:
    site = selectors.kiosk_site(user=request.user, pk=pk)
    if site is None:
        raise Http404
    return site


def _clock_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("portal:me-clock"))


@role_required(Role.HR, Role.MENTOR)
def kiosk(request: HttpRequest, pk: int) -> HttpResponse:
    """The tablet by the door: the site's QR code and 6-digit code, replaced every 30 seconds (static/kiosk.js)."""
    site = _kiosk_site(request, pk)
    code = selectors.kiosk_code(site=site, now=timezone.now(), clock_url=_clock_url(request))
    return render(request, "portal/attendance/kiosk.html", {"site": site, "code": code})


@never_cache
@role_required(Role.HR, Role.MENTOR)
def kiosk_code(request: HttpRequest, pk: int) -> JsonResponse:
    site = _kiosk_site(request, pk)
    code = selectors.kiosk_code(site=site, now=timezone.now(), clock_url=_clock_url(request))
    return JsonResponse(
        {
            "code": code.code,
            "step": code.step,
            "seconds_left": code.seconds_left,
            "qr": reverse("portal:attendance-kiosk-qr", args=[site.pk, code.step]),
        }
    )


@never_cache
@role_required(Role.HR, Role.MENTOR)
def kiosk_qr(request: HttpRequest, pk: int, step: int) -> HttpResponse:
    """The QR of one step: only the current or the previous one (never a future code)."""
    site = _kiosk_site(request, pk)
    now = timezone.now()
    if step not in (totp.step_of(now), totp.step_of(now) - 1):
        raise Http404
    payload = selectors.kiosk_code(site=site, now=now, clock_url=_clock_url(request), step=step).payload
    image = qrcode.make(payload, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return HttpResponse(image.to_string(encoding="unicode"), content_type="image/svg+xml")


# --- the apprentice: clock in and out on the phone --------------------------------------------------------


def _clock_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    sites = selectors.student_sites_today(user=request.user, day=local_today())
    periods = selectors.period_list(user=request.user)[:30]  # the scope shows the apprentice their own
    return {
        "sites": sites,
        "open": selectors.open_period(user=request.user),
        "periods": periods,
        "idempotency_key": uuid.uuid4().hex,
        "site_id": request.GET.get("site", ""),
        "code": request.GET.get("code", ""),
        **extra,
    }


def _with_device_cookie(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if not request.COOKIES.get(services.DEVICE_COOKIE):
        response.set_cookie(
            services.DEVICE_COOKIE,
            services.device_token_new(),
            max_age=DEVICE_MAX_AGE,
            httponly=True,
            secure=request.is_secure(),
            samesite="Lax",
        )
    return response


@role_required(Role.STUDENT)
def clock(request: HttpRequest) -> HttpResponse:
    """The phone page: type the code on the door (or scan its QR), then 上班打卡 / 下班打卡."""
    status = 200
    context: dict[str, Any] = {}
    if request.method == "POST":
        posted_site = request.POST.get("site", "")
        try:
            result = services.attendance_clock(
                actor=request.user,
                site_id=int(posted_site) if posted_site.isdigit() else 0,
                kind=request.POST.get("kind", ""),
                code=request.POST.get("code", ""),
                idempotency_key=request.POST.get("idempotency_key", ""),
                device_token=request.COOKIES.get(services.DEVICE_COOKIE, ""),
                latitude=request.POST.get("latitude") or None,
                longitude=request.POST.get("longitude") or None,
                accuracy_m=_float(request.POST.get("accuracy")),
            )
        except ApplicationError as exc:
            context = {"error": error_text(exc), "error_code": exc.code, "code": ""}
            status = exc.status if exc.status in (400, 403, 409) else 400
        else:
            at = result.punch.at.astimezone(RULES_ZONE)
            label = _("上班打卡成功") if result.punch.kind == PunchKind.IN else _("下班打卡成功")
            messages.success(request, f"{label} {at:%H:%M:%S}")
            english = not (get_language() or "zh").startswith("zh")
            for code, zh, en in selectors.clock_violations(
                placement_id=result.punch.placement_id, ids=result.violations
            ):
                messages.warning(
                    request,
                    _("违反工作时间规定（%(code)s）：%(message)s。学校、企业和指导教师已收到通知。")
                    % {"code": code, "message": en if english else zh},
                )
            return redirect("portal:me-clock")
    response = render(
        request, "portal/attendance/clock.html", _clock_context(request, **context), status=status
    )
    return _with_device_cookie(request, response)


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


@require_POST
@role_required(Role.STUDENT)
def clock_respond(request: HttpRequest, pk: int) -> HttpResponse:
    period = scoped_get(request, selectors.period_list(user=request.user), pk=pk)
    try:
        services.period_respond(
            actor=request.user,
            period=period,
            accept=request.POST.get("accept") == "1",
            note=request.POST.get("note", ""),
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已提交"))
    return redirect("portal:me-clock")


# --- the mentor: countersign the day ----------------------------------------------------------------------


@role_required(Role.MENTOR)
def mentor_day(request: HttpRequest) -> HttpResponse:
    day = _day(request.GET.get("day") or request.POST.get("day"))
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "all":
                done = services.periods_attest_all(actor=request.user, day=day)
                messages.success(request, _("已确认 %(n)d 条出勤") % {"n": len(done)})
            else:
                period = scoped_get(
                    request, selectors.period_list(user=request.user), pk=request.POST.get("period") or 0
                )
                if action == "correct":
                    start, end = _local_times(day, request.POST.get("start", ""), request.POST.get("end", ""))
                    services.period_correct(
                        actor=request.user,
                        period=period,
                        start=start,
                        end=end,
                        reason=request.POST.get("reason", ""),
                    )
                    messages.success(request, _("已更正并确认"))
                else:
                    services.period_attest(actor=request.user, period=period)
                    messages.success(request, _("已确认"))
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
            status = 400
        else:
            return redirect(f"{reverse('portal:mentor-attendance')}?day={day.isoformat()}")
    periods = selectors.mentor_day(user=request.user, day=day)
    return render(
        request,
        "portal/attendance/mentor_day.html",
        {
            "day": day,
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
            "periods": periods,
            "waiting": sum(1 for p in periods if p.status == PeriodStatus.CLOSED),
            "waiting_days": [w for w in selectors.mentor_waiting_days(user=request.user) if w[0] != day],
            "sites": selectors.work_site_list(user=request.user),
        },
        status=status,
    )


def _local_times(day: dt.date, start: str, end: str) -> tuple[dt.datetime, dt.datetime]:
    try:
        a = dt.datetime.combine(day, dt.time.fromisoformat(start), tzinfo=RULES_ZONE)
        b = dt.datetime.combine(day, dt.time.fromisoformat(end), tzinfo=RULES_ZONE)
    except ValueError as exc:
        raise ApplicationError(
            "ATT_CORRECTION_TIMES", "请填写更正后的开始和结束时间", "enter the corrected times"
        ) from exc
    if b <= a:
        b += dt.timedelta(days=1)  # ends after midnight
    return a, b


# --- the supervising teacher ------------------------------------------------------------------------------


@role_required(Role.TEACHER)
def teacher_home(request: HttpRequest) -> HttpResponse:
    placements = list(selectors.teacher_placement_list(user=request.user))
    today = local_today()
    periods: dict[int, list[WorkPeriod]] = {}
    for p in selectors.period_list(user=request.user).filter(day__gte=today - dt.timedelta(days=6)):
        periods.setdefault(p.placement_id, []).append(p)
    rows = [{"placement": p, "periods": periods.get(p.pk, [])} for p in placements]
    return render(request, "portal/attendance/teacher_home.html", {"rows": rows, "today": today})


@require_POST
@role_required(Role.TEACHER, Role.COORDINATOR)
def device_release(request: HttpRequest, pk: int) -> HttpResponse:
    placement = scoped_get(request, portal_selectors.placement_list(request.user), pk=pk)
    try:
        services.device_release(actor=request.user, student=placement.student)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已解除设备绑定，学徒下次打卡时绑定新设备"))
    return redirect(request.POST.get("next") or "portal:teacher-home")


def _chain_roles() -> tuple[str, ...]:
    return (Role.COORDINATOR, Role.TEACHER, Role.HR, Role.MENTOR, Role.STUDENT, Role.GUARDIAN, Role.BUREAU)


@role_required(*_chain_roles())
def chain_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A placement's attested days and whether their hash chain holds."""
    placement = scoped_get(request, portal_selectors.placement_list(request.user), pk=pk)
    records = [
        {"record": r, "periods": [_local_span(p) for p in r.content.get("periods", [])]}
        for r in placement.attendance_records.order_by("seq")
    ]
    check = selectors.chain_check(placement=placement)
    return render(
        request,
        "portal/attendance/chain.html",
        {
            "placement": placement,
            "records": records,
            "check": check,
            "can_download": record.can_download(request.user, placement),
        },
    )


def _local_span(period: dict[str, Any]) -> dict[str, Any]:
    def local(value: str | None) -> dt.datetime | None:
        return dt.datetime.fromisoformat(value).astimezone(RULES_ZONE) if value else None

    return {
        "start": local(period.get("start")),
        "end": local(period.get("end")),
        "corrected": period.get("corrected"),
    }


# --- make-ups (补卡) and leave (请假) -----------------------------------------------------------------------


def _local_dt(day: str, time: str) -> dt.datetime:
    try:
        return dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(time), tzinfo=RULES_ZONE)
    except ValueError as exc:
        raise ApplicationError("ATT_MAKEUP_TIME", "请填写日期和时间", "enter the date and the time") from exc


def _decimal(value: str) -> Decimal:
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError) as exc:
        raise ApplicationError("LEAVE_HOURS", "请填写请假小时数", "enter the hours of leave") from exc


@role_required(Role.STUDENT)
def my_requests(request: HttpRequest) -> HttpResponse:
    """The apprentice's phone page: ask for a make-up or leave, and see what became of them."""
    status = 200
    if request.method == "POST":
        form = request.POST.get("form", "")
        try:
            if form == "makeup":
                kind = request.POST.get("kind", "")
                day = request.POST.get("day", "")
                at = _local_dt(day, request.POST.get("at", ""))
                end_at = None
                if kind == PunchKind.IN:
                    end_at = _local_dt(day, request.POST.get("end", ""))
                    if end_at <= at:
                        end_at += dt.timedelta(days=1)  # ends after midnight
                services.makeup_request(
                    actor=request.user, kind=kind, at=at, end_at=end_at, reason=request.POST.get("reason", "")
                )
                messages.success(request, _("补卡申请已提交，等待师傅审批"))
            else:
                services.leave_request(
                    actor=request.user,
                    kind=request.POST.get("kind", ""),
                    start_date=_day_or_error(request.POST.get("start_date", "")),
                    end_date=_day_or_error(request.POST.get("end_date", "")),
                    hours=_decimal(request.POST.get("hours", "")),
                    reason=request.POST.get("reason", ""),
                    attachment=request.FILES.get("attachment"),
                )
                messages.success(request, _("请假申请已提交，等待师傅和指导教师审批"))
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
            status = 400
        else:
            return redirect("portal:me-requests")
    return render(
        request,
        "portal/attendance/my_requests.html",
        {
            "makeups": selectors.makeup_list(user=request.user).order_by("-created_at")[:20],
            "leaves": selectors.leave_list(user=request.user).order_by("-created_at")[:20],
            "placements": selectors.record_placements(user=request.user).filter(status__in=OPEN_PLACEMENTS),
            "open": selectors.open_period(user=request.user),
            "today": local_today(),
            "max_days": services.MAKEUP_MAX_DAYS,
            "leave_kinds": LeaveKind.choices,
        },
        status=status,
    )


def _day_or_error(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ApplicationError("LEAVE_DATES", "请填写请假日期", "enter the dates of leave") from exc


def _decide(request: HttpRequest) -> None:
    """One decision posted from the mentor's or the teacher's list: a make-up or a leave, approve or refuse."""
    what, decision, reason = (
        request.POST.get("what"),
        request.POST.get("decision"),
        request.POST.get("reason", ""),
    )
    pk = request.POST.get("pk") or 0
    if what == "makeup":
        req = scoped_get(request, selectors.makeup_list(user=request.user), pk=pk)
        if decision == "approve":
            services.makeup_approve(actor=request.user, request=req)
        else:
            services.makeup_refuse(actor=request.user, request=req, reason=reason)
    else:
        leave = scoped_get(request, selectors.leave_list(user=request.user), pk=pk)
        services.leave_decide(actor=request.user, leave=leave, approve=decision == "approve", reason=reason)


def _approvals(request: HttpRequest, template: str, url_name: str) -> HttpResponse:
    status = 200
    if request.method == "POST":
        try:
            _decide(request)
        except ApplicationError as exc:
            messages.error(request, error_text(exc))
            status = 400
        else:
            messages.success(request, _("已审批"))
            return redirect(f"portal:{url_name}")
    return render(
        request,
        template,
        {
            "makeups": selectors.makeups_waiting(user=request.user),
            "leaves": selectors.leave_waiting(user=request.user),
        },
        status=status,
    )


@role_required(Role.MENTOR)
def mentor_requests(request: HttpRequest) -> HttpResponse:
    """The mentor's phone page: the make-ups and the leave of their apprentices waiting for them."""
    return _approvals(request, "portal/attendance/approvals.html", "mentor-requests")


@role_required(Role.TEACHER)
def teacher_leave(request: HttpRequest) -> HttpResponse:
    """The supervising teacher's list of leave waiting for their approval."""
    return _approvals(request, "portal/attendance/approvals.html", "teacher-leave")


@role_required(Role.STUDENT, Role.COORDINATOR, Role.TEACHER, Role.HR, Role.MENTOR)
def attendance_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """The placement's attested attendance as a sealed PDF (verifiable at /verify)."""
    placement = scoped_get(request, selectors.record_placements(user=request.user), pk=pk)
    try:
        sealed = record.attendance_record_seal(actor=request.user, placement=placement)
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404 from exc
        raise
    return FileResponse(
        sealed.pdf.open("rb"),
        as_attachment=True,
        filename=f"attendance-ATT-{placement.pk}.pdf",
        content_type="application/pdf",
    )
