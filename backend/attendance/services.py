"""Writes for attendance: teacher assignments, work sites, clocking in and out, the mentor's countersignature,
the apprentice's answer to a correction, and the hash chain of attested days. Every write is atomic and audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q, Subquery
from django.utils import timezone, translation

from backend.accounts.models import Role, User
from backend.companies.models import Company, Post
from backend.core.audit import audit_record
from backend.core.clock import RULES_ZONE, local_date
from backend.core.errors import ApplicationError
from backend.core.ids import age_on
from backend.core.uploads import Refusal, validate_upload
from backend.placements.models import Placement, PlacementStatus
from backend.schools.models import Student

from . import chain, rules_bridge, totp
from .models import (
    AttendanceRecord,
    Decision,
    DeviceBinding,
    LeaveKind,
    LeaveRequest,
    MakeUpRequest,
    PeriodStatus,
    Punch,
    PunchKind,
    RequestStatus,
    StudentResponse,
    TeacherAssignment,
    WorkPeriod,
    WorkSite,
    WorkSitePost,
)

DEVICE_COOKIE = "xuetu_device"


def device_token_new() -> str:
    """A long random token for the apprentice's phone (kept in a cookie; only its hash is stored)."""
    return secrets.token_urlsafe(32)


def device_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# -- the supervising teacher --------------------------------------------------------------------


def _check_can_assign(actor: Any, placement: Placement, teacher: User) -> None:
    school_id = placement.pilot.school_id
    if not (actor.role == Role.ADMIN or actor.is_superuser) and not (
        actor.role == Role.COORDINATOR and actor.school_id == school_id
    ):
        raise ApplicationError(
            "TEACHER_ASSIGN_FORBIDDEN",
            "只有本校联络人可以分配指导教师",
            "only the school's coordinator assigns supervising teachers",
            status=403,
        )
    if teacher.role != Role.TEACHER or teacher.school_id != school_id or not teacher.is_active:
        raise ApplicationError(
            "TEACHER_NOT_OF_SCHOOL",
            "指导教师须为本校在职教师账号",
            "the supervising teacher must be an active teacher account of the placement's school",
            details={"teacher": teacher.pk},
        )


@transaction.atomic
def teachers_assign(*, actor: Any, placements: Sequence[Placement], teacher: User) -> list[TeacherAssignment]:
    """Assign one teacher to placements of the coordinator's school, all or nothing. The placement's teacher name
    and phone (what the agreement prints) follow the account."""
    if not placements:
        raise ApplicationError("TEACHER_ASSIGN_EMPTY", "请选择学徒岗位安排", "choose at least one placement")
    rows = list(Placement.objects.select_related("pilot").filter(pk__in=[p.pk for p in placements]))
    for placement in rows:
        _check_can_assign(actor, placement, teacher)
    out = []
    for placement in rows:
        assignment, _created = TeacherAssignment.objects.update_or_create(
            placement=placement, defaults={"teacher": teacher, "assigned_by": actor}
        )
        placement.supervising_teacher = teacher.display_name or teacher.username
        placement.supervising_teacher_phone = teacher.phone
        placement.save(update_fields=["supervising_teacher", "supervising_teacher_phone", "updated_at"])
        audit_record(
            actor=actor, action="attendance.teacher_assign", obj=placement, changes={"teacher": teacher.pk}
        )
        out.append(assignment)
    return out


def teacher_assign(*, actor: Any, placement: Placement, teacher: User) -> TeacherAssignment:
    return teachers_assign(actor=actor, placements=[placement], teacher=teacher)[0]


@transaction.atomic
def device_release(*, actor: Any, student: Student) -> int:
    """The teacher (or the school) releases an apprentice's bound device; the next clock binds the new phone."""
    allowed = (
        actor.role == Role.ADMIN
        or actor.is_superuser
        or (actor.role == Role.COORDINATOR and actor.school_id == student.school_id)
        or (
            actor.role == Role.TEACHER
            and TeacherAssignment.objects.filter(teacher=actor, placement__student=student).exists()
        )
    )
    if not allowed:
        raise ApplicationError(
            "DEVICE_RELEASE_FORBIDDEN",
            "只有该学徒的指导教师可以重新绑定设备",
            "only the apprentice's supervising teacher can re-bind the device",
            status=403,
        )
    deleted, _ = DeviceBinding.objects.filter(student=student).delete()
    audit_record(actor=actor, action="attendance.device_release", obj=student, changes={"released": deleted})
    return deleted


# -- work sites ---------------------------------------------------------------------------------


def _check_company_writer(actor: Any, company: Company) -> None:
    if not (actor.role == Role.ADMIN or actor.is_superuser) and not (
        actor.role == Role.HR and actor.company_id == company.pk
    ):
        raise ApplicationError(
            "WORK_SITE_FORBIDDEN",
            "只有本企业人事可以管理工作地点",
            "only the company's HR manages work sites",
            status=403,
        )


@transaction.atomic
def work_site_create(
    *, actor: Any, company: Company, name: str, address: str = "", posts: Sequence[Post] = ()
) -> WorkSite:
    _check_company_writer(actor, company)
    if not name.strip():
        raise ApplicationError("WORK_SITE_NAME", "请填写工作地点名称", "a work site needs a name")
    site = WorkSite.objects.create(
        company=company, name=name.strip(), address=address.strip(), secret=totp.new_secret()
    )
    audit_record(actor=actor, action="attendance.work_site_create", obj=site, changes={"name": site.name})
    if posts:
        work_site_posts_set(actor=actor, site=site, posts=posts)
    return site


@transaction.atomic
def work_site_posts_set(*, actor: Any, site: WorkSite, posts: Sequence[Post]) -> list[WorkSitePost]:
    """Posts of the site's company work at this site (a post belongs to one site: a post moves here)."""
    _check_company_writer(actor, site.company)
    foreign = [p.pk for p in posts if p.company_id != site.company_id]
    if foreign:
        raise ApplicationError(
            "WORK_SITE_POST_COMPANY",
            "只能关联本企业的岗位",
            "a site takes only its own company's posts",
            details={"posts": foreign},
        )
    links = []
    for post in posts:
        link, _created = WorkSitePost.objects.update_or_create(post=post, defaults={"site": site})
        links.append(link)
    audit_record(
        actor=actor, action="attendance.work_site_posts", obj=site, changes={"posts": [p.pk for p in posts]}
    )
    return links


