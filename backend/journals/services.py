"""Writes for journals and visits: the pilot's rule, writing and resubmitting a journal (with its photos and its
history), the mentor's and the teacher's review (one by one or a week at once), reminders before the deadline,
and the teacher's visits. Every write is atomic and audited."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from backend.accounts.models import Role, User
from backend.attendance.models import TeacherAssignment
from backend.companies.models import Company
from backend.core.audit import audit_record
from backend.core.errors import ApplicationError
from backend.notices.services import notice_send
from backend.placements.models import PilotProject, Placement, PlacementStatus

from . import rhythm
from .models import (
    JournalEntry,
    JournalKind,
    JournalPhoto,
    JournalReview,
    JournalRevision,
    JournalRule,
    JournalStatus,
    ReviewAction,
    TeacherVisit,
    VisitPhoto,
)
from .photos import CheckedPhoto, photos_check

MAX_HOURS = {JournalKind.DAILY: Decimal("24"), JournalKind.WEEKLY: Decimal("168")}
MAX_TASKS = 30
TEXT_MAX = 5000


def rhythm_of(pilot_id: int) -> rhythm.Rhythm:
    return rhythm_from_rule(JournalRule.objects.filter(pilot_id=pilot_id).first())


def rhythm_from_rule(rule: JournalRule | None) -> rhythm.Rhythm:
    if rule is None:
        return rhythm.Rhythm()
    return rhythm.Rhythm(
        weekly_required=rule.weekly_required,
        daily_required=rule.daily_required,
        term_min=rule.term_min,
        deadline_days=rule.deadline_days,
        deadline_hour=rule.deadline_hour,
        remind_hours=rule.remind_hours,
    )


# -- the pilot's rule ---------------------------------------------------------------------------------------


@transaction.atomic
def journal_rule_set(
    *,
    actor: Any,
    pilot: PilotProject,
    weekly_required: bool,
    daily_required: bool,
    term_min: int,
    deadline_days: int,
    deadline_hour: int,
    remind_hours: int,
) -> JournalRule:
    """The pilot's school sets the rhythm and the deadline its apprentices' journals follow."""
    if not (actor.role == Role.ADMIN or actor.is_superuser) and not (
        actor.role == Role.COORDINATOR and actor.school_id == pilot.school_id
    ):
        raise ApplicationError(
            "JOURNAL_RULE_FORBIDDEN",
            "只有试点学校可以设置日报周记要求",
            "only the pilot's school sets it",
            status=403,
        )
    if not (0 <= deadline_hour <= 23) or deadline_days > 14 or remind_hours > 168 or term_min > 200:
        raise ApplicationError(
            "JOURNAL_RULE_FIGURES",
            "截止时间须为 0–23 点、之后 0–14 天；每学期至多 200 篇；提醒至多提前 168 小时",
            "the deadline hour is 0-23 and 0-14 days after; at most 200 a term; reminders at most 168 h ahead",
        )
    rule, _created = JournalRule.objects.update_or_create(
        pilot=pilot,
        defaults={
            "weekly_required": weekly_required,
            "daily_required": daily_required,
            "term_min": term_min,
            "deadline_days": deadline_days,
            "deadline_hour": deadline_hour,
            "remind_hours": remind_hours,
        },
    )
    audit_record(
        actor=actor,
        action="journals.rule_set",
        obj=rule,
        changes={"weekly_required": weekly_required, "term_min": term_min, "deadline_hour": deadline_hour},
    )
    return rule


# -- the apprentice writes ----------------------------------------------------------------------------------


def _clean_tasks(tasks: Sequence[str]) -> list[str]:
    cleaned = [t.strip()[:200] for t in tasks if t and t.strip()]
    return list(dict.fromkeys(cleaned))[:MAX_TASKS]


def _clean_hours(kind: str, hours: Any) -> Decimal:
    try:
        value = Decimal(str(hours)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError) as exc:
        raise _hours_error(kind) from exc
    if value < 0 or value > MAX_HOURS[JournalKind(kind)]:
        raise _hours_error(kind)
    return value


def _hours_error(kind: str) -> ApplicationError:
    top = MAX_HOURS[JournalKind(kind)]
    return ApplicationError(
        "JOURNAL_HOURS",
        f"工时须在 0–{top} 小时之间",
        f"hours must be between 0 and {top}",
        details={"max": str(top)},
    )


def _check_writer(actor: Any, placement: Placement) -> None:
    if getattr(actor, "role", None) != Role.STUDENT or actor.student_id != placement.student_id:
        raise ApplicationError(
            "JOURNAL_WRITE_FORBIDDEN",
            "只有学徒本人可以填写日报周记",
            "only the apprentice writes their journal",
            status=403,
        )
    if placement.status not in PlacementStatus.LIVE:
        raise ApplicationError(
            "JOURNAL_NO_PLACEMENT", "没有在岗的学徒岗位安排", "no active placement to write a journal for"
        )


def _snapshot(entry: JournalEntry) -> dict[str, Any]:
    return {
        "tasks": entry.tasks,
        "hours": str(entry.hours),
        "learned": entry.learned,
        "problems": entry.problems,
        "photos": [p.file.name for p in entry.photos.all()],
    }


@transaction.atomic
def journal_submit(
    *,
    actor: Any,
    placement: Placement,
    kind: str,
    day: dt.date,
    tasks: Sequence[str],
    hours: Any,
    learned: str,
    problems: str = "",
    photos: Sequence[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> JournalEntry:
    """Write a journal for a day or an ISO week, or resubmit one returned for rework (its previous version is
    kept). A journal first submitted after its deadline is late, and stays late when resubmitted."""
    now = now or timezone.now()
    if kind not in JournalKind.values:
        raise ApplicationError("JOURNAL_KIND", "请选择日报或周记", "choose daily or weekly")
    _check_writer(actor, placement)
    start = rhythm.period_start(kind, day)
    if rhythm.period_end(kind, start) < placement.start_date or start > placement.end_date:
        raise ApplicationError(
            "JOURNAL_OUT_OF_PLACEMENT", "日期不在岗位安排期间内", "the date is outside the placement's period"
        )
    if start > now.astimezone(rhythm.RULES_ZONE).date():
        raise ApplicationError(
            "JOURNAL_FUTURE", "不能提前填写以后的日报周记", "a journal cannot be written ahead"
        )
    learned, problems = (learned or "").strip(), (problems or "").strip()
    if not learned:
        raise ApplicationError("JOURNAL_LEARNED_REQUIRED", "请填写学到了什么", "say what you learned")
    if len(learned) > TEXT_MAX or len(problems) > TEXT_MAX:
        raise ApplicationError(
            "JOURNAL_TOO_LONG", f"每项至多 {TEXT_MAX} 字", f"at most {TEXT_MAX} characters each"
        )
    clean_hours = _clean_hours(kind, hours)
    clean_tasks = _clean_tasks(tasks)
    checked = photos_check(photos)
    entry = (
        JournalEntry.objects.select_for_update()
        .filter(placement=placement, kind=kind, period_start=start)
        .first()
    )
    if entry is None:
        deadline = rhythm.deadline_for(rhythm_of(placement.pilot_id), kind, start)
        try:
            with transaction.atomic():
                entry = JournalEntry.objects.create(
                    placement=placement,
                    student_id=placement.student_id,
                    kind=kind,
                    period_start=start,
                    tasks=clean_tasks,
                    hours=clean_hours,
                    learned=learned,
                    problems=problems,
                    deadline=deadline,
                    submitted_at=now,
                    late=rhythm.is_late(deadline, now),
                )
        except IntegrityError as exc:  # a racing second submission of the same period
            raise _exists_error(kind, start) from exc
        action = "journals.submit"
    elif entry.status == JournalStatus.RETURNED:
        entry.tasks, entry.hours, entry.learned, entry.problems = clean_tasks, clean_hours, learned, problems
        entry.status, entry.version, entry.resubmitted_at = JournalStatus.SUBMITTED, entry.version + 1, now
        entry.save(
            update_fields=[
                "tasks",
                "hours",
                "learned",
                "problems",
                "status",
                "version",
                "resubmitted_at",
                "updated_at",
            ]
        )
        action = "journals.resubmit"
    else:
        raise _exists_error(kind, start)
    _photos_save(checked, lambda: JournalPhoto(entry=entry))
    JournalRevision.objects.create(
        entry=entry, version=entry.version, content=_snapshot(entry), created_at=now
    )
    audit_record(
        actor=actor, action=action, obj=entry, changes={"version": entry.version, "late": entry.late}
    )
    return entry


def _exists_error(kind: str, start: dt.date) -> ApplicationError:
    return ApplicationError(
        "JOURNAL_EXISTS",
        "这一期的日报周记已提交；退回修改后才能再编辑",
        "this period's journal is already submitted; it can be edited once returned for rework",
        details={"kind": kind, "period_start": start.isoformat()},
        status=409,
    )


def _photos_save(checked: Sequence[CheckedPhoto], make: Any) -> None:
    for photo in checked:
        row = make()
        row.content_type, row.size = photo.content_type, photo.size
        row.file.save(f"{uuid.uuid4().hex}.{photo.extension}", photo.upload, save=False)
        row.save()


# -- the mentor and the teacher review ----------------------------------------------------------------------


def reviewer_role(actor: Any, placement: Placement) -> str | None:
    """'mentor' for the placement's mentor, 'teacher' for its assigned teacher, None for anyone else."""
    role = getattr(actor, "role", None)
    if role == Role.MENTOR and actor.mentor_id and actor.mentor_id == placement.mentor_id:
        return Role.MENTOR
    if role == Role.TEACHER and TeacherAssignment.objects.filter(placement=placement, teacher=actor).exists():
        return Role.TEACHER
    return None


