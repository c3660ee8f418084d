"""Writes of the matching app: preferences, runs (queue, execute), manual adjustment, acceptance."""

from __future__ import annotations

import datetime
import json
import secrets
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from backend.accounts.models import Role
from backend.companies.models import Mentor, Post
from backend.companies.services import post_of_company_or_raise
from backend.core.audit import audit_record
from backend.core.errors import ApplicationError
from backend.core.queue import enqueue_on_commit
from backend.core.services import model_create, model_update
from backend.placements.models import PilotProject, Placement, PlacementStatus
from backend.placements.services import placement_create, student_unplaced_check
from backend.rules import gates
from backend.rules.selectors import PolicyBook, placement_gates_check, policy_for_placement
from backend.rules.services.gates import gate_error
from backend.schools.models import Student

from . import engine
from .eligibility import RULE_MESSAGES
from .market import Market, assign_mentors, describe_priority, load_market
from .models import (
    ApplicantScore,
    MatchRun,
    MatchRunStatus,
    Proposal,
    ProposalStatus,
    RankingRound,
    StudentPreference,
)
from .selectors import CLOSED_MESSAGES, NO_ROUND, ROUND_CLOSED, ranking_posts, ranking_state

PHASES = ("load", "match", "explain", "write")


def max_preferences() -> int:
    return int(getattr(settings, "XUETU_MATCHING_MAX_PREFERENCES", 10))


# --------------------------------------------------------------------------------------------------
# Preferences


@transaction.atomic
def preferences_replace(
    *,
    actor: Any,
    student: Student,
    pilot: PilotProject,
    posts: Sequence[Post],
    today: datetime.date | None = None,
) -> list[StudentPreference]:
    """Set a student's ranked list (first = most wanted) for a pilot, replacing the previous one. A student
    acting for themselves does so only while the pilot's ranking round is open to them, and only with the posts
    open to them (`today` is then required); the coordinator may enter a list at any time."""
    if getattr(actor, "role", None) == Role.STUDENT:
        _student_may_rank(actor=actor, student=student, pilot=pilot, posts=posts, today=today)
    limit = max_preferences()
    if len(posts) > limit:
        raise ApplicationError(
            "TOO_MANY_PREFERENCES",
            f"最多填报{limit}个志愿",
            f"at most {limit} preferences",
            details={"limit": limit, "given": len(posts)},
        )
    if len({p.pk for p in posts}) != len(posts):
        raise ApplicationError("DUPLICATE_PREFERENCE", "同一岗位不能重复填报", "a post is listed twice")
    if student.school_id != pilot.school_id or student.cohort.program_id != pilot.program_id:
        raise ApplicationError(
            "PREFERENCE_PILOT_MISMATCH",
            "学生不属于该试点项目的学校或专业",
            "the student is not in the pilot's school and program",
        )
    companies = set(pilot.companies.values_list("id", flat=True))
    outside = [p.pk for p in posts if p.company_id not in companies]
    if outside:
        raise ApplicationError(
            POST_NOT_IN_PILOT_CODE,
            "岗位所属企业不在该试点项目中",
            "the post's company is not in the pilot",
            details={"posts": outside},
        )
    StudentPreference.objects.filter(student=student).delete()
    rows = StudentPreference.objects.bulk_create(
        StudentPreference(student=student, pilot=pilot, post=post, rank=rank)
        for rank, post in enumerate(posts, start=1)
    )
    audit_record(
        actor=actor, action="match_preferences.replace", obj=student, changes={"posts": [p.pk for p in posts]}
    )
    return rows


POST_NOT_IN_PILOT_CODE = "POST_NOT_IN_PILOT"