# -- clocking in and out ------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockResult:
    punch: Punch
    period: WorkPeriod
    repeated: bool  # the same submission (idempotency key) came again: its first result
    violations: tuple[int, ...] = ()


def _refuse(code: str, zh: str, en: str, status: int = 400, **details: Any) -> ApplicationError:
    return ApplicationError(code, zh, en, details=details, status=status)


def no_placement_error(site_id: int) -> ApplicationError:
    return _refuse(
        "ATT_NO_PLACEMENT",
        "你今天在该工作地点没有在岗的学徒岗位安排，不能打卡",
        "you have no active placement at this work site today",
        status=409,
        site=site_id,
    )


def _check_device(bound_hash: str | None, device_token: str) -> None:
    """Refused unless ``device_token`` is the bound device's, or none is bound yet (this clock binds it)."""
    if bound_hash is None:
        if not device_token:
            raise _refuse(
                "ATT_DEVICE_MISSING",
                "无法识别本设备，请在手机浏览器中打卡",
                "this device cannot be identified",
                403,
            )
        return
    if not device_token or not secrets.compare_digest(bound_hash, device_token_hash(device_token)):
        raise _refuse(
            "ATT_DEVICE_NOT_BOUND",
            "这不是你绑定的考勤设备。换了手机请联系指导教师重新绑定",
            "this is not your bound device; ask your supervising teacher to re-bind it",
            403,
        )


def _check_code(verdict: totp.Verdict, step: int | None) -> int:
    if verdict is totp.Verdict.EXPIRED:
        raise _refuse(
            "ATT_CODE_EXPIRED",
            "考勤码已过期，请输入屏幕上最新的考勤码",
            "the code has expired; enter the one shown now",
        )
    if verdict is totp.Verdict.INVALID or step is None:
        raise _refuse(
            "ATT_CODE_INVALID",
            "考勤码不正确或不属于该工作地点",
            "the code is wrong or belongs to another work site",
        )
    return step


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    return Decimal(str(value)).quantize(Decimal("0.000001"))


def _spans(periods: Sequence[WorkPeriod], now: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """The worked spans as the rules should see them now (an open one up to now, at least a minute)."""
    spans = []
    for p in periods:
        start = p.attested_start or p.clock_in.at
        end = p.attested_end or (p.clock_out.at if p.clock_out else max(now, start + dt.timedelta(minutes=1)))
        spans.append((start, end))
    return spans


def _day_periods(placement_id: int, day: dt.date) -> list[WorkPeriod]:
    return list(
        WorkPeriod.objects.filter(placement_id=placement_id, day=day).select_related("clock_in", "clock_out")
    )


def _open_day_periods(open_id: int) -> list[WorkPeriod]:
    """The open period and the other periods of its placement and day, in one query."""
    opened = WorkPeriod.objects.filter(pk=open_id)
    return list(
        WorkPeriod.objects.filter(
            placement_id=Subquery(opened.values("placement_id")), day=Subquery(opened.values("day"))
        ).select_related("clock_in", "clock_out")
    )


def _constraint(exc: IntegrityError) -> str:
    return getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "") or str(exc)


def attendance_clock(
    *,
    actor: Any,
    site_id: int,
    kind: str,
    code: str,
    idempotency_key: str,
    device_token: str,
    latitude: Any = None,
    longitude: Any = None,
    accuracy_m: float | None = None,
    now: dt.datetime | None = None,
) -> ClockResult:
    """Clock in or out at a work site with the code shown there now. Refused, with nothing written, for an
    expired code, a replayed code, another site's code, another device, no active placement at the site, a
    second clock-in while one is open (or a clock-out with none open). The same submission again (same
    idempotency key) answers its first result.

    Made for the morning burst (bench/checkin.py): everything the checks need comes in one query
    (``_clock_facts``), the writes in one transaction, and the answer to a racing submission that a unique
    constraint stopped is given after it rolled back, so a clock needs no lock and no savepoint."""
    student_id = getattr(actor, "student_id", None)
    if getattr(actor, "role", None) != Role.STUDENT or not student_id:
        raise _refuse(
            "ATT_NOT_APPRENTICE", "只有学徒本人可以打卡", "only the apprentice clocks in and out", 403
        )
    if kind not in PunchKind.values:
        raise _refuse("ATT_KIND", "打卡类型无效", f"unknown clock kind {kind!r}")
    key = (idempotency_key or "").strip()
    if not key or len(key) > 64:
        raise _refuse(
            "ATT_IDEMPOTENCY_KEY", "缺少提交编号", "an idempotency key (1-64 characters) is required"
        )
    now = now or timezone.now()
    try:
        return _clock(
            actor=actor,
            facts=_clock_facts(student_id=student_id, site_id=site_id, key=key, now=now),
            student_id=student_id,
            site_id=site_id,
            kind=kind,
            code=code,
            key=key,
            device_token=device_token,
            evidence=(_decimal(latitude), _decimal(longitude), accuracy_m),
            now=now,
        )
    except IntegrityError as exc:  # a racing submission got there first: answer as if we had seen it
        name = _constraint(exc)
        first = _punch_of(student_id, key)
        if first is not None:  # the same submission, committed meanwhile (whichever constraint spoke first)
            return _repeated(first)
        if "punch_code_once" in name:
            raise _code_replayed() from exc
        if "period_one_open_per_student" in name:
            raise _already_in(None) from exc
        if "student_id" in name or "attendance_devicebinding" in name:
            raise _refuse(
                "ATT_DEVICE_NOT_BOUND", "这不是你绑定的考勤设备", "this is not your bound device", 403
            ) from exc
        raise