def _forbidden() -> ApplicationError:
    return ApplicationError(
        "JOURNAL_REVIEW_FORBIDDEN",
        "只有该学徒的师傅或指导教师可以批阅",
        "only the apprentice's mentor or supervising teacher reviews the journal",
        status=403,
    )


def _review(
    *, actor: Any, role: str, entry: JournalEntry, action: str, comment: str, now: dt.datetime
) -> JournalReview:
    if action == ReviewAction.APPROVE:
        target: str | None = JournalStatus.APPROVED
    elif action == ReviewAction.RETURN:
        target = JournalStatus.RETURNED
    else:
        target = None
    if target is not None and not entry.can_move_to(target):
        raise ApplicationError(
            "JOURNAL_REVIEW_STATE",
            "该日报周记当前状态不能这样批阅",
            "the journal cannot be reviewed so in its current state",
            details={"status": entry.status, "action": action},
            status=409,
        )
    if target is not None:
        entry.status = target
        entry.save(update_fields=["status", "updated_at"])
    review = JournalReview.objects.create(
        entry=entry,
        reviewer=actor,
        reviewer_role=role,
        action=action,
        comment=comment,
        entry_version=entry.version,
        created_at=now,
    )
    audit_record(
        actor=actor, action=f"journals.review.{action}", obj=entry, changes={"version": entry.version}
    )
    return review