def _student_may_rank(
    *,
    actor: Any,
    student: Student,
    pilot: PilotProject,
    posts: Sequence[Post],
    today: datetime.date | None,
) -> None:
    if getattr(actor, "student_id", None) != student.pk:
        raise ApplicationError("NOT_FOUND", "未找到", "student not found", status=404)
    if today is None:
        raise ValueError("a student's ranking is checked against today's date")
    state = ranking_state(student=student, today=today)
    if not state.open or state.round is None:
        reason = state.reason or ROUND_CLOSED
        zh, en = CLOSED_MESSAGES[reason]
        raise ApplicationError(reason, zh, en, status=409)
    if state.round.pilot_id != pilot.pk:
        raise ApplicationError(
            "PREFERENCE_PILOT_MISMATCH",
            "该试点项目没有向您开放志愿填报",
            "the ranking open to you is another pilot's",
        )
    open_posts = {p.pk for p in ranking_posts(ranking=state.round, student=student)}
    outside = [p.pk for p in posts if p.pk not in open_posts]
    if outside:
        raise ApplicationError(
            "POST_NOT_OPEN",
            "所选岗位不在您可填报的范围内",
            "a chosen post is not open to you",
            details={"posts": outside},
        )


def student_preferences_set(
    *, actor: Any, student: Student, posts: Sequence[Post], today: datetime.date
) -> list[StudentPreference]:
    """A student's own ranked list through their school's open round (the portal's ranking page): only the posts
    open to them, no post twice, at most `max_preferences()`; nothing is written on a refusal."""
    state = ranking_state(student=student, today=today)
    if state.round is None:
        zh, en = CLOSED_MESSAGES[NO_ROUND]
        raise ApplicationError(NO_ROUND, zh, en, status=409)
    return preferences_replace(
        actor=actor, student=student, pilot=state.round.pilot, posts=posts, today=today
    )


@transaction.atomic
def ranking_round_set(
    *,
    actor: Any,
    pilot: PilotProject,
    closes_on: datetime.date,
    start_date: datetime.date,
) -> RankingRound:
    """Open (or move the deadline of) a pilot's ranking: its students rank until `closes_on` (inclusive, Beijing
    time) the posts open to them on `start_date`. A date in the past closes it."""
    if getattr(actor, "role", None) != Role.ADMIN and getattr(actor, "school_id", None) != pilot.school_id:
        raise ApplicationError(
            "PILOT_OTHER_SCHOOL", "试点项目不属于本校", "the pilot belongs to another school", status=403
        )
    if closes_on >= start_date:
        raise ApplicationError(
            "RANKING_DEADLINE_AFTER_START",
            "志愿填报截止日期须早于岗位开始日期",
            "the ranking must close before the placements start",
        )
    ranking, created = RankingRound.objects.update_or_create(
        pilot=pilot,
        defaults={
            "closes_on": closes_on,
            "start_date": start_date,
            "set_by": actor if getattr(actor, "pk", None) else None,
        },
    )
    audit_record(
        actor=actor,
        action="ranking_round.open" if created else "ranking_round.update",
        obj=ranking,
        changes={"closes_on": closes_on, "start_date": start_date},
    )
    return ranking


# --------------------------------------------------------------------------------------------------
# Runs


@transaction.atomic
def match_run_create(
    *,
    actor: Any,
    school_id: int,
    start_date: datetime.date,
    end_date: datetime.date,
    pilot: PilotProject | None = None,
    seed: int | None = None,
) -> MatchRun:
    """Record a run and queue it on the worker (after commit). The seed is drawn here when not given."""
    if pilot is not None and pilot.school_id != school_id:
        raise ApplicationError(
            "PILOT_OTHER_SCHOOL", "试点项目不属于本校", "the pilot belongs to another school"
        )
    if end_date <= start_date:
        raise ApplicationError("DATES", "结束日期须晚于开始日期", "the end date must be after the start date")
    busy = ApplicationError(
        "MATCH_RUN_BUSY",
        "本校已有匹配正在进行",
        "a match run of this school is already queued or running",
        status=409,
    )
    if MatchRun.objects.filter(school_id=school_id, status__in=OPEN_RUN_STATUSES).exists():
        raise busy
    try:
        with transaction.atomic():  # the partial unique constraint decides a race between two requests
            run = MatchRun.objects.create(
                school_id=school_id,
                pilot=pilot,
                seed=seed if seed is not None else secrets.randbits(62),
                start_date=start_date,
                end_date=end_date,
                created_by=actor if getattr(actor, "pk", None) else None,
                progress_total=len(PHASES),
            )
    except IntegrityError as exc:
        raise busy from exc
    audit_record(
        actor=actor, action="match_run.create", obj=run, changes={"seed": run.seed, "pilot": run.pilot_id}
    )
    enqueue_on_commit("matching.run", run.pk)
    return run