@dataclass(frozen=True)
class ClockFacts:
    """Everything the checks of a clock need, read in one query (``_clock_facts``)."""

    placement_id: int
    pilot_id: int
    start_date: dt.date
    site_active: bool
    site_secret: str
    device_hash: str | None  # the bound device's, None when none is bound yet
    repeat_of: int | None  # this submission's first punch
    used_now: bool  # this apprentice has used the code of the current step here
    used_before: bool  # ... or the one of the step before (still valid in the grace)
    open_id: int | None  # the open period
    open_site: int | None


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# What the checks of a clock need, in one statement: the ORM builds this query (five subqueries) in about seven
# times the time the database takes to answer it, and a clock is the one request a whole region sends in the
# same half hour (bench/checkin.py). The partial unique index behind period_one_open_per_student keeps the
# open-period join to one row; punch_code_once and punch_idempotency_key answer the subqueries by index.
CLOCK_FACTS_SQL = f"""
SELECT p.id, p.pilot_id, p.start_date, s.active, s.secret, d.token_hash,
       (SELECT k.id FROM {_table(Punch)} k WHERE k.student_id = p.student_id AND k.idempotency_key = %(key)s),
       EXISTS (SELECT 1 FROM {_table(Punch)} c
                WHERE c.student_id = p.student_id AND c.site_id = %(site)s AND c.step = %(step)s),
       EXISTS (SELECT 1 FROM {_table(Punch)} c
                WHERE c.student_id = p.student_id AND c.site_id = %(site)s AND c.step = %(step)s - 1),
       o.id, o.site_id
  FROM {_table(Placement)} p
  JOIN {_table(WorkSitePost)} l ON l.post_id = p.post_id AND l.site_id = %(site)s
  JOIN {_table(WorkSite)} s ON s.id = l.site_id
  LEFT JOIN {_table(DeviceBinding)} d ON d.student_id = p.student_id
  LEFT JOIN {_table(WorkPeriod)} o ON o.student_id = p.student_id AND o.clock_out_id IS NULL
 WHERE p.student_id = %(student)s AND p.status = %(active)s AND p.start_date <= %(day)s AND p.end_date >= %(day)s
 ORDER BY p.id
 LIMIT 1
"""


def _clock_facts(*, student_id: int, site_id: int, key: str, now: dt.datetime) -> ClockFacts | None:
    """The apprentice's active placement at the site today and what the checks need (CLOCK_FACTS_SQL); None
    when there is no such placement."""
    params: dict[str, Any] = {
        "student": student_id,
        "site": site_id,
        "key": key,
        "step": totp.step_of(now),
        "day": local_date(now),
        "active": PlacementStatus.ACTIVE.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(CLOCK_FACTS_SQL, params)
        row = cursor.fetchone()
    if row is None:
        return None
    (placement_id, pilot_id, start_date, active, secret, device_hash, repeat_of, used_now, used_before,
     open_id, open_site) = row  # fmt: skip
    return ClockFacts(
        placement_id=placement_id,
        pilot_id=pilot_id,
        start_date=_as_date(start_date),
        site_active=bool(active),
        site_secret=secret,
        device_hash=device_hash,
        repeat_of=repeat_of,
        used_now=bool(used_now),
        used_before=bool(used_before),
        open_id=open_id,
        open_site=open_site,
    )


def _as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)  # SQLite answers text


def _punch_of(student_id: int, key: str) -> Punch | None:
    return (
        Punch.objects.select_related("period_in", "period_out")
        .filter(student_id=student_id, idempotency_key=key)
        .first()
    )


@transaction.atomic
def _clock(
    *,
    actor: Any,
    facts: ClockFacts | None,
    student_id: int,
    site_id: int,
    kind: str,
    code: str,
    key: str,
    device_token: str,
    evidence: tuple[Decimal | None, Decimal | None, float | None],
    now: dt.datetime,
) -> ClockResult:
    if facts is None or facts.repeat_of:
        first = _punch_of(student_id, key)
        if first is not None:
            return _repeated(first)
        if facts is None:
            raise no_placement_error(site_id)
    if not facts.site_active:
        raise _refuse("ATT_SITE_INACTIVE", "该工作地点已停用", "this work site is not in use", 409)
    _check_device(facts.device_hash, device_token)
    verdict, step = totp.check(facts.site_secret, code, now)
    step = _check_code(verdict, step)
    if facts.used_now if step == totp.step_of(now) else facts.used_before:
        raise _code_replayed()  # this apprentice already used this code (another submission)
    if kind == PunchKind.IN and facts.open_id is not None:
        raise _already_in(WorkPeriod.objects.select_related("clock_in").get(pk=facts.open_id))
    if kind == PunchKind.OUT and (facts.open_id is None or facts.open_site != site_id):
        raise _refuse(
            "ATT_NOT_CLOCKED_IN",
            "你还没有在该工作地点上班打卡",
            "you have not clocked in at this work site",
            409,
        )
    latitude, longitude, accuracy_m = evidence
    punch = Punch.objects.create(
        placement_id=facts.placement_id,
        student_id=student_id,
        site_id=site_id,
        kind=kind,
        at=now,
        step=step,
        idempotency_key=key,
        latitude=latitude,
        longitude=longitude,
        accuracy_m=accuracy_m,
    )
    if kind == PunchKind.IN:
        period = WorkPeriod.objects.create(
            placement_id=facts.placement_id,
            student_id=student_id,
            site_id=site_id,
            day=local_date(now),
            clock_in=punch,
        )
    else:
        day = _open_day_periods(facts.open_id)  # type: ignore[arg-type]
        period = next(p for p in day if p.pk == facts.open_id)
        period.clock_out, period.status = punch, PeriodStatus.CLOSED
        period.save(update_fields=["clock_out", "status", "updated_at"])
    if facts.device_hash is None:
        DeviceBinding.objects.create(student_id=student_id, token_hash=device_token_hash(device_token))
    audit_record(
        actor=actor,
        action=f"attendance.clock_{kind}",
        obj=period,
        changes={"site": site_id, "at": now, "step": step, "located": latitude is not None},
    )
    # The rules at once: at a clock-in (night, holiday) this span alone is judged first; when it shows nothing the
    # day's findings stay what its earlier clocks made them, and the day's other periods need not be read.
    policy = rules_bridge.clock_policy(pilot_id=facts.pilot_id, start_date=facts.start_date)
    if kind == PunchKind.IN:
        rules: Sequence[str] = rules_bridge.AT_CLOCK_IN
        alone = rules_bridge.findings_of(policy=policy, spans=_spans([period], now), rules=rules)
        day = _day_periods(facts.placement_id, period.day) if alone else []
    else:
        rules = rules_bridge.AT_CLOCK_OUT
    findings = rules_bridge.findings_of(policy=policy, spans=_spans(day, now), rules=rules)
    raised = rules_bridge.violations_raise(
        placement_id=period.placement_id, policy=policy, findings=findings, now=now
    )
    return ClockResult(punch=punch, period=period, repeated=False, violations=tuple(raised))


