"""Reads for journals and visits, always scoped (accounts/scoping.py), with their joins done up front."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from backend.accounts.scoping import scope_queryset
from backend.placements.models import Placement, PlacementStatus

from . import rhythm
from .models import (
    JournalEntry,
    JournalKind,
    JournalPhoto,
    JournalReview,
    JournalStatus,
    TeacherVisit,
    VisitPhoto,
)
from .services import reviewable_entries


def journal_list(*, user: Any) -> QuerySet[JournalEntry]:
    return scope_queryset(
        user,
        JournalEntry.objects.select_related(
            "placement__post__company", "placement__mentor", "student"
        ).prefetch_related(
            Prefetch(
                "reviews",
                queryset=JournalReview.objects.select_related("reviewer").order_by("created_at", "id"),
            ),
            "photos",
        ),
    )


def review_queue(*, user: Any, week: dt.date) -> QuerySet[JournalEntry]:
    """The journals of one ISO week (weekly of the week, daily within it) that this mentor or teacher reviews."""
    start = rhythm.week_start(week)
    mine = reviewable_entries(user).values("pk")
    return (
        journal_list(user=user)
        .filter(pk__in=mine, period_start__gte=start, period_start__lte=start + dt.timedelta(days=6))
        .order_by("student__name", "kind", "period_start")
    )


def photo_get(*, user: Any, pk: int) -> JournalPhoto | None:
    return scope_queryset(user, JournalPhoto.objects.all()).filter(pk=pk).first()


def visit_photo_get(*, user: Any, pk: int) -> VisitPhoto | None:
    return scope_queryset(user, VisitPhoto.objects.all()).filter(pk=pk).first()


def visit_list(*, user: Any) -> QuerySet[TeacherVisit]:
    return scope_queryset(
        user,
        TeacherVisit.objects.select_related("company", "placement__student", "teacher").prefetch_related(
            "photos"
        ),
    )


def writable_placements(*, user: Any) -> QuerySet[Placement]:
    """The apprentice's live placements (the ones a journal can be written for)."""
    if not getattr(user, "student_id", None):
        return Placement.objects.none()
    return scope_queryset(
        user,
        Placement.objects.filter(student_id=user.student_id, status__in=PlacementStatus.LIVE).select_related(
            "post__company", "pilot"
        ),
    )


def post_tasks(*, placement: Placement) -> list[str]:
    """The post's task list: the competencies of its post standard in the pilot's latest training plan (where the
    training app has one); empty when there is none (the apprentice then writes the tasks as free text)."""
    from django.apps import apps

    if not apps.is_installed("backend.training"):
        return []
    from backend.training.models import Competency

    latest = (
        Competency.objects.filter(
            standard__post_id=placement.post_id, standard__plan__pilot_id=placement.pilot_id
        )
        .order_by("-standard__plan_id")
        .values_list("standard__plan_id", flat=True)
        .first()
    )
    if latest is None:
        return []
    return list(
        Competency.objects.filter(standard__post_id=placement.post_id, standard__plan_id=latest)
        .order_by("code")
        .values_list("name", flat=True)
    )


@dataclass(frozen=True)
class OverviewRow:
    key: Any
    label: str
    due: int  # placements that owe a weekly journal for the week
    written: int  # of those, with the week's weekly journal
    missing: int
    late: int  # the week's journals (weekly and daily) submitted late
    waiting: int  # waiting for review
    reviewed: int  # approved or returned


def journal_overview(*, user: Any, week: dt.date) -> dict[str, list[OverviewRow]]:
    """The coordinator's overview of one ISO week, per class (the cohort and the
    student's 班级; students without one under their cohort) and per supervising teacher: journals due,
    written, missing, late, waiting for review and reviewed. Two aggregate queries, whatever the number of rows."""
    start = rhythm.week_start(week)
    end = start + dt.timedelta(days=6)
    placements = scope_queryset(
        user,
        Placement.objects.filter(
            status__in=PlacementStatus.LIVE, start_date__lte=end, end_date__gte=start
        ).exclude(pilot__journal_rule__weekly_required=False),
    )
    in_week = Q(journal_entries__period_start__gte=start, journal_entries__period_start__lte=end)
    weekly = Q(journal_entries__kind=JournalKind.WEEKLY, journal_entries__period_start=start)
    figures = {
        "due": Count("id", distinct=True),
        "written": Count("journal_entries", filter=weekly, distinct=True),
        "late": Count("journal_entries", filter=in_week & Q(journal_entries__late=True), distinct=True),
        "waiting": Count(
            "journal_entries",
            filter=in_week & Q(journal_entries__status=JournalStatus.SUBMITTED),
            distinct=True,
        ),
        "reviewed": Count(
            "journal_entries",
            filter=in_week & Q(journal_entries__status__in=[JournalStatus.APPROVED, JournalStatus.RETURNED]),
            distinct=True,
        ),
    }
    by_class = (
        placements.values(
            "student__cohort_id",
            "student__cohort__program__name",
            "student__cohort__entry_year",
            "student__class_name",
        )
        .annotate(**figures)
        .order_by("student__cohort__program__name", "student__cohort__entry_year", "student__class_name")
    )
    by_teacher = (
        placements.values(
            "teacher_assignment__teacher_id",
            "teacher_assignment__teacher__display_name",
            "teacher_assignment__teacher__username",
        )
        .annotate(**figures)
        .order_by("teacher_assignment__teacher__display_name", "teacher_assignment__teacher_id")
    )

    def row(key: Any, label: str, r: Any) -> OverviewRow:
        return OverviewRow(
            key=key,
            label=label,
            due=r["due"],
            written=r["written"],
            missing=max(r["due"] - r["written"], 0),
            late=r["late"],
            waiting=r["waiting"],
            reviewed=r["reviewed"],
        )

    return {
        "classes": [
            row(
                r["student__cohort_id"],  # the cohort (a cohort's classes are told apart by the label)
                f"{r['student__cohort__program__name']} {r['student__cohort__entry_year']}级"
                + (f" {r['student__class_name']}" if r["student__class_name"] else ""),
                r,
            )
            for r in by_class
        ],
        "teachers": [
            row(
                r["teacher_assignment__teacher_id"],
                r["teacher_assignment__teacher__display_name"]
                or r["teacher_assignment__teacher__username"]
                or "",
                r,
            )
            for r in by_teacher
        ],
    }