def run_pilot_ids(run: MatchRun) -> list[int]:
    if run.pilot_id:
        return [run.pilot_id]
    return list(PilotProject.objects.filter(school_id=run.school_id).values_list("id", flat=True))


def _progress(run: MatchRun, phase: str) -> None:
    run.phase = phase
    run.progress_done = PHASES.index(phase)
    MatchRun.objects.filter(pk=run.pk).update(
        phase=phase, progress_done=run.progress_done, heartbeat_at=timezone.now()
    )


OPEN_RUN_STATUSES = (MatchRunStatus.QUEUED, MatchRunStatus.RUNNING)
# The run task's hard time limit is 30 minutes (worker/tasks/matching.py): a run whose heartbeat is older than
# this has lost its worker. A queued run not started after QUEUED_RUN_RESEND lost its message: it is sent again.
RUNNING_RUN_DEADLINE = datetime.timedelta(minutes=35)
QUEUED_RUN_RESEND = datetime.timedelta(minutes=10)


def match_run_sweep(*, now: datetime.datetime) -> dict[str, int]:
    """Fail runs whose worker died (running, heartbeat past RUNNING_RUN_DEADLINE), so the school can start a new
    one; re-send runs still queued after QUEUED_RUN_RESEND (a lost message). Returns the counts."""
    with transaction.atomic():
        dead = list(
            MatchRun.objects.select_for_update(skip_locked=True)
            .filter(status=MatchRunStatus.RUNNING)
            .filter(
                Q(heartbeat_at__lt=now - RUNNING_RUN_DEADLINE)
                | Q(heartbeat_at__isnull=True, started_at__lt=now - RUNNING_RUN_DEADLINE)
            )
        )
        for run in dead:
            run.status = MatchRunStatus.FAILED
            run.finished_at = now
            run.error = {
                "code": "WORKER_LOST",
                "message": "匹配进程意外中断，可重新发起匹配。",
                "message_en": "The matching worker died; start a new run.",
            }
            run.save(update_fields=["status", "finished_at", "error", "updated_at"])
            audit_record(
                actor=None, action="match_run.worker_lost", obj=run, changes={"heartbeat": run.heartbeat_at}
            )
        lost = list(
            MatchRun.objects.select_for_update(skip_locked=True).filter(
                status=MatchRunStatus.QUEUED, updated_at__lt=now - QUEUED_RUN_RESEND
            )
        )
        for run in lost:
            MatchRun.objects.filter(pk=run.pk).update(updated_at=now)
            enqueue_on_commit("matching.run", run.pk)
    return {"failed": len(dead), "resent": len(lost)}


def match_run_execute(*, run_id: int) -> MatchRun:
    """Load the market, match, explain, and replace the scope's unaccepted proposals with the new ones.

    Idempotent: a run that is already done is left alone; students with an accepted proposal (a live
    placement) are not matched again and their seats are already taken."""
    with transaction.atomic():
        run = MatchRun.objects.select_for_update().get(pk=run_id)
        if run.status in (MatchRunStatus.DONE, MatchRunStatus.FAILED):
            return run  # finished, or failed by the sweep after its worker died (a new run may be under way)
        run.status = MatchRunStatus.RUNNING
        run.started_at = run.heartbeat_at = timezone.now()
        run.progress_total = len(PHASES)
        run.save(update_fields=["status", "started_at", "heartbeat_at", "progress_total", "updated_at"])
    try:
        _progress(run, "load")
        market = load_market(pilot_ids=run_pilot_ids(run), as_of=run.start_date)
        _progress(run, "match")
        result = engine.match(market.instance, seed=run.seed)
        _progress(run, "explain")
        explanations = engine.explain(market.instance, result.assignment, seed=run.seed)
        statistics = engine.statistics(explanations, labels=market.labels)
        statistics["proposals_made"] = result.proposals
        report = engine.audit(market.instance, result.assignment, seed=run.seed)
        mentors = assign_mentors(market, result.assignment)
        _progress(run, "write")
        rows = proposal_rows(run, market, result, explanations, mentors)
        with transaction.atomic():
            # Re-running replaces only what was not accepted: earlier unaccepted proposals in this scope.
            stale = Proposal.objects.filter(run__school_id=run.school_id, status=ProposalStatus.PROPOSED)
            if run.pilot_id:
                program_id = PilotProject.objects.values_list("program_id", flat=True).get(pk=run.pilot_id)
                stale = stale.filter(student__cohort__program_id=program_id)
            stale.exclude(run=run).delete()
            write_proposals(rows)
            run.status = MatchRunStatus.DONE
            run.statistics = statistics
            run.audit = audit_summary(market, report)
            run.progress_done = len(PHASES)
            run.phase = "done"
            run.finished_at = timezone.now()
            run.save()
            audit_record(
                actor=run.created_by,
                action="match_run.done",
                obj=run,
                changes={"matched": statistics["matched"], "unmatched": statistics["unmatched"]},
            )
    except Exception as exc:
        MatchRun.objects.filter(pk=run.pk).update(
            status=MatchRunStatus.FAILED,
            finished_at=timezone.now(),
            error={"type": type(exc).__name__, "message": str(exc)[:500]},
        )
        raise
    return run


