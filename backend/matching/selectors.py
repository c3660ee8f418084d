"""Reads of the matching app for the ranking (志愿填报): whether a student may rank now, the posts open to them, and
who of a round's students has ranked. Scoping is the caller's (the portal narrows by the user first)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Count, Q, QuerySet

from backend.companies.models import Post
from backend.placements.models import PilotProject, PlacementStatus
from backend.rules.selectors import PolicyBook
from backend.schools.models import Student

from .eligibility import pair_violation, student_gate
from .models import MatchRun, MatchRunStatus, RankingRound, StudentPreference

# Why a student cannot change their ranking now (the codes of the refusal, ApplicationError).
NO_ROUND = "RANKING_NOT_OPEN"
ROUND_CLOSED = "RANKING_CLOSED"
STUDENT_PLACED = "STUDENT_PLACED"
RUN_BUSY = "MATCH_RUN_BUSY"
NOT_IN_ROUND = "RANKING_NOT_FOR_STUDENT"  # a first-year, or under the minimum age on the start date

CLOSED_MESSAGES: dict[str, tuple[str, str]] = {
    NO_ROUND: ("学校尚未开放志愿填报", "the school has not opened the ranking"),
    ROUND_CLOSED: ("志愿填报已截止", "the ranking has closed"),
    STUDENT_PLACED: (
        "您已有岗位安排，不能再修改志愿",
        "you have a placement: the ranking can no longer change",
    ),
    RUN_BUSY: ("学校正在进行匹配，请稍后再修改志愿", "the school is running the matching: try again later"),
    NOT_IN_ROUND: (
        "本轮匹配不包括您（一年级或未满最低年龄）",
        "this round is not for you (first year, or under the minimum age)",
    ),
}


@dataclass
class RankingState:
    """A student's ranking as it stands: the round (if any), whether they may change it, why not, what is saved."""

    round: RankingRound | None
    open: bool
    reason: str | None  # one of CLOSED_MESSAGES when not open
    saved: list[StudentPreference] = field(default_factory=list)


def rounds_for_student(student: Student) -> QuerySet[RankingRound]:
    return RankingRound.objects.filter(
        pilot__school_id=student.school_id, pilot__program_id=student.cohort.program_id
    ).select_related("pilot")


def _run_busy(pilot: PilotProject) -> bool:
    return MatchRun.objects.filter(
        Q(pilot=pilot) | Q(pilot__isnull=True),
        school_id=pilot.school_id,
        status__in=(MatchRunStatus.QUEUED, MatchRunStatus.RUNNING),
    ).exists()


def _student_excluded(student: Student, ranking: RankingRound) -> bool:
    policy = PolicyBook().policy(pilot_id=ranking.pilot_id, on=ranking.start_date)
    rule, _minor = student_gate(
        birth_date=student.birth_date,
        entry_year=student.cohort.entry_year,
        as_of=ranking.start_date,
        policy=policy,
    )
    return rule is not None


def ranking_state(*, student: Student, today: datetime.date) -> RankingState:
    """The round of the student's school and program that is open (the one closing last), else the latest one."""
    saved = list(
        StudentPreference.objects.filter(student=student)
        .select_related("post__company", "pilot")
        .order_by("rank")
    )
    rounds = list(rounds_for_student(student).order_by("-closes_on", "-pk"))
    if not rounds:
        return RankingState(round=None, open=False, reason=NO_ROUND, saved=saved)
    ranking = rounds[0]
    reason: str | None = None
    if student.placements.filter(status__in=PlacementStatus.LIVE).exists():
        reason = STUDENT_PLACED
    elif _student_excluded(student, ranking):
        reason = NOT_IN_ROUND
    elif today > ranking.closes_on:
        reason = ROUND_CLOSED
    elif _run_busy(ranking.pilot):
        reason = RUN_BUSY
    return RankingState(round=ranking, open=reason is None, reason=reason, saved=saved)


def ranking_posts(*, ranking: RankingRound, student: Student) -> list[Post]:
    """The posts of the round's pilot that this student may be proposed for on the round's start date (the gates
    known before matching: work forbidden to minors, high-risk posts), with company and work site loaded."""
    policy = PolicyBook().policy(pilot_id=ranking.pilot_id, on=ranking.start_date)
    posts = (
        Post.objects.filter(company__pilots=ranking.pilot)
        .select_related("company")
        .order_by("company__name", "title", "pk")
    )
    if apps.is_installed("backend.attendance"):  # the work site a post is attended at
        posts = posts.select_related("work_site_link__site")
    return [
        post
        for post in posts
        if pair_violation(
            birth_date=student.birth_date,
            entry_year=student.cohort.entry_year,
            post_tags=post.hazard_tags,
            as_of=ranking.start_date,
            policy=policy,
        )
        is None
    ]


@dataclass
class RankingProgress:
    ranking: RankingRound
    students: int
    ranked: int

    @property
    def not_ranked(self) -> int:
        return self.students - self.ranked


def round_students(ranking: RankingRound) -> QuerySet[Any]:
    """The round's students: the pilot's school and program, no live placement, not kept out by age or year on the
    round's start date (first-years), each with the number of posts they ranked (`ranked`)."""
    pilot = ranking.pilot
    policy = PolicyBook().policy(pilot_id=pilot.pk, on=ranking.start_date)
    qs = (
        Student.objects.filter(school_id=pilot.school_id, cohort__program_id=pilot.program_id)
        .exclude(placements__status__in=PlacementStatus.LIVE)
        .select_related("cohort")
        .annotate(ranked=Count("match_preferences", distinct=True))
        .order_by("cohort__entry_year", "student_number", "pk")
    )
    keep = [
        s.pk
        for s in qs
        if student_gate(
            birth_date=s.birth_date, entry_year=s.cohort.entry_year, as_of=ranking.start_date, policy=policy
        )[0]
        is None
    ]
    return qs.filter(pk__in=keep)


def ranking_progress(ranking: RankingRound) -> RankingProgress:
    students = list(round_students(ranking).values_list("ranked", flat=True))
    return RankingProgress(ranking=ranking, students=len(students), ranked=sum(1 for n in students if n))


__all__ = ["ranking_posts", "ranking_progress", "ranking_state", "round_students"]