@dataclass(frozen=True)
class TermRow:
    key: Any
    label: str
    placements: int
    term_min: int  # what the pilots' rules ask of these placements over the whole term (sum of term_min)
    due: int  # weekly journals due so far in the term (their deadline passed)
    written: int  # of those, written
    missing: int
    late: int  # the term's journals (weekly and daily) submitted late
    waiting: int  # waiting for review
    reviewed: int  # approved or returned


def journal_term_overview(*, user: Any, day: dt.date, now: dt.datetime) -> dict[str, Any]:
    """The coordinator's overview of the term that holds ``day``, per class (cohort) and per supervising
    teacher, counted against each pilot's rhythm (JournalRule, the defaults without one): weekly journals due so
    far in the term, written, missing, late, waiting for review, reviewed, and the term's minimum. Two queries
    whatever the number of placements and journals (the placements with their rule; the term's journals)."""
    term = rhythm.term_of(day)
    placements = list(
        scope_queryset(
            user,
            Placement.objects.filter(
                status__in=PlacementStatus.LIVE, start_date__lte=term.end, end_date__gte=term.start
            ),
        )
        .order_by()
        .values(
            "id",
            "start_date",
            "end_date",
            "student__cohort_id",
            "student__cohort__program__name",
            "student__cohort__entry_year",
            "teacher_assignment__teacher_id",
            "teacher_assignment__teacher__display_name",
            "teacher_assignment__teacher__username",
            "pilot__journal_rule__id",
            "pilot__journal_rule__weekly_required",
            "pilot__journal_rule__term_min",
            "pilot__journal_rule__deadline_days",
            "pilot__journal_rule__deadline_hour",
        )
    )
    entries: dict[int, list[tuple[str, dt.date, str, bool]]] = {}
    for placement_id, kind, start, status, late in (
        JournalEntry.objects.filter(
            placement_id__in=[p["id"] for p in placements],
            period_start__gte=term.start,
            period_start__lte=term.end,
        )
        .order_by()
        .values_list("placement_id", "kind", "period_start", "status", "late")
    ):
        entries.setdefault(placement_id, []).append((kind, start, status, late))

    default = rhythm.Rhythm()
    groups: dict[str, dict[Any, dict[str, Any]]] = {"classes": {}, "teachers": {}}
    for p in placements:
        if p["pilot__journal_rule__id"] is None:
            rule = default
        else:
            rule = rhythm.Rhythm(
                weekly_required=p["pilot__journal_rule__weekly_required"],
                term_min=p["pilot__journal_rule__term_min"],
                deadline_days=p["pilot__journal_rule__deadline_days"],
                deadline_hour=p["pilot__journal_rule__deadline_hour"],
            )
        mine = entries.get(p["id"], [])
        due = rhythm.weeks_due(rule, term, p["start_date"], p["end_date"], now)
        weekly = {start for kind, start, _status, _late in mine if kind == JournalKind.WEEKLY}
        figures = {
            "placements": 1,
            "term_min": rule.term_min if rule.weekly_required else 0,
            "due": len(due),
            "written": sum(1 for monday in due if monday in weekly),
            "late": sum(1 for e in mine if e[3]),
            "waiting": sum(1 for e in mine if e[2] == JournalStatus.SUBMITTED),
            "reviewed": sum(1 for e in mine if e[2] in (JournalStatus.APPROVED, JournalStatus.RETURNED)),
        }
        cohort = p["student__cohort_id"]
        teacher = p["teacher_assignment__teacher_id"]
        keys = {
            "classes": (
                (
                    p["student__cohort__program__name"] or "",
                    p["student__cohort__entry_year"] or 0,
                    cohort or 0,
                ),
                cohort,
                f"{p['student__cohort__program__name']} {p['student__cohort__entry_year']}级"
                if cohort
                else "",
            ),
            "teachers": (
                (teacher is None, p["teacher_assignment__teacher__display_name"] or "", teacher or 0),
                teacher,
                p["teacher_assignment__teacher__display_name"]
                or p["teacher_assignment__teacher__username"]
                or "",
            ),
        }
        for group, (order, key, label) in keys.items():
            row = groups[group].setdefault(order, {"key": key, "label": label, **dict.fromkeys(figures, 0)})
            for name, value in figures.items():
                row[name] += value

    def rows(group: str) -> list[TermRow]:
        return [
            TermRow(**{**r, "missing": r["due"] - r["written"]})
            for _order, r in sorted(groups[group].items(), key=lambda item: item[0])
        ]

    return {"term": term, "classes": rows("classes"), "teachers": rows("teachers")}
