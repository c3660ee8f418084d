"""Matching against the database: runs, explanations, re-runs, manual changes, acceptance."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from backend.core.errors import ApplicationError
from backend.core.models import AuditEvent
from backend.matching import services
from backend.matching.models import ApplicantScore, MatchRun, Proposal, ProposalStatus, StudentScore
from backend.placements.models import Placement, PlacementStatus
from tests.factories.companies import MentorFactory, PostFactory
from tests.factories.placements import PlacementFactory
from tests.matching.world import END, START, make_world, prefer

pytestmark = pytest.mark.django_db


def run_now(world, *, seed: int = 7, pilot=None) -> MatchRun:
    run = MatchRun.objects.create(school=world.school, pilot=pilot, seed=seed, start_date=START, end_date=END)
    return services.match_run_execute(run_id=run.pk)


def test_a_run_proposes_by_company_score_and_explains_the_refusal():
    # given two students who both want post A (one seat), the company scored student 1 higher
    world = make_world(n_students=2, post_capacities=(1, 5))
    a, b = world.posts
    s0, s1 = world.students
    for s in (s0, s1):
        prefer(world, s, a, b)
    ApplicantScore.objects.create(company=world.company, post=a, student=s0, score=Decimal("70"))
    ApplicantScore.objects.create(company=world.company, post=a, student=s1, score=Decimal("90"))

    # when
    run = run_now(world)

    # then
    got = {p.student_id: p for p in Proposal.objects.filter(run=run)}
    assert got[s1.pk].post_id == a.pk and got[s1.pk].choice == 1
    assert got[s0.pk].post_id == b.pk and got[s0.pk].choice == 2
    assert got[s0.pk].mentor_id == world.mentors[1].pk
    refusal = services.explanation_render(got[s0.pk].explanation)["higher"][0]
    assert refusal["reason"] == "POST_FULL" and refusal["post"] == a.pk
    assert refusal["message_en"] == "post full with applicants the company ranked higher"
    assert refusal["score"] == {"by": "company", "score": "70"}
    assert refusal["last_admitted"] == {"by": "company", "score": "90"}
    assert services.explanation_render(got[s1.pk].explanation)["message_en"] == "matched to choice 1"
    assert run.status == "done" and run.progress_done == run.progress_total == 4
    assert run.audit["ok"] and run.audit["blocking_pairs"] == []
    assert run.statistics["by_choice"] == [
        {"choice": 1, "count": 1, "share": 0.5},
        {"choice": 2, "count": 1, "share": 0.5},
    ]
    assert list(run.statistics["by_school"]) == [world.school.name]
    assert list(run.statistics["by_program"]) == [world.pilot.program.name]


def test_minors_are_never_proposed_for_forbidden_work_and_caps_hold():
    # given a height post, a 17-year-old and an adult; the company (staff 20) may take 2 interns in all
    world = make_world(n_students=3, post_capacities=(5, 5), staff_count=20, ages=(17, 19, 19))
    lifting = PostFactory(company=world.company, capacity=5, staff_on_post=50, hazard_tags=["heavy_lifting"])
    MentorFactory(company=world.company, post=lifting)
    minor, adult, other = world.students
    prefer(world, minor, lifting, world.posts[0])
    prefer(world, adult, lifting)
    prefer(world, other, world.posts[0])
    StudentScore.objects.create(student=minor, score=Decimal("95"))
    StudentScore.objects.create(student=adult, score=Decimal("80"))
    StudentScore.objects.create(student=other, score=Decimal("60"))

    # when
    run = run_now(world)

    # then the minor is refused the lifting post by rule, and the company cap (2) decides the rest
    got = {p.student_id: p for p in Proposal.objects.filter(run=run)}
    assert (
        services.explanation_render(got[minor.pk].explanation)["higher"][0]["rule"] == "MINOR_FORBIDDEN_WORK"
    )
    rendered = services.explanation_render(got[minor.pk].explanation)
    assert rendered["higher"][0]["message_en"].startswith("not eligible: rule MINOR_FORBIDDEN_WORK")
    assert "未成年工禁忌作业岗位" in rendered["higher"][0]["message"]
    placed = [p for p in got.values() if p.post_id]
    assert len(placed) == 2
    assert got[other.pk].post_id is None
    assert services.explanation_render(got[other.pk].explanation)["higher"][0]["reason"] == "COMPANY_CAP"
    assert run.statistics["unmatched_reasons"] == {"ALL_CHOICES_FULL": 1}


def test_first_year_students_are_not_eligible():
    # given a cohort that entered this year
    world = make_world(n_students=1, entry_year=2026)
    prefer(world, world.students[0], world.posts[0])

    # when
    run = run_now(world)

    # then
    proposal = Proposal.objects.get(run=run)
    assert proposal.post_id is None
    assert proposal.explanation["unmatched"] == "NO_ELIGIBLE_CHOICE"
    assert services.explanation_render(proposal.explanation)["message_en"] == (
        "unmatched: not eligible for any listed post"
    )
    assert services.explanation_render(proposal.explanation)["higher"][0]["rule"] == "FIRST_YEAR"


def test_the_same_seed_reproduces_the_run():
    # given four students tied for two seats
    world = make_world(n_students=4, post_capacities=(1, 1))
    for s in world.students:
        prefer(world, s, *world.posts)

    # when
    first = run_now(world, seed=123)
    first_pairs = sorted(Proposal.objects.filter(run=first).values_list("student_id", "post_id"))
    second = run_now(world, seed=123)

    # then
    assert sorted(Proposal.objects.filter(run=second).values_list("student_id", "post_id")) == first_pairs


def test_accept_creates_proposed_placements_and_a_rerun_replaces_only_the_rest():
    # given a run with two matched students
    world = make_world(n_students=3, post_capacities=(1, 1))
    s0, s1, s2 = world.students
    for s in world.students:
        prefer(world, s, *world.posts)
    for s, score in zip(world.students, ("90", "80", "70"), strict=True):
        StudentScore.objects.create(student=s, score=Decimal(score))
    run = run_now(world)
    first = Proposal.objects.get(run=run, student=s0)

    # when the coordinator accepts one proposal
    services.proposals_accept(actor=world.coordinator, run=run, proposal_ids=[first.pk])

    # then it became a placement in status "proposed" at 80% of the post's wage
    first.refresh_from_db()
    placement = first.placement
    assert first.status == ProposalStatus.ACCEPTED
    assert placement.status == PlacementStatus.PROPOSED and placement.post_id == first.post_id
    assert placement.monthly_pay == Decimal("4000.00") and placement.mentor_id == first.mentor_id
    assert AuditEvent.objects.filter(action="match_proposal.accept", object_id=str(first.pk)).exists()

    # when the school runs again
    rerun = run_now(world, seed=99)

    # then the accepted proposal stays, the others are replaced, and its seat stays taken
    assert Proposal.objects.filter(run=run).count() == 1
    assert set(Proposal.objects.filter(run=rerun).values_list("student_id", flat=True)) == {s1.pk, s2.pk}
    matched = dict(Proposal.objects.filter(run=rerun).values_list("student_id", "post_id"))
    assert matched[s1.pk] is not None and matched[s1.pk] != first.post_id
    assert matched[s2.pk] is None


def test_manual_adjust_is_checked_against_gates_and_caps():
    # given a matched run: post A full with student 0, student 1 on post B
    world = make_world(n_students=2, post_capacities=(1, 1), ages=(17, 19))
    height = PostFactory(company=world.company, capacity=3, staff_on_post=50, hazard_tags=["low_temperature"])
    MentorFactory(company=world.company, post=height)
    a, b = world.posts
    prefer(world, world.students[0], a)
    prefer(world, world.students[1], b)
    run = run_now(world)
    minor = Proposal.objects.get(run=run, student=world.students[0])
    adult = Proposal.objects.get(run=run, student=world.students[1])

    # when moving the minor to cold work: refused by rule
    with pytest.raises(ApplicationError) as refused:
        services.proposal_adjust(actor=world.coordinator, proposal=minor, post=height)
    assert refused.value.code == "MINOR_FORBIDDEN_WORK"

    # when moving the adult onto the full post A: refused by capacity
    with pytest.raises(ApplicationError) as full:
        services.proposal_adjust(actor=world.coordinator, proposal=adult, post=a)
    assert full.value.code == "POST_FULL"
    adult.refresh_from_db()
    assert adult.post_id == b.pk and not adult.manual  # nothing written

    # when the adult is moved to the free cold-work post (fine for an adult)
    moved = services.proposal_adjust(actor=world.coordinator, proposal=adult, post=height)

    # then it is a manual change, audited, and the audit shows the blocking pair it created
    assert moved.manual and moved.post_id == height.pk and moved.choice is None
    assert moved.mentor is not None and moved.mentor.company_id == world.company.pk
    audit = services.run_audit(run=run)
    assert audit["blocking_pairs"] == [
        {"student": world.students[1].pk, "post": b.pk, "choice": 1, "displaces": None, "binding": None}
    ]
    assert (
        moved.explanation["blocking_pairs_after"] == 1
        and moved.explanation["manual"]["by"] == world.coordinator.pk
    )
    assert AuditEvent.objects.filter(action="match_proposal.adjust", object_id=str(moved.pk)).exists()


def test_accepting_beyond_a_cap_filled_meanwhile_writes_nothing():
    # given a run proposing post A's only seat, then someone placed on A by hand before acceptance
    world = make_world(n_students=1, post_capacities=(1,))
    prefer(world, world.students[0], world.posts[0])
    run = run_now(world)
    PlacementFactory(pilot=world.pilot, post=world.posts[0], mentor=world.mentors[0])

    # when
    with pytest.raises(ApplicationError) as refused:
        services.proposals_accept(actor=world.coordinator, run=run)

    # then
    assert refused.value.code == "ACCEPT_BREAKS_LIMITS"
    assert Placement.objects.filter(student=world.students[0]).count() == 0
    assert Proposal.objects.get(run=run).status == ProposalStatus.PROPOSED


def test_copy_writes_explanations_byte_for_byte():
    # given a row whose explanation holds a backslash, a tab-like sequence and Chinese text
    world = make_world(n_students=1)
    run = MatchRun.objects.create(school=world.school, seed=1, start_date=START, end_date=END)
    tricky = {"note": "C:\\path\\t 不符合条件", "higher": [[1, world.posts[0].pk, "POST_FULL", None]]}

    # when
    services.write_proposals([(run.pk, world.students[0].pk, world.pilot.pk, None, None, None, tricky)])

    # then
    stored = Proposal.objects.get(run=run)
    assert stored.explanation == tricky and stored.status == ProposalStatus.PROPOSED and not stored.manual


def test_manual_adjust_runs_the_rules_apps_gates():
    # given a student who already spent 11 months in a company, proposed nowhere by the run
    world = make_world(n_students=1, post_capacities=(1, 1))
    student = world.students[0]
    PlacementFactory(
        pilot=world.pilot,
        student=student,
        post=world.posts[1],
        mentor=world.mentors[1],
        status=PlacementStatus.COMPLETED,
        start_date=datetime.date(2025, 9, 1),
        end_date=datetime.date(2026, 8, 1),
    )
    run = run_now(world)
    proposal = Proposal.objects.get(run=run, student=student)

    # when the coordinator places them by hand for five more months
    with pytest.raises(ApplicationError) as refused:
        services.proposal_adjust(actor=world.coordinator, proposal=proposal, post=world.posts[0])

    # then the rules app's TOTAL_DURATION gate refuses it, and nothing is written
    assert refused.value.code == "TOTAL_DURATION"
    proposal.refresh_from_db()
    assert proposal.post_id is None and not proposal.manual