def _clean_review(action: str, comment: str) -> str:
    if action not in ReviewAction.values:
        raise ApplicationError(
            "JOURNAL_REVIEW_ACTION", "请选择通过、评语或退回", "choose approve, comment or return"
        )
    comment = (comment or "").strip()
    if action in (ReviewAction.COMMENT, ReviewAction.RETURN) and not comment:
        raise ApplicationError(
            "JOURNAL_COMMENT_REQUIRED", "评语或退回须写明意见", "a comment or a return needs a written remark"
        )
    if len(comment) > TEXT_MAX:
        raise ApplicationError("JOURNAL_TOO_LONG", f"至多 {TEXT_MAX} 字", f"at most {TEXT_MAX} characters")
    return comment


@transaction.atomic
def journal_review(
    *, actor: Any, entry: JournalEntry, action: str, comment: str = "", now: dt.datetime | None = None
) -> JournalReview:
    """Approve, comment on or return one journal: only the apprentice's mentor or assigned teacher."""
    now = now or timezone.now()
    comment = _clean_review(action, comment)
    entry = JournalEntry.objects.select_for_update().select_related("placement").get(pk=entry.pk)
    role = reviewer_role(actor, entry.placement)
    if role is None:
        raise _forbidden()
    return _review(actor=actor, role=role, entry=entry, action=action, comment=comment, now=now)


def reviewable_entries(actor: Any) -> Any:
    """The journals this actor reviews: the mentor's apprentices', the teacher's assigned placements'."""
    role = getattr(actor, "role", None)
    if role == Role.MENTOR and actor.mentor_id:
        return JournalEntry.objects.filter(placement__mentor_id=actor.mentor_id)
    if role == Role.TEACHER:
        return JournalEntry.objects.filter(
            Exists(TeacherAssignment.objects.filter(placement=OuterRef("placement"), teacher=actor))
        )
    return JournalEntry.objects.none()


@transaction.atomic
def journals_review_week(
    *,
    actor: Any,
    week: dt.date,
    action: str,
    comment: str = "",
    entry_ids: Sequence[int] | None = None,
    now: dt.datetime | None = None,
) -> list[JournalReview]:
    """All of a week at once: every journal waiting for review (weekly of the week, daily within it) of the
    actor's apprentices, or the chosen ones among them, reviewed alike. All or nothing."""
    now = now or timezone.now()
    comment = _clean_review(action, comment)
    if getattr(actor, "role", None) not in (Role.MENTOR, Role.TEACHER):
        raise _forbidden()
    start = rhythm.week_start(week)
    rows = (
        reviewable_entries(actor)
        .select_for_update()
        .select_related("placement")
        .filter(
            status=JournalStatus.SUBMITTED,
            period_start__gte=start,
            period_start__lte=start + dt.timedelta(days=6),
        )
        .order_by("id")
    )
    if entry_ids is not None:
        rows = rows.filter(pk__in=list(entry_ids))
    role = Role.MENTOR if actor.role == Role.MENTOR else Role.TEACHER
    return [_review(actor=actor, role=role, entry=e, action=action, comment=comment, now=now) for e in rows]


# -- reminders before the deadline --------------------------------------------------------------------------