# A stored refusal is a list, in this order (compact: a province run stores a million of them).
REFUSAL_FIELDS = (
    "choice",
    "post",
    "reason",
    "rule",
    "capacity",
    "held",
    "priority",
    "last_admitted_priority",
)


def _explanation_json(market: Market, ex: engine.Explanation) -> dict[str, Any]:
    """What is stored: codes and figures only; `explanation_render` adds field names, scores and messages."""
    post_ids = market.post_ids
    out: dict[str, Any] = {
        "post": post_ids[ex.post] if ex.post != -1 else None,
        "choice": ex.choice + 1 if ex.choice >= 0 else None,
        "higher": [
            [
                h.choice + 1,
                post_ids[h.post],
                h.reason,
                h.rule,
                h.capacity,
                h.held,
                h.student_priority,
                h.last_admitted_priority,
            ]
            for h in ex.higher
        ],
    }
    if ex.unmatched_reason:
        out["unmatched"] = ex.unmatched_reason
    return out


def explanation_render(stored: dict[str, Any]) -> dict[str, Any]:
    """The stored explanation with messages in Chinese and English for each refusal and the outcome."""
    if not stored:
        return {}
    out = dict(stored)
    higher = []
    for values in stored.get("higher", []):
        item = dict(zip(REFUSAL_FIELDS, values, strict=True))
        priority = item.pop("priority")
        last = item.pop("last_admitted_priority")
        item["score"] = describe_priority(priority) if priority is not None else None
        item["last_admitted"] = describe_priority(last) if last is not None else None
        zh, en = engine.message_for(item["reason"], item.get("rule"))
        if item.get("rule") in RULE_MESSAGES:
            rule_zh, rule_en = RULE_MESSAGES[item["rule"]]
            zh, en = f"{zh}（{rule_zh}）", f"{en} ({rule_en})"
        higher.append({**item, "message": zh, "message_en": en})
    out["higher"] = higher
    if stored.get("unmatched"):
        zh, en = engine.message_for(stored["unmatched"])
        out["message"], out["message_en"] = f"未匹配：{zh}", f"unmatched: {en}"
    elif stored.get("choice"):
        out["message"], out["message_en"] = (
            f"第{stored['choice']}志愿录取",
            f"matched to choice {stored['choice']}",
        )
    elif stored.get("post"):
        out["message"], out["message_en"] = "人工安排（非所填志愿）", "placed by hand (not a listed choice)"
    return out


def proposal_rows(
    run: MatchRun,
    market: Market,
    result: engine.MatchResult,
    explanations: Sequence[engine.Explanation],
    mentors: Sequence[int | None],
) -> list[tuple]:
    rows = []
    for s, sid in enumerate(market.student_ids):
        p = result.assignment[s]
        k = result.choice[s]
        pilot: int | None
        if p != -1:
            pilot = market.pref_pilot[s][k]
        else:
            pilots = market.student_pilots.get(sid)
            pilot = pilots[0] if pilots else None
        rows.append(
            (
                run.pk,
                sid,
                pilot,
                market.post_ids[p] if p != -1 else None,
                mentors[s],
                k + 1 if k != -1 else None,
                _explanation_json(market, explanations[s]),
            )
        )
    return rows


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_COLUMNS = ("run_id", "student_id", "pilot_id", "post_id", "mentor_id", "choice", "explanation")