def _repeated(punch: Punch) -> ClockResult:
    period = punch.period_in if punch.kind == PunchKind.IN else punch.period_out  # type: ignore[attr-defined]
    return ClockResult(punch=punch, period=period, repeated=True)


def _code_replayed() -> ApplicationError:
    return _refuse(
        "ATT_CODE_REPLAYED",
        "这个考勤码你已经用过了，请等待屏幕上出现新的考勤码",
        "you have already used this code; wait for the next one",
        409,
    )


def _already_in(period: WorkPeriod | None) -> ApplicationError:
    return _refuse(
        "ATT_ALREADY_CLOCKED_IN",
        "你已经上班打卡，请先下班打卡",
        "you are already clocked in; clock out first",
        409,
        **({"period": period.pk, "since": period.clock_in.at.isoformat()} if period else {}),
    )


# -- the mentor's countersignature --------------------------------------------------------------


def _check_mentor(actor: Any, period: WorkPeriod) -> None:
    if not (actor.role == Role.MENTOR and actor.mentor_id and actor.mentor_id == period.placement.mentor_id):
        raise _refuse(
            "ATT_NOT_MENTOR",
            "只有该学徒的师傅可以确认出勤",
            "only the apprentice's mentor countersigns attendance",
            403,
        )
    if period.status != PeriodStatus.CLOSED:
        raise _refuse(
            "ATT_PERIOD_NOT_CLOSED",
            "只能确认已下班打卡、尚未确认的出勤",
            "only a clocked-out period waiting for countersignature can be attested",
            409,
            period_status=period.status,
        )


def _locked(period: WorkPeriod) -> WorkPeriod:
    return (
        WorkPeriod.objects.select_for_update(of=("self",))
        .select_related("placement__pilot", "placement__post", "clock_in", "clock_out")
        .get(pk=period.pk)
    )


