"""Demo data for the working day, for the demo app to call after its own data exists (nothing here imports it).

Idempotent: a second call finds everything in place and creates nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from backend.accounts.models import Role, User
from backend.companies.models import Company
from backend.core.clock import RULES_ZONE, local_date
from backend.core.errors import ApplicationError
from backend.placements.models import Placement, PlacementStatus
from backend.schools.models import School

from . import services, totp
from .models import DeviceBinding, LeaveRequest, TeacherAssignment, WorkSite, WorkSitePost

TEACHER_USERNAME = "teacher1"
LIVE = PlacementStatus.LIVE


@transaction.atomic
def seed_attendance_demo(*, password: str) -> dict[str, Any]:
    """A work site per company (every post of the company works there), and a supervising teacher login
    ``teacher1`` in the first school, assigned (by the school's coordinator) to its live placements. The days
    worked at the kiosk come with `seed_attendance_days`."""
    sites = links = 0
    for company in Company.objects.order_by("id"):
        site = WorkSite.objects.filter(company=company).order_by("id").first()
        if site is None:
            site = WorkSite.objects.create(
                company=company, name="主厂区", address=company.address, secret=totp.new_secret()
            )
            sites += 1
        for post in company.posts.filter(work_site_link__isnull=True):
            WorkSitePost.objects.create(post=post, site=site)
            links += 1
    assigned = 0
    school = School.objects.order_by("id").first()
    teacher = User.objects.filter(username=TEACHER_USERNAME).first()
    if school is not None and teacher is None:
        teacher = User(
            username=TEACHER_USERNAME,
            role=Role.TEACHER,
            school=school,
            display_name="王老师",
            phone="13900009901",
        )
        teacher.set_password(password)
        teacher.save()
    coordinator = (
        User.objects.filter(role=Role.COORDINATOR, school=school, is_active=True).order_by("id").first()
    )
    if teacher is not None and coordinator is not None:
        waiting = list(
            Placement.objects.filter(pilot__school=teacher.school, status__in=LIVE).exclude(
                pk__in=TeacherAssignment.objects.values("placement_id")
            )
        )
        if waiting:
            assigned = len(services.teachers_assign(actor=coordinator, placements=waiting, teacher=teacher))
    return {"sites": sites, "posts_linked": links, "assigned": assigned, "teacher": TEACHER_USERNAME}


DEMO_PHONE = "demo-phone-of-apprentice-{}"
CORRECTION = "16:00 经批准提前离岗参加学校班会，返厂取物时才打下班卡，按实际离岗时间更正"


def _local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=RULES_ZONE)


def _account(placement: Placement) -> User:
    """The apprentice's account: the phone page is how one clocks in. One the demo does not hand out (no usable
    password) for an apprentice without a demo login."""
    account = User.objects.filter(role=Role.STUDENT, student=placement.student).first()
    if account is None:
        account = User(
            username=f"apprentice{placement.student.student_number}",
            role=Role.STUDENT,
            student=placement.student,
            school=placement.student.school,
            display_name=placement.student.name,
        )
        account.set_unusable_password()
        account.save()
    return account


def _worked_days(placement: Placement, first: dt.date, today: dt.date) -> list[dt.date]:
    """The placement's planned working days from `first` to yesterday (the plan skips weekends and holidays)."""
    from backend.rules.models import Shift, ShiftKind

    starts = Shift.objects.filter(
        placement=placement,
        kind=ShiftKind.PLANNED,
        start_at__gte=_local(first, 0),
        start_at__lt=_local(today, 0),
    ).values_list("start_at", flat=True)
    return sorted({local_date(s) for s in starts})