def write_proposals(rows: Sequence[tuple]) -> None:
    """Insert proposal rows: COPY on PostgreSQL (about 10x bulk_create at 100k rows), bulk_create elsewhere."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        columns = ", ".join(("created_at", "updated_at", "status", "manual", *_COLUMNS))
        table = Proposal._meta.db_table
        head = f"{now.isoformat()}\t{now.isoformat()}\t{ProposalStatus.PROPOSED.value}\tf\t"
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for start in range(0, len(rows), 5000):
                lines = []
                for row in rows[start : start + 5000]:
                    fields = ["\\N" if v is None else str(v) for v in row[:-1]]
                    # COPY text format: backslash is the escape character; JSON has no raw tabs or newlines
                    fields.append(_dumps(row[-1]).replace("\\", "\\\\"))
                    lines.append(head + "\t".join(fields))
                copy.write("\n".join(lines) + "\n")
        return
    Proposal.objects.bulk_create(
        (Proposal(**dict(zip(_COLUMNS, row, strict=True))) for row in rows), batch_size=2000
    )


def audit_summary(market: Market, report: engine.AuditReport) -> dict[str, Any]:
    def node(n: int | None) -> dict[str, Any] | None:
        if n is None:
            return None
        kind = market.instance.node_kind(n)
        if n < market.instance.n_posts:
            return {"kind": kind, "post": market.post_ids[n]}
        return {"kind": kind, "group": n - market.instance.n_posts}

    return {
        "ok": report.ok,
        "blocking_pairs": [
            {
                "student": market.student_ids[b.student],
                "post": market.post_ids[b.post],
                "choice": b.choice + 1,
                "displaces": market.student_ids[b.displaced] if b.displaced is not None else None,
                "binding": node(b.node),
            }
            for b in report.blocking_pairs
        ],
        "over_capacity": [
            {**(node(o.node) or {}), "count": o.count, "capacity": o.capacity} for o in report.over_capacity
        ],
        "ineligible": [
            {"student": market.student_ids[s], "post": market.post_ids[p], "rule": rule}
            for s, p, rule in report.ineligible
        ],
        "unranked": [
            {"student": market.student_ids[s], "post": market.post_ids[p]} for s, p in report.unranked
        ],
    }


# --------------------------------------------------------------------------------------------------
# Review: audit, manual adjustment, acceptance


def _run_market(run: MatchRun) -> Market:
    """The run's market as it stands now, over the run's students, not counting the run's own placements."""
    rows = list(Proposal.objects.filter(run=run).values_list("student_id", "placement_id"))
    return load_market(
        pilot_ids=run_pilot_ids(run),
        as_of=run.start_date,
        student_ids=[sid for sid, _ in rows],
        ignore_placements=[pid for _, pid in rows if pid],
    )


def _assignment(market: Market, pairs: Sequence[tuple[int, int | None]]) -> list[int]:
    assignment = [-1] * len(market.student_ids)
    for student_id, post_id in pairs:
        if post_id is not None and student_id in market.student_index and post_id in market.post_index:
            assignment[market.student_index[student_id]] = market.post_index[post_id]
    return assignment


def _extra_priority(market: Market, assignment: Sequence[int]) -> dict[tuple[int, int], int]:
    """Company priority of placements on posts the student did not list (manual changes)."""
    extra = {}
    for s, p in enumerate(assignment):
        if p != -1 and p not in market.instance.prefs[s]:
            extra[(s, p)] = market.priority_for(s, p)
    return extra


def run_audit(*, run: MatchRun, accepted_only: bool = False) -> dict[str, Any]:
    """Blocking pairs, caps exceeded and ineligible pairs in the run's current (or accepted) set."""
    market = _run_market(run)
    qs = Proposal.objects.filter(run=run)
    if accepted_only:
        qs = qs.filter(status=ProposalStatus.ACCEPTED)
    assignment = _assignment(market, list(qs.values_list("student_id", "post_id")))
    report = engine.audit(
        market.instance, assignment, seed=run.seed, extra_priority=_extra_priority(market, assignment)
    )
    summary = audit_summary(market, report)
    summary["set"] = "accepted" if accepted_only else "current"
    return summary