def journal_reminders_send(*, now: dt.datetime) -> int:
    """The reminder sweep (beat, hourly): an apprentice of a live placement whose weekly journal for the current
    week (and daily journal for today, where the pilot asks for dailies) is still missing is told once, within
    `remind_hours` before the deadline. Deduplicated per placement and period. Returns how many were told."""
    today = now.astimezone(rhythm.RULES_ZONE).date()
    rules = {r.pilot_id: r for r in JournalRule.objects.all()}
    sent = 0
    placements = (
        Placement.objects.filter(status__in=PlacementStatus.LIVE, start_date__lte=today, end_date__gte=today)
        .select_related("student")
        .order_by("id")
    )
    users_by_student: dict[int, list[User]] = {}
    for user in User.objects.filter(
        role=Role.STUDENT, is_active=True, student_id__in=placements.values("student_id")
    ):
        users_by_student.setdefault(user.student_id, []).append(user)  # type: ignore[arg-type]
    written = set(
        JournalEntry.objects.filter(
            placement__in=placements, period_start__gte=rhythm.week_start(today)
        ).values_list("placement_id", "kind", "period_start")
    )
    for placement in placements:
        figures = rhythm_from_rule(rules.get(placement.pilot_id))
        wanted = []
        if figures.weekly_required:
            wanted.append((JournalKind.WEEKLY, rhythm.week_start(today)))
        if figures.daily_required:
            wanted.append((JournalKind.DAILY, today))
        for kind, start in wanted:
            if (placement.pk, kind.value, start) in written:
                continue
            deadline = rhythm.deadline_for(figures, kind, start)
            if not (deadline - dt.timedelta(hours=figures.remind_hours) <= now < deadline):
                continue
            label = "周记" if kind == JournalKind.WEEKLY else "日报"
            with transaction.atomic():
                sent += len(
                    notice_send(
                        recipients=users_by_student.get(placement.student_id, []),
                        kind="journal_reminder",
                        title=f"请在 {deadline:%m-%d %H:%M} 前提交{label}",
                        body=f"{placement.student.name}：{rhythm.iso_week_label(start) if kind == JournalKind.WEEKLY else start}"
                        f" 的{label}尚未提交，截止 {deadline.astimezone(rhythm.RULES_ZONE):%Y-%m-%d %H:%M}。",
                        link="/me/journals/",
                        dedupe_key=f"journal-remind:{placement.pk}:{kind.value}:{start.isoformat()}",
                    )
                )
    return sent


# -- the teacher's visits -----------------------------------------------------------------------------------


@transaction.atomic
def visit_create(
    *,
    actor: Any,
    company: Company,
    placement: Placement | None,
    visited_on: dt.date,
    place: str,
    met: str,
    findings: str,
    follow_up: str = "",
    photos: Sequence[UploadedFile] = (),
    today: dt.date,
) -> TeacherVisit:
    """A supervising teacher records a visit to a company their apprentices work at (about one placement or the
    company as a whole)."""
    if getattr(actor, "role", None) != Role.TEACHER or not actor.school_id:
        raise ApplicationError(
            "VISIT_FORBIDDEN",
            "只有指导教师可以记录走访",
            "only a supervising teacher records visits",
            status=403,
        )
    mine = Placement.objects.filter(teacher_assignment__teacher=actor)
    if placement is not None:
        if not mine.filter(pk=placement.pk).exists() or placement.post.company_id != company.pk:
            raise ApplicationError(
                "VISIT_PLACEMENT",
                "只能记录自己指导的学徒",
                "only a placement the teacher supervises",
                status=404,
            )
    elif not mine.filter(post__company=company).exists():
        raise ApplicationError(
            "VISIT_COMPANY",
            "只能走访自己学徒所在的企业",
            "only a company where the teacher's apprentices work",
            status=404,
        )
    place, met, findings = (place or "").strip(), (met or "").strip(), (findings or "").strip()
    if not place or not met or not findings:
        raise ApplicationError(
            "VISIT_FIELDS",
            "请填写地点、会见人员和发现的情况",
            "enter the place, who was met and the findings",
        )
    if visited_on > today:
        raise ApplicationError(
            "VISIT_FUTURE", "走访日期不能晚于今天", "a visit cannot be dated in the future"
        )
    checked = photos_check(photos)
    visit = TeacherVisit.objects.create(
        school_id=actor.school_id,
        teacher=actor,
        company=company,
        placement=placement,
        visited_on=visited_on,
        place=place[:300],
        met=met[:300],
        findings=findings[:TEXT_MAX],
        follow_up=(follow_up or "").strip()[:TEXT_MAX],
    )
    _photos_save(checked, lambda: VisitPhoto(visit=visit))
    audit_record(actor=actor, action="journals.visit_create", obj=visit, changes={"company": company.pk})
    return visit
