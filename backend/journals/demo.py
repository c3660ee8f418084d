"""Demo journals and a visit, for the demo command to call after the working day's demo (the supervising teacher
teacher1 and their assignments exist). Idempotent: a placement that already has journals is left as it is.

For each demo apprentice with a login (student1, student2) on a live placement with a teacher: four weekly
journals of the past weeks, one reviewed by the mentor with a comment, one late and commented by the teacher, one
returned for rework (for the first apprentice) and the latest waiting for review; and one visit by the teacher."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.accounts.models import Role, User
from backend.core.clock import RULES_ZONE
from backend.placements.models import Placement, PlacementStatus

from . import rhythm, services
from .models import JournalEntry, JournalKind, TeacherVisit

WEEKS = [
    (
        ["熟悉岗位安全规程", "跟随师傅完成设备点检"],
        "学会了设备日常点检的顺序和记录方法，知道了异常情况先停机、再报告。",
        "",
    ),
    (
        ["在师傅指导下完成零件装配", "整理工位（6S）"],
        "掌握了扭矩扳手的使用，装配一次合格率比上周提高。",
        "夜班同事交接时记录不完整，不清楚上一班的设备状态。",
    ),
    (["独立完成首件检验", "参加班组质量例会"], "理解了首件检验的意义，学会看检验卡。", "量具使用还不熟练。"),
    (["协助完成产线换型", "学习看图纸"], "了解了换型的步骤和所需时间，开始能看懂简单的装配图。", ""),
]


@transaction.atomic
def seed_journals_demo(*, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    this_week = rhythm.week_start(now.astimezone(RULES_ZONE).date())
    made = visits = 0
    placements = (
        Placement.objects.filter(status__in=PlacementStatus.LIVE, teacher_assignment__isnull=False)
        .select_related("teacher_assignment__teacher", "post__company", "student")
        .order_by("id")
    )
    for index, placement in enumerate(placements):
        student = User.objects.filter(role=Role.STUDENT, student=placement.student, is_active=True).first()
        if student is None or JournalEntry.objects.filter(placement=placement).exists():
            continue
        teacher = placement.teacher_assignment.teacher
        mentor = User.objects.filter(role=Role.MENTOR, mentor=placement.mentor, is_active=True).first()
        entries = []
        for back, (tasks, learned, problems) in zip(range(4, 0, -1), WEEKS, strict=True):
            start = this_week - dt.timedelta(weeks=back)
            if start < rhythm.week_start(placement.start_date):
                continue
            deadline = rhythm.deadline_for(services.rhythm_of(placement.pilot_id), JournalKind.WEEKLY, start)
            # the second week's journal comes in a day after its deadline; the others on the Sunday evening
            at = deadline + dt.timedelta(days=1) if back == 3 else deadline - dt.timedelta(hours=16)
            entries.append(
                services.journal_submit(
                    actor=student,
                    placement=placement,
                    kind=JournalKind.WEEKLY,
                    day=start,
                    tasks=tasks,
                    hours="40",
                    learned=learned,
                    problems=problems,
                    now=at,
                )
            )
            made += 1
        when = now - dt.timedelta(days=1)
        if len(entries) >= 1 and mentor is not None:
            services.journal_review(
                actor=mentor, entry=entries[0], action="approve", comment="记录清楚，继续保持。", now=when
            )
        if len(entries) >= 2:
            services.journal_review(
                actor=teacher,
                entry=entries[1],
                action="comment",
                comment="本周周记逾期提交，请按时在周一中午前提交。交接问题已和师傅沟通。",
                now=when,
            )
        if len(entries) >= 3 and index == 0:
            services.journal_review(
                actor=teacher,
                entry=entries[2],
                action="return",
                comment="请补充首件检验中发现的问题和你的处理办法。",
                now=when,
            )
        if not TeacherVisit.objects.filter(teacher=teacher, company=placement.post.company).exists():
            services.visit_create(
                actor=teacher,
                company=placement.post.company,
                placement=placement,
                visited_on=(now - dt.timedelta(days=7)).astimezone(RULES_ZONE).date(),
                place=placement.post.company.address or placement.post.company.name,
                met=f"师傅 {placement.mentor.name if placement.mentor else ''}、企业人事",
                findings="学徒在岗情况良好，工位安全防护到位；夜班交接记录需规范。",
                follow_up="两周后回访，检查交接记录。",
                today=now.astimezone(RULES_ZONE).date(),
            )
            visits += 1
    return {"journals": made, "visits": visits}