def _attest(
    *,
    actor: Any,
    period: WorkPeriod,
    times: tuple[dt.datetime, dt.datetime] | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> WorkPeriod:
    """Attest a closed period as clocked (``times`` None) or corrected to ``times``."""
    period = _locked(period)
    _check_mentor(actor, period)
    assert period.clock_out is not None
    start, end = times or (period.clock_in.at, period.clock_out.at)
    shift = rules_bridge.actual_shift_create(actor=actor, placement=period.placement, start=start, end=end)
    period.status = PeriodStatus.ATTESTED
    period.attested_start, period.attested_end = start, end
    period.attested_by, period.attested_at = actor, now or timezone.now()
    period.corrected = bool(reason)
    period.correction_reason = reason
    period.shift = shift
    period.save(
        update_fields=[
            "status",
            "attested_start",
            "attested_end",
            "attested_by",
            "attested_at",
            "corrected",
            "correction_reason",
            "shift",
            "updated_at",
        ]
    )
    event = "corrected" if reason else "attested"
    audit_record(
        actor=actor,
        action=f"attendance.period_{event}",
        obj=period,
        changes={"start": start, "end": end, "reason": reason, "shift": shift.pk},
    )
    day_record_append(placement=period.placement, day=period.day, event=event)
    return period


@transaction.atomic
def period_attest(*, actor: Any, period: WorkPeriod, now: dt.datetime | None = None) -> WorkPeriod:
    """The mentor confirms a clock-in/out pair as clocked."""
    return _attest(actor=actor, period=period, now=now)


@transaction.atomic
def periods_attest_all(*, actor: Any, day: dt.date, now: dt.datetime | None = None) -> list[WorkPeriod]:
    """The mentor confirms every waiting pair of their apprentices on ``day`` at once (all or nothing)."""
    if actor.role != Role.MENTOR or not actor.mentor_id:
        raise _refuse("ATT_NOT_MENTOR", "只有师傅可以确认出勤", "only a mentor countersigns attendance", 403)
    waiting = list(
        WorkPeriod.objects.filter(
            placement__mentor_id=actor.mentor_id, day=day, status=PeriodStatus.CLOSED
        ).order_by("clock_in__at", "id")
    )
    return [_attest(actor=actor, period=p, now=now) for p in waiting]


@transaction.atomic
def period_correct(
    *,
    actor: Any,
    period: WorkPeriod,
    start: dt.datetime,
    end: dt.datetime,
    reason: str,
    now: dt.datetime | None = None,
) -> WorkPeriod:
    """The mentor attests different times than clocked, with a reason the apprentice sees and may dispute."""
    if not reason.strip():
        raise _refuse("ATT_CORRECTION_REASON", "更正出勤须说明原因", "a correction needs a reason")
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise _refuse("ATT_TIME_ZONE", "时间须带时区", "times must carry a time zone")
    if end <= start:
        raise _refuse("ATT_CORRECTION_TIMES", "结束时间须晚于开始时间", "the end must come after the start")
    return _attest(actor=actor, period=period, times=(start, end), reason=reason.strip(), now=now)


@transaction.atomic
def period_respond(*, actor: Any, period: WorkPeriod, accept: bool, note: str = "") -> WorkPeriod:
    """The apprentice accepts or disputes the mentor's correction (the rules' attestation of the shift follows)."""
    period = _locked(period)
    if getattr(actor, "student_id", None) != period.student_id:
        raise _refuse(
            "ATT_NOT_OWN", "只有学徒本人可以回应更正", "only the apprentice answers a correction", 403
        )
    if not period.corrected or period.shift_id is None:
        raise _refuse("ATT_NOT_CORRECTED", "该出勤没有被更正", "this period was not corrected", 409)
    if period.student_response:
        raise _refuse(
            "ATT_ALREADY_ANSWERED", "你已经回应过该更正", "you have already answered this correction", 409
        )
    if not accept and not note.strip():
        raise _refuse("ATT_DISPUTE_NOTE", "有异议时请说明原因", "a dispute needs a note")
    assert period.shift is not None
    rules_bridge.shift_student_attest(actor=actor, shift=period.shift, confirmed=accept, note=note.strip())
    period.student_response = StudentResponse.ACCEPTED if accept else StudentResponse.DISPUTED
    period.dispute_note = "" if accept else note.strip()
    period.save(update_fields=["student_response", "dispute_note", "updated_at"])
    audit_record(
        actor=actor,
        action="attendance.correction_" + ("accepted" if accept else "disputed"),
        obj=period,
        changes={"note": period.dispute_note},
    )
    day_record_append(placement=period.placement, day=period.day, event=period.student_response)
    return period


# -- the chain of attested days -----------------------------------------------------------------


def day_content(*, placement: Placement, day: dt.date, event: str) -> dict[str, Any]:
    """The attested day as plain values: what the hash covers."""
    periods = (
        WorkPeriod.objects.filter(placement=placement, day=day, status=PeriodStatus.ATTESTED)
        .select_related("clock_in", "clock_out")
        .order_by("attested_start", "id")
    )
    return {
        "placement": placement.pk,
        "student": placement.student_id,
        "day": day.isoformat(),
        "event": event,
        "periods": [
            {
                "period": p.pk,
                "site": p.site_id,
                "clock_in": p.clock_in.at.isoformat(),
                "clock_out": p.clock_out.at.isoformat() if p.clock_out else None,
                "clock_in_makeup": p.clock_in.makeup,
                "clock_out_makeup": bool(p.clock_out and p.clock_out.makeup),
                "start": p.attested_start.isoformat() if p.attested_start else None,
                "end": p.attested_end.isoformat() if p.attested_end else None,
                "attested_by": p.attested_by_id,
                "corrected": p.corrected,
                "reason": p.correction_reason,
                "response": p.student_response,
                "dispute": p.dispute_note,
            }
            for p in periods
        ],
    }


def day_record_append(*, placement: Placement, day: dt.date, event: str) -> AttendanceRecord:
    """Append the day's attested state to the placement's chain (under the placement's row lock)."""
    Placement.objects.select_for_update().filter(pk=placement.pk).first()
    last = AttendanceRecord.objects.filter(placement=placement).order_by("-seq").first()
    prev_hash = last.hash if last else chain.GENESIS
    content = day_content(placement=placement, day=day, event=event)
    return AttendanceRecord.objects.create(
        placement=placement,
        seq=(last.seq + 1) if last else 1,
        day=day,
        event=event,
        content=content,
        prev_hash=prev_hash,
        hash=chain.link_hash(prev_hash, content),
    )


# -- notices ------------------------------------------------------------------------------------


def _users(q: Q) -> list[User]:
    return list(User.objects.filter(q, is_active=True).distinct())


def _teacher_q(placement: Placement) -> Q:
    return Q(role=Role.TEACHER, teacher_assignments__placement_id=placement.pk)


def _guardians_if_minor(placement: Placement, on: dt.date) -> list[User]:
    adult_age = rules_bridge.adult_age(placement)
    if age_on(placement.student.birth_date, on) >= adult_age:
        return []
    return _users(Q(role=Role.GUARDIAN, guardian__student_id=placement.student_id))


def _zh(label: Any) -> str:
    """A choice label in Chinese, whoever's request runs the service (a notice's first line is Chinese)."""
    with translation.override("zh-hans"):
        return str(label)


def _tell(
    recipients: Sequence[User],
    *,
    kind: str,
    title: str,
    body: str,
    link: str,
    key: str,
    at: dt.datetime | None = None,
) -> int:
    from backend.notices.services import notice_send

    return len(
        notice_send(
            recipients=recipients, kind=kind, title=title, body=body, link=link, dedupe_key=key, at=at
        )
    )


# -- make-ups (补卡) -------------------------------------------------------------------------------

MAKEUP_MAX_DAYS = 7  # a make-up is asked for within a week of the day (today included), never for the future
MAX_PERIOD = dt.timedelta(hours=24)
MAKEUP_LINK = "/mentor/requests/"


def _student_of(actor: Any) -> Student:
    student = getattr(actor, "student", None)
    if getattr(actor, "role", None) != Role.STUDENT or student is None:
        raise _refuse("ATT_NOT_STUDENT", "只有学徒本人可以申请", "only the apprentice asks for this", 403)
    return student


def _placement_on(student: Student, day: dt.date) -> Placement:
    placement = (
        Placement.objects.select_related("pilot", "post__work_site_link__site", "student")
        .filter(student=student, status__in=PlacementStatus.LIVE, start_date__lte=day, end_date__gte=day)
        .order_by("-start_date")
        .first()
    )
    if placement is None:
        raise _refuse(
            "ATT_NO_PLACEMENT_ON_DAY",
            "该日期你没有在岗的学徒岗位安排",
            "you had no active placement on that day",
            409,
            day=day.isoformat(),
        )
    return placement


def _check_makeup_time(at: dt.datetime, now: dt.datetime, field: str = "at") -> None:
    if timezone.is_naive(at):
        raise _refuse("ATT_TIME_ZONE", "时间须带时区", "times must carry a time zone")
    if at > now:
        raise _refuse(
            "ATT_MAKEUP_FUTURE", "不能为将来的时间补卡", "a make-up cannot be in the future", field=field
        )
    if local_date(at) < local_date(now) - dt.timedelta(days=MAKEUP_MAX_DAYS - 1):
        raise _refuse(
            "ATT_MAKEUP_TOO_OLD",
            f"只能为最近{MAKEUP_MAX_DAYS}天内的出勤补卡",
            f"a make-up is possible for the last {MAKEUP_MAX_DAYS} days only",
            field=field,
            max_days=MAKEUP_MAX_DAYS,
        )


@transaction.atomic
def makeup_request(
    *,
    actor: Any,
    kind: str,
    at: dt.datetime,
    reason: str,
    end_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> MakeUpRequest:
    """The apprentice asks for a missing clock (补卡): ``out`` closes the open period at ``at``; ``in`` is a
    whole period not clocked at all, ``at`` to ``end_at``. Not in the future, within MAKEUP_MAX_DAYS."""
    student = _student_of(actor)
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise _refuse("ATT_MAKEUP_REASON", "补卡须说明原因", "a make-up needs a reason")
    _check_makeup_time(at, now)
    period = None
    if kind == PunchKind.OUT:
        period = (
            WorkPeriod.objects.select_related("clock_in")
            .filter(student=student, status=PeriodStatus.OPEN)
            .first()
        )
        if period is None or not (period.clock_in.at < at <= period.clock_in.at + MAX_PERIOD):
            raise _refuse(
                "ATT_MAKEUP_NO_OPEN",
                "没有可以补下班卡的上班记录（须在上班打卡后24小时内）",
                "no open clock-in this clock-out can close (within 24 hours of it)",
                409,
            )
        if MakeUpRequest.objects.filter(period=period, status=RequestStatus.PENDING).exists():
            raise _refuse(
                "ATT_MAKEUP_PENDING", "该出勤已有待审批的补卡申请", "a make-up is already waiting", 409
            )
        placement, day = period.placement, period.day
    elif kind == PunchKind.IN:
        if end_at is None:
            raise _refuse(
                "ATT_MAKEUP_END", "补上班卡须同时填写下班时间", "a missing clock-in needs its end time"
            )
        _check_makeup_time(end_at, now, "end_at")
        if not (at < end_at <= at + MAX_PERIOD):
            raise _refuse(
                "ATT_MAKEUP_TIMES",
                "下班时间须晚于上班时间，且不超过24小时",
                "the end must come after the start, within 24 hours",
            )
        day = local_date(at)
        placement = _placement_on(student, day)
        clash = WorkPeriod.objects.filter(student=student, clock_in__at__lt=end_at).filter(
            Q(clock_out__at__gt=at) | Q(clock_out__isnull=True)
        )
        pending = MakeUpRequest.objects.filter(
            student=student, kind=PunchKind.IN, status=RequestStatus.PENDING, at__lt=end_at, end_at__gt=at
        )
        if clash.exists() or pending.exists():
            raise _refuse(
                "ATT_MAKEUP_OVERLAP",
                "补卡时间与已有的出勤或补卡申请重叠",
                "the make-up overlaps a period or a make-up already asked for",
                409,
            )
    else:
        raise _refuse("ATT_MAKEUP_KIND", "补卡类型不正确", "unknown make-up kind")
    if getattr(getattr(placement.post, "work_site_link", None), "site_id", None) is None:
        raise _refuse("ATT_NO_SITE", "该岗位没有工作地点", "the post has no work site", 409)
    req = MakeUpRequest.objects.create(
        placement=placement,
        student=student,
        kind=kind,
        day=day,
        at=at,
        end_at=end_at if kind == PunchKind.IN else None,
        period=period,
        reason=reason,
    )
    audit_record(
        actor=actor,
        action="attendance.makeup_request",
        obj=req,
        changes={"kind": kind, "at": at, "end": end_at},
    )
    _tell(
        _users(Q(role=Role.MENTOR, mentor_id=placement.mentor_id)),
        kind="attendance.makeup",
        title=f"补卡申请：{student.name} {day}",
        body=f"{student.name} 申请补卡（{_zh(req.get_kind_display())}）：{reason}\nMake-up request from {student.name}.",
        link=MAKEUP_LINK,
        key=f"attendance.makeup:{req.pk}:asked",
        at=now,
    )
    return req


def _locked_makeup(req: MakeUpRequest) -> MakeUpRequest:
    return (
        MakeUpRequest.objects.select_for_update(of=("self",))
        .select_related("placement__post__work_site_link__site", "placement__pilot", "student")
        .get(pk=req.pk)
    )


def _check_mentor_of(actor: Any, placement: Placement, what: str) -> None:
    if not (actor.role == Role.MENTOR and actor.mentor_id and actor.mentor_id == placement.mentor_id):
        raise _refuse(
            "ATT_NOT_MENTOR",
            f"只有该学徒的师傅可以审批{what}",
            "only the apprentice's mentor decides this",
            403,
        )


def _check_pending(req: MakeUpRequest | LeaveRequest) -> None:
    if req.status != RequestStatus.PENDING:
        raise _refuse(
            "ATT_REQUEST_DECIDED",
            "该申请已经审批过",
            "this request has been decided",
            409,
            request_status=req.status,
        )


def _makeup_punch(req: MakeUpRequest, site: WorkSite, kind: str, at: dt.datetime) -> Punch:
    # a make-up has no code: its step is negative and its own (the request's), so it can never clash with a code
    step = -(2 * req.pk + (1 if kind == PunchKind.OUT else 0))
    return Punch.objects.create(
        placement=req.placement,
        student=req.student,
        site=site,
        kind=kind,
        at=at,
        step=step,
        idempotency_key=f"makeup:{req.pk}:{kind}",
        makeup=True,
    )


@transaction.atomic
def makeup_approve(*, actor: Any, request: MakeUpRequest) -> MakeUpRequest:
    """The mentor approves: the make-up becomes punches marked as such, the period waits for the mentor's
    countersignature like any other (and the chain records it when attested)."""
    req = _locked_makeup(request)
    _check_mentor_of(actor, req.placement, "补卡")
    _check_pending(req)
    if req.kind == PunchKind.OUT:
        period = req.period and _locked(req.period)
        if period is None or period.status != PeriodStatus.OPEN:
            raise _refuse(
                "ATT_MAKEUP_PERIOD_GONE",
                "该出勤已经下班打卡",
                "the period has been clocked out meanwhile",
                409,
            )
        period.clock_out, period.status = (
            _makeup_punch(req, period.site, PunchKind.OUT, req.at),
            PeriodStatus.CLOSED,
        )
        period.save(update_fields=["clock_out", "status", "updated_at"])
    else:
        assert req.end_at is not None
        site = req.placement.post.work_site_link.site
        clock_in = _makeup_punch(req, site, PunchKind.IN, req.at)
        try:
            with transaction.atomic():
                period = WorkPeriod.objects.create(
                    placement=req.placement,
                    student=req.student,
                    site=site,
                    day=req.day,
                    clock_in=clock_in,
                    clock_out=_makeup_punch(req, site, PunchKind.OUT, req.end_at),
                    status=PeriodStatus.CLOSED,
                )
        except IntegrityError as exc:
            raise _refuse(
                "ATT_MAKEUP_OVERLAP", "补卡与已有出勤冲突", "the make-up clashes with a period", 409
            ) from exc
    req.status, req.decided_by, req.decided_at, req.period = (
        RequestStatus.APPROVED,
        actor,
        timezone.now(),
        period,
    )
    req.save(update_fields=["status", "decided_by", "decided_at", "period", "updated_at"])
    audit_record(actor=actor, action="attendance.makeup_approve", obj=req, changes={"period": period.pk})
    rules_bridge.findings_raise(
        placement=req.placement,
        spans=_spans(_day_periods(period.placement_id, period.day), timezone.now()),
        rules=rules_bridge.AT_CLOCK_OUT,
    )
    _makeup_told(req)
    return req


@transaction.atomic
def makeup_refuse(*, actor: Any, request: MakeUpRequest, reason: str) -> MakeUpRequest:
    req = _locked_makeup(request)
    _check_mentor_of(actor, req.placement, "补卡")
    _check_pending(req)
    if not reason.strip():
        raise _refuse("ATT_REFUSAL_REASON", "拒绝须说明原因", "a refusal needs a reason")
    req.status, req.decided_by, req.decided_at = RequestStatus.REFUSED, actor, timezone.now()
    req.refusal_reason = reason.strip()
    req.save(update_fields=["status", "decided_by", "decided_at", "refusal_reason", "updated_at"])
    audit_record(
        actor=actor, action="attendance.makeup_refuse", obj=req, changes={"reason": req.refusal_reason}
    )
    _makeup_told(req)
    return req


def _makeup_told(req: MakeUpRequest) -> None:
    zh, en = ("已批准", "approved") if req.status == RequestStatus.APPROVED else ("被拒绝", "refused")
    reason_zh, reason_en = (
        (f"理由：{req.refusal_reason}", f" Reason: {req.refusal_reason}") if req.refusal_reason else ("", "")
    )
    _tell(
        _users(Q(role=Role.STUDENT, student_id=req.student_id)),
        kind="attendance.makeup",
        title=f"补卡申请{zh}：{req.day}",
        body=f"你 {req.day} 的补卡申请{zh}。{reason_zh}\nYour make-up request for {req.day} was {en}.{reason_en}",
        link="/me/requests/",
        key=f"attendance.makeup:{req.pk}:{req.status}",
    )


# -- leave (请假) --------------------------------------------------------------------------------

LEAVE_MAX_DAYS = 30  # one request covers at most 30 days
LEAVE_BACK_DAYS = 7  # sick leave may be asked for afterwards, within a week
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENT_KINDS = ("pdf", "png", "jpeg")
LEAVE_LINK_MENTOR = "/mentor/requests/"
LEAVE_LINK_TEACHER = "/teacher/leave/"


def _check_attachment(upload: UploadedFile) -> None:
    validate_upload(
        upload,
        kinds=ATTACHMENT_KINDS,
        max_bytes=ATTACHMENT_MAX_BYTES,
        too_large=Refusal(
            "LEAVE_ATTACHMENT_TOO_LARGE", "附件不能超过5MB", "the attachment may not exceed 5 MB"
        ),
        wrong_type=Refusal(
            "LEAVE_ATTACHMENT_TYPE",
            "附件须为PDF、JPG或PNG文件",
            "the attachment must be a PDF, JPG or PNG file",
        ),
    )


@transaction.atomic
def leave_request(
    *,
    actor: Any,
    kind: str,
    start_date: dt.date,
    end_date: dt.date,
    hours: Decimal,
    reason: str,
    attachment: UploadedFile | None = None,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> LeaveRequest:
    """The apprentice asks for leave (事假/病假); the mentor and the supervising teacher are told, and the
    guardian of a minor."""
    student = _student_of(actor)
    now = now or timezone.now()
    today = today or local_date(now)
    reason = reason.strip()
    if kind not in LeaveKind.values:
        raise _refuse("LEAVE_KIND", "请假类型不正确", "unknown leave kind")
    if not reason:
        raise _refuse("LEAVE_REASON", "请假须说明原因", "leave needs a reason")
    if end_date < start_date or (end_date - start_date).days >= LEAVE_MAX_DAYS:
        raise _refuse(
            "LEAVE_DATES",
            f"结束日期须不早于开始日期，一次最多{LEAVE_MAX_DAYS}天",
            f"the end may not come before the start; at most {LEAVE_MAX_DAYS} days at once",
        )
    if start_date < today - dt.timedelta(days=LEAVE_BACK_DAYS):
        raise _refuse(
            "LEAVE_TOO_OLD",
            f"只能为最近{LEAVE_BACK_DAYS}天内及以后的日期请假",
            f"leave can start at most {LEAVE_BACK_DAYS} days back",
        )
    days = (end_date - start_date).days + 1
    if hours is None or hours <= 0 or hours > Decimal(24 * days):
        raise _refuse(
            "LEAVE_HOURS", "请假小时数须大于0且不超过所选天数", "hours must be positive and fit the days"
        )
    placement = _placement_on(student, start_date)
    if end_date > placement.end_date:
        raise _refuse(
            "LEAVE_PAST_PLACEMENT", "请假日期超出岗位安排期限", "the leave runs past the placement", 409
        )
    overlap = LeaveRequest.objects.filter(
        student=student,
        status__in=(RequestStatus.PENDING, RequestStatus.APPROVED),
        start_date__lte=end_date,
        end_date__gte=start_date,
    )
    if overlap.exists():
        raise _refuse(
            "LEAVE_OVERLAP", "与已有的请假申请日期重叠", "the dates overlap another leave request", 409
        )
    if attachment is not None:
        _check_attachment(attachment)
    leave = LeaveRequest(
        placement=placement,
        student=student,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        hours=Decimal(hours).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
        reason=reason,
    )
    if attachment is not None:
        leave.attachment.save(os.path.basename(attachment.name or "attachment"), attachment, save=False)
    leave.save()
    audit_record(
        actor=actor,
        action="attendance.leave_request",
        obj=leave,
        changes={"kind": kind, "start": start_date, "end": end_date, "hours": leave.hours},
    )
    label = _zh(leave.get_kind_display())
    body = (
        f"{student.name} 申请{label} {start_date}～{end_date}，{leave.hours} 小时：{reason}\n"
        f"{student.name} asks for {kind} leave {start_date}–{end_date}, {leave.hours} h."
    )
    title = f"请假申请：{student.name} {start_date}～{end_date}"
    key = f"attendance.leave:{leave.pk}:asked"
    _tell(
        _users(Q(role=Role.MENTOR, mentor_id=placement.mentor_id)),
        kind="attendance.leave",
        title=title,
        body=body,
        link=LEAVE_LINK_MENTOR,
        key=key,
        at=now,
    )
    _tell(
        _users(_teacher_q(placement)),
        kind="attendance.leave",
        title=title,
        body=body,
        link=LEAVE_LINK_TEACHER,
        key=key,
        at=now,
    )
    _tell(
        _guardians_if_minor(placement, start_date),
        kind="attendance.leave",
        title=title,
        body=body,
        link="",
        key=key,
        at=now,
    )
    return leave


def _locked_leave(leave: LeaveRequest) -> LeaveRequest:
    return (
        LeaveRequest.objects.select_for_update(of=("self",))
        .select_related("placement__pilot", "placement__student", "student")
        .get(pk=leave.pk)
    )


def _leave_side(actor: Any, placement: Placement) -> str:
    """Which approval the actor gives: the placement's mentor, or its assigned supervising teacher."""
    if actor.role == Role.MENTOR and actor.mentor_id and actor.mentor_id == placement.mentor_id:
        return "mentor"
    if (
        actor.role == Role.TEACHER
        and TeacherAssignment.objects.filter(placement=placement, teacher_id=actor.pk).exists()
    ):
        return "teacher"
    raise _refuse(
        "LEAVE_NOT_APPROVER",
        "只有该学徒的师傅和指导教师可以审批请假",
        "only the apprentice's mentor and supervising teacher decide leave",
        403,
    )


@transaction.atomic
def leave_decide(
    *, actor: Any, leave: LeaveRequest, approve: bool, reason: str = "", now: dt.datetime | None = None
) -> LeaveRequest:
    """The mentor's or the teacher's decision. Approved when both approve; refused when either refuses (with a
    reason). Approved, the placement's weeks of the leave are re-audited at once (the leave days count as no
    work)."""
    now = now or timezone.now()
    leave = _locked_leave(leave)
    side = _leave_side(actor, leave.placement)
    _check_pending(leave)
    if getattr(leave, f"{side}_decision"):
        raise _refuse(
            "LEAVE_ALREADY_DECIDED", "你已经审批过该请假", "you have already decided this leave", 409
        )
    reason = reason.strip()
    if not approve and not reason:
        raise _refuse("ATT_REFUSAL_REASON", "拒绝须说明原因", "a refusal needs a reason")
    setattr(leave, f"{side}_decision", Decision.APPROVED if approve else Decision.REFUSED)
    setattr(leave, f"{side}_by", actor)
    setattr(leave, f"{side}_at", now)
    fields = [f"{side}_decision", f"{side}_by", f"{side}_at", "updated_at"]
    if not approve:
        leave.status, leave.refusal_reason = RequestStatus.REFUSED, reason
        fields += ["status", "refusal_reason"]
    elif leave.mentor_decision == Decision.APPROVED and leave.teacher_decision == Decision.APPROVED:
        leave.status = RequestStatus.APPROVED
        fields.append("status")
    leave.save(update_fields=fields)
    audit_record(
        actor=actor,
        action=f"attendance.leave_{side}_" + ("approve" if approve else "refuse"),
        obj=leave,
        changes={"reason": reason, "status": leave.status},
    )
    if leave.status == RequestStatus.APPROVED:
        rules_bridge.placement_reaudit(
            placement=leave.placement, lo_day=leave.start_date, hi_day=leave.end_date
        )
    if leave.status != RequestStatus.PENDING:
        zh, en = ("已批准", "approved") if leave.status == RequestStatus.APPROVED else ("未获批准", "refused")
        title = f"请假{zh}：{leave.student.name} {leave.start_date}～{leave.end_date}"
        reason_zh, reason_en = (
            (f"理由：{leave.refusal_reason}", f" Reason: {leave.refusal_reason}")
            if leave.refusal_reason
            else ("", "")
        )
        body = (
            f"{leave.student.name} {leave.start_date}～{leave.end_date} 的{_zh(leave.get_kind_display())}{zh}。{reason_zh}\n"
            f"{leave.student.name}'s {leave.kind} leave {leave.start_date}–{leave.end_date} was {en}.{reason_en}"
        )
        key = f"attendance.leave:{leave.pk}:{leave.status}"
        _tell(
            _users(Q(role=Role.STUDENT, student_id=leave.student_id)),
            kind="attendance.leave",
            title=title,
            body=body,
            link="/me/requests/",
            key=key,
            at=now,
        )
        _tell(
            _guardians_if_minor(leave.placement, leave.start_date),
            kind="attendance.leave",
            title=title,
            body=body,
            link="",
            key=key,
            at=now,
        )
    return leave


# -- a clock-out still missing the next morning -------------------------------------------------

MISSING_OUT_BY = dt.time(8, 0)  # local: a period opened on a day is flagged from 08:00 the day after


def missing_clock_out_sweep(*, now: dt.datetime | None = None) -> int:
    """The beat's sweep: flag every period still open at 08:00 (Asia/Shanghai) the morning after its day, once,
    telling the apprentice, the mentor, the company's HR and the supervising teacher. Returns how many."""
    now = now or timezone.now()
    local = now.astimezone(RULES_ZONE)
    overdue_day = local.date() - dt.timedelta(days=1 if local.time() >= MISSING_OUT_BY else 2)
    flagged = 0
    rows = (
        WorkPeriod.objects.filter(
            status=PeriodStatus.OPEN, missing_out_flagged_at__isnull=True, day__lte=overdue_day
        )
        .select_related("placement__post", "placement__pilot", "student", "clock_in")
        .order_by("pk")[:2000]
    )
    for period in rows:
        with transaction.atomic():
            if not WorkPeriod.objects.filter(pk=period.pk, missing_out_flagged_at__isnull=True).update(
                missing_out_flagged_at=now
            ):
                continue  # another sweep flagged it meanwhile
            p = period.placement
            audit_record(
                actor=None, action="attendance.missing_clock_out", obj=period, changes={"day": period.day}
            )
            since = period.clock_in.at.astimezone(RULES_ZONE)
            _tell(
                _users(
                    Q(role=Role.STUDENT, student_id=period.student_id)
                    | Q(role=Role.MENTOR, mentor_id=p.mentor_id)
                    | Q(role=Role.HR, company_id=p.post.company_id)
                    | _teacher_q(p)
                ),
                kind="attendance.missing_clock_out",
                title=f"【漏打卡】{period.student.name} {period.day} 未下班打卡",
                body=(
                    f"{period.student.name} {since:%Y-%m-%d %H:%M} 上班打卡后未下班打卡，请补卡。\n"
                    f"{period.student.name} clocked in at {since:%Y-%m-%d %H:%M} and has not clocked out: "
                    "ask for a make-up."
                ),
                link="/me/requests/",
                key=f"attendance.missing_out:{period.pk}",
            )
            flagged += 1
    return flagged