@transaction.atomic
def proposal_adjust(
    *, actor: Any, proposal: Proposal, post: Post | None, mentor: Mentor | None = None
) -> Proposal:
    """Move a proposed student by hand to another post (or to none). Refused when a gate forbids the pair or
    a cap would be exceeded; blocking pairs it creates are reported in the explanation, not refused."""
    proposal = Proposal.objects.select_for_update(of=("self",)).select_related("run").get(pk=proposal.pk)
    run = proposal.run
    if proposal.status != ProposalStatus.PROPOSED:
        raise ApplicationError(
            "PROPOSAL_ACCEPTED",
            "已确认的匹配结果不能调整",
            "an accepted proposal cannot be adjusted",
            status=409,
        )
    market = _run_market(run)
    s = market.student_index.get(proposal.student_id)
    if s is None:
        raise ApplicationError(
            "STUDENT_PLACED", "该学生已有岗位安排", "the student already has a placement", status=409
        )
    pilots = market.student_pilots.get(proposal.student_id, [])
    pilot_id = proposal.pilot_id
    if post is not None:
        if post.pk not in market.post_index:
            raise ApplicationError(
                "POST_NOT_IN_PILOT", "岗位所属企业不在该试点项目中", "the post's company is not in the pilot"
            )
        pilot_id = next(
            (pid for pid in pilots if post.company_id in market.pilot_companies.get(pid, ())), None
        )
        rule = market.ineligibility(proposal.student_id, post.pk, pilot_id)
        if rule:
            zh, en = RULE_MESSAGES.get(rule, (rule, rule))
            raise ApplicationError(rule, f"不符合条件：{zh}", f"not eligible: {en}", details={"rule": rule})
    pairs: list[tuple[int, int | None]] = [
        (sid, pid)
        for sid, pid in Proposal.objects.filter(run=run)
        .exclude(pk=proposal.pk)
        .values_list("student_id", "post_id")
    ]
    pairs.append((proposal.student_id, post.pk if post else None))
    assignment = _assignment(market, pairs)
    report = engine.audit(
        market.instance, assignment, seed=run.seed, extra_priority=_extra_priority(market, assignment)
    )
    if report.over_capacity:
        worst = report.over_capacity[0]
        zh, en = engine.message_for(worst.kind)
        raise ApplicationError(
            worst.kind,
            f"超出容量：{zh.split('，')[0]}",
            f"over capacity: {en.split(',')[0]}",
            details={"count": worst.count, "capacity": worst.capacity},
            status=409,
        )
    if post is not None and mentor is None:
        mentor_id = assign_mentors(market, assignment)[s]
        mentor = Mentor.objects.filter(pk=mentor_id).first() if mentor_id else None
    if mentor is not None and (post is None or mentor.company_id != post.company_id):
        raise ApplicationError(
            "MENTOR_OTHER_COMPANY", "师傅不属于该企业", "the mentor works for another company"
        )
    if post is not None:
        if pilot_id is None:
            raise ApplicationError(
                "POST_NOT_IN_PILOT",
                "岗位所属企业不在该学生的试点项目中",
                "the post is in none of the student's pilots",
            )
        # Every gate of the rules app, as for a placement proposed by hand (raises with its rule code)
        candidate = Placement(
            pilot_id=pilot_id,
            student_id=proposal.student_id,
            post=post,
            mentor=mentor,
            start_date=run.start_date,
            end_date=run.end_date,
        )
        candidate.monthly_pay = gates.pay_floor(post.monthly_wage, policy_for_placement(candidate))
        gate_report = placement_gates_check(placement=candidate, stage=gates.PROPOSE)
        if not gate_report.passed:
            raise gate_error(gate_report)
    old = {"post": proposal.post_id, "mentor": proposal.mentor_id}
    explanation = engine.explain(
        market.instance,
        assignment,
        seed=run.seed,
        extra_priority=_extra_priority(market, assignment),
        students=[s],
    )[0]
    proposal.post = post
    proposal.mentor = mentor
    proposal.pilot_id = pilot_id
    proposal.manual = True
    proposal.choice = (
        (market.instance.prefs[s].index(market.post_index[post.pk]) + 1)
        if (post is not None and market.post_index[post.pk] in market.instance.prefs[s])
        else None
    )
    proposal.explanation = {
        **_explanation_json(market, explanation),
        "manual": {"by": getattr(actor, "pk", None), "at": timezone.now().isoformat()},
        "blocking_pairs_after": len(report.blocking_pairs),
    }
    proposal.save()
    audit_record(
        actor=actor,
        action="match_proposal.adjust",
        obj=proposal,
        changes={"from": old, "to": {"post": proposal.post_id, "mentor": proposal.mentor_id}},
    )
    return proposal