def seed_attendance_days(*, now: dt.datetime, first: dt.date) -> dict[str, int]:
    """The story's apprentices clocked in and out at the kiosk on every planned working day from `first` to
    yesterday, through the services at the time of each event (codes of that moment, a day within 8 hours); the
    mentor attested each day at its end (once correcting one of student1's days with a reason student1 sees and
    may dispute), all but the last working day, which waits for mentor1. student1 forgot to clock on the last
    working day (a make-up waits for the mentor), was off sick on the third-last one (leave approved by both) and
    has personal leave asked for the second working day ahead. Idempotent: a placement with periods is left as
    it is; a placement that is not active (paused) is skipped, as the clock refuses it."""
    today = local_date(now)
    done = {"periods": 0, "attested": 0, "requests": 0}
    placements = list(
        Placement.objects.filter(
            status=PlacementStatus.ACTIVE,
            teacher_assignment__isnull=False,
            mentor__user__isnull=False,
            post__work_site_link__isnull=False,
        )
        .select_related(
            "student", "post__work_site_link__site", "mentor__user", "teacher_assignment__teacher"
        )
        .order_by("id")
    )
    placements = [p for p in placements if not p.work_periods.exists()]
    accounts = {p.pk: _account(p) for p in placements}
    # student1 (a demo login) first: the requests and the correction are theirs
    logins = [p for p in placements if accounts[p.pk].has_usable_password()]
    special = logins[0] if logins else None
    for index, placement in enumerate(placements):
        days = _worked_days(placement, first, today)
        if not days:
            continue
        student, mentor = accounts[placement.pk], placement.mentor.user  # type: ignore[union-attr]
        site = placement.post.work_site_link.site
        skip: set[dt.date] = set()
        if placement is special:
            done["requests"] += _requests(placement, student, mentor, days, now)
            skip = {days[-1], *(days[-3:-2])}
        for n, day in enumerate(days):
            if day in skip:
                continue
            clock_in = _local(day, 8, 52 + (index * 3 + n) % 8)
            clock_out = clock_in + dt.timedelta(hours=7, minutes=52 + (index + n) % 7)
            for kind, at in (("in", clock_in), ("out", clock_out)):
                services.attendance_clock(
                    actor=student,
                    site_id=site.pk,
                    kind=kind,
                    code=totp.code_for(site.secret, totp.step_of(at)),
                    idempotency_key=f"demo:{placement.pk}:{day}:{kind}",
                    device_token=DEMO_PHONE.format(placement.pk),
                    now=at,
                )
            done["periods"] += 1
            if day == days[-1]:
                continue  # the last working day waits for the mentor
            evening = _local(day, 17, 30)
            if placement is special and day == days[-2]:
                period = placement.work_periods.get(day=day)
                services.period_correct(
                    actor=mentor,
                    period=period,
                    start=clock_in,
                    end=_local(day, 16),
                    reason=CORRECTION,
                    now=evening - dt.timedelta(minutes=5),
                )
                done["attested"] += 1
            done["attested"] += len(services.periods_attest_all(actor=mentor, day=day, now=evening))
    # the demo's phones are not the visitor's: the first real clock binds the visitor's browser
    DeviceBinding.objects.filter(student__in=[p.student for p in placements]).delete()
    return done


def _requests(
    placement: Placement, student: User, mentor: User, days: list[dt.date], now: dt.datetime
) -> int:
    """student1's requests: a make-up for the last working day (asked that evening), sick leave for the
    third-last (asked that morning, approved by the mentor and the teacher), personal leave ahead."""
    teacher = placement.teacher_assignment.teacher  # type: ignore[union-attr]
    made = 0
    last = days[-1]
    try:
        with transaction.atomic():
            services.makeup_request(
                actor=student,
                kind="in",
                at=_local(last, 9),
                end_at=_local(last, 17),
                reason="手机没电，忘记打卡",
                now=_local(last, 18, 20),
            )
            made += 1
    except ApplicationError:
        pass
    if len(days) >= 3:
        sick = days[-3]
        leave = _leave(student, "sick", sick, "发烧就医", at=_local(sick, 7, 40))
        if leave is not None:
            services.leave_decide(actor=mentor, leave=leave, approve=True, now=_local(sick, 8, 5))
            services.leave_decide(actor=teacher, leave=leave, approve=True, now=_local(sick, 9, 10))
            made += 1
    ahead = local_date(now)
    for _ in range(2):  # the second working day ahead (weekends skipped)
        ahead += dt.timedelta(days=1)
        while ahead.weekday() >= 5:
            ahead += dt.timedelta(days=1)
    made += _leave(student, "personal", ahead, "家中有事", at=_local(last, 20)) is not None
    return made


def _leave(student: User, kind: str, day: dt.date, reason: str, *, at: dt.datetime) -> LeaveRequest | None:
    """A day's leave asked for at `at`; None where the rules refuse it (e.g. past the placement's end)."""
    try:
        with transaction.atomic():
            return services.leave_request(
                actor=student,
                kind=kind,
                start_date=day,
                end_date=day,
                hours=Decimal("8"),
                reason=reason,
                now=at,
            )
    except ApplicationError:
        return None