@transaction.atomic
def proposals_accept(
    *, actor: Any, run: MatchRun, proposal_ids: Sequence[int] | None = None
) -> list[Proposal]:
    """Turn proposals into placements in status "proposed" (through the placements service, which runs every
    registered gate), then check that the accepted set keeps every cap with what is placed today."""
    if run.status != MatchRunStatus.DONE:
        raise ApplicationError("MATCH_RUN_NOT_DONE", "匹配尚未完成", "the run has not finished", status=409)
    qs = (
        Proposal.objects.select_for_update(of=("self",))
        .filter(run=run, status=ProposalStatus.PROPOSED, post__isnull=False)
        .select_related("post", "student", "pilot", "mentor")
    )
    if proposal_ids is not None:
        qs = qs.filter(pk__in=list(proposal_ids))
    accepted = []
    policy = PolicyBook().policy(pilot_id=run.pilot_id, on=run.start_date)
    for proposal in qs.order_by("pk"):
        assert proposal.pilot is not None and proposal.post is not None  # a matched proposal has both
        student_unplaced_check(proposal.student, proposal=proposal.pk)
        placement = placement_create(
            actor=actor,
            pilot=proposal.pilot,
            student=proposal.student,
            post=proposal.post,
            mentor=proposal.mentor,
            start_date=run.start_date,
            end_date=run.end_date,
            monthly_pay=gates.pay_floor(proposal.post.monthly_wage, policy),
        )
        proposal.status = ProposalStatus.ACCEPTED
        proposal.placement = placement
        proposal.save(update_fields=["status", "placement", "updated_at"])
        audit_record(
            actor=actor, action="match_proposal.accept", obj=proposal, changes={"placement": placement.pk}
        )
        accepted.append(proposal)
    summary = run_audit(run=run, accepted_only=True)
    if summary["over_capacity"] or summary["ineligible"]:
        raise ApplicationError(
            "ACCEPT_BREAKS_LIMITS",
            "确认后将超出容量或包含不符合条件的安排，已全部撤回",
            "accepting would exceed a cap or keep an ineligible pair; nothing was accepted",
            details={"over_capacity": summary["over_capacity"], "ineligible": summary["ineligible"]},
            status=409,
        )
    return accepted


def applicant_score_create(*, actor: Any, data: dict[str, Any]) -> ApplicantScore:
    """A company's score of an applicant, for one of the company's own posts or (post empty) for all of them."""
    post_of_company_or_raise(company=data.get("company"), post=data.get("post"))
    return model_create(model=ApplicantScore, actor=actor, data=data)


def applicant_score_update(*, actor: Any, score: ApplicantScore, data: dict[str, Any]) -> ApplicantScore:
    """Change a score; the post (new or kept) must still belong to the score's (new or kept) company."""
    company = data.get("company", score.company)
    post = data.get("post", score.post)
    post_of_company_or_raise(company=company, post=post)
    return model_update(instance=score, actor=actor, data=data)


def coordinator_school(user: Any) -> int:
    if user.role == Role.COORDINATOR:
        return int(user.school_id)
    raise ApplicationError(
        "FORBIDDEN", "仅学校联络人可运行匹配", "only a school coordinator runs matching", status=403
    )


__all__ = [
    "PlacementStatus",
    "match_run_create",
    "match_run_execute",
    "match_run_sweep",
    "preferences_replace",
    "proposal_adjust",
    "ranking_round_set",
    "student_preferences_set",
    "proposals_accept",
    "run_audit",
]
