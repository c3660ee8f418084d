"""Matching pages: start a run, the progress partial, proposals with explanations, adjust, accept, isolation."""

import pytest
from django.utils import translation

from backend.matching import engine, services
from backend.matching.models import MatchRun, Proposal, ProposalStatus
from backend.placements.models import Placement, PlacementStatus
from backend.portal.explanations import explanation_lines
from tests.factories.accounts import CoordinatorFactory
from tests.matching.world import END, START, make_world, prefer

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = make_world(n_students=3, post_capacities=(1, 5))
    a, b = world.posts
    for student in world.students:
        prefer(world, student, a, b)
    return world


def _run(world):
    run = MatchRun.objects.create(school=world.school, seed=7, start_date=START, end_date=END)
    return services.match_run_execute(run_id=run.pk)


def test_starting_a_run_queues_it_and_the_progress_partial_polls(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.coordinator)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            "/school/matching/", {"start_date": START.isoformat(), "end_date": END.isoformat(), "seed": "7"}
        )
    run = MatchRun.objects.get()
    assert response["Location"] == f"/school/matching/runs/{run.pk}/" and run.seed == 7
    poll = client.get(f"/school/matching/runs/{run.pk}/?poll=1", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in poll.content.decode() and "HX-Refresh" not in poll
    services.match_run_execute(run_id=run.pk)
    assert (
        client.get(f"/school/matching/runs/{run.pk}/?poll=1", HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
    )


def test_proposals_are_explained_adjusted_and_accepted(client, world):
    # given a finished run: one seat on post A, three students who all want it first
    run = _run(world)
    client.force_login(world.coordinator)
    page = client.get(f"/school/matching/runs/{run.pk}/")
    rows = page.context["rows"]
    assert len(rows) == 3
    second_choice = [r for r in rows if r["p"].choice == 2]
    assert second_choice and any("第 1 志愿" in line for line in second_choice[0]["why"])
    # when one student is taken off by hand and the rest are accepted
    moved = second_choice[0]["p"]
    client.post(f"/school/matching/proposals/{moved.pk}/adjust", {"post": ""})
    moved.refresh_from_db()
    assert moved.post_id is None and moved.manual
    response = client.post(f"/school/matching/runs/{run.pk}/accept", {"all": "1"})
    # then the others become proposed placements
    assert response.status_code == 302
    placements = Placement.objects.filter(pilot=world.pilot)
    assert placements.count() == 2 and set(placements.values_list("status", flat=True)) == {
        PlacementStatus.PROPOSED
    }
    assert Proposal.objects.filter(run=run, status=ProposalStatus.ACCEPTED).count() == 2


def test_accepting_only_the_ticked_proposals(client, world):
    run = _run(world)
    client.force_login(world.coordinator)
    first = Proposal.objects.filter(run=run, post__isnull=False).first()
    client.post(f"/school/matching/runs/{run.pk}/accept", {"proposal": [str(first.pk)]})
    assert list(Proposal.objects.filter(status=ProposalStatus.ACCEPTED)) == [first]


def test_another_schools_run_and_proposals_answer_404(client, world):
    run = _run(world)
    proposal = Proposal.objects.filter(run=run).first()
    client.force_login(CoordinatorFactory())
    assert client.get(f"/school/matching/runs/{run.pk}/").status_code == 404
    assert client.post(f"/school/matching/runs/{run.pk}/accept", {"all": "1"}).status_code == 404
    assert client.post(f"/school/matching/proposals/{proposal.pk}/adjust", {"post": ""}).status_code == 404
    assert not Placement.objects.exists()


# --------------------------------------------------------------------------------------------------
# The review page renders every kind of explanation the engine and the services write


@pytest.fixture
def varied_world():
    """Posts: A (1 seat), B (5 seats), H (a high-risk post nobody may take), C (1 seat).
    s0, s1 want A then B; s2 has no preferences; s3 wants only H; s4, s5 want only C."""
    world = make_world(n_students=6, post_capacities=(1, 5, 5, 1))
    a, b, h, c = world.posts
    h.hazard_tags = ["height"]
    h.save(update_fields=["hazard_tags"])
    s0, s1, s2, s3, s4, s5 = world.students
    prefer(world, s0, a, b)
    prefer(world, s1, a, b)
    prefer(world, s3, h)
    prefer(world, s4, c)
    prefer(world, s5, c)
    return world


def _why_by_student(page):
    return {row["p"].student_id: " | ".join(row["why"]) for row in page.context["rows"]}


def test_the_review_page_explains_every_kind_of_outcome(client, varied_world):
    # given a finished run over students matched, unmatched for each reason, and refused for each reason
    world = varied_world
    run = _run(world)
    s0, s1, s2, s3, s4, s5 = world.students
    client.force_login(world.coordinator)
    # when the coordinator opens the review page
    page = client.get(f"/school/matching/runs/{run.pk}/")
    # then it answers and each student's outcome has its own sentence
    assert page.status_code == 200
    why = _why_by_student(page)
    assert set(why) == {s.pk for s in world.students}
    first, second = sorted((why[s0.pk], why[s1.pk]), key=lambda w: "第2志愿录取" in w)
    assert first.startswith("第1志愿录取")
    assert second.startswith("第2志愿录取") and "第 1 志愿" in second and "岗位已满" in second
    assert why[s2.pk] == "未匹配：未填报志愿"
    assert why[s3.pk].startswith("未匹配：所填志愿均不符合条件")
    assert "不符合条件：高危岗位不得安排学生" in why[s3.pk] and "HAZARDOUS_POST" not in why[s3.pk]
    unmatched_c = [w for w in (why[s4.pk], why[s5.pk]) if w.startswith("未匹配")]
    assert len(unmatched_c) == 1 and unmatched_c[0].startswith("未匹配：所填符合条件的志愿均已被")
    html = page.content.decode()
    assert "未填报志愿" in html and "NO_PREFERENCES" not in html


def test_the_review_page_explains_changes_by_hand(client, varied_world):
    # given a run, one student taken off by hand and one unmatched student placed by hand on a post not listed
    world = varied_world
    run = _run(world)
    _a, b, _h, _c = world.posts
    s0, s1, s2, *_ = world.students
    client.force_login(world.coordinator)
    on_b = Proposal.objects.get(run=run, student__in=[s0, s1], post=b)
    no_prefs = Proposal.objects.get(run=run, student=s2)
    assert client.post(f"/school/matching/proposals/{on_b.pk}/adjust", {"post": ""}).status_code == 302
    assert (
        client.post(f"/school/matching/proposals/{no_prefs.pk}/adjust", {"post": str(b.pk)}).status_code
        == 302
    )
    # when the page is opened again
    page = client.get(f"/school/matching/runs/{run.pk}/")
    # then both changes are explained as changes by hand, with the time in local time
    assert page.status_code == 200
    why = _why_by_student(page)
    assert why[on_b.student_id].startswith("人工调整：不安排岗位")
    assert why[s2.pk].startswith("人工安排（非所填志愿）") and "人工调整（20" in why[s2.pk]


def test_the_review_page_explains_in_english(client, varied_world):
    world = varied_world
    run = _run(world)
    client.force_login(world.coordinator)
    client.cookies["django_language"] = "en"
    page = client.get(f"/school/matching/runs/{run.pk}/")
    assert page.status_code == 200
    why = _why_by_student(page)
    s2, s3 = world.students[2], world.students[3]
    assert why[s2.pk] == "unmatched: no preferences submitted"
    assert "not eligible: high-risk post: no student" in why[s3.pk] and "未" not in why[s3.pk]


@pytest.mark.parametrize("reason", sorted(engine.MESSAGES))
def test_every_refusal_and_unmatched_reason_renders_without_a_code(reason):
    # given a stored explanation with this reason as a refusal of the first choice, and as the unmatched reason
    rule = "FIRST_YEAR" if reason == engine.NOT_ELIGIBLE else None
    stored = {
        "post": None,
        "choice": None,
        "higher": [[1, 9, reason, rule, 1, 1, -8850, -9000]],
        "unmatched": reason,
    }
    # when it is rendered in Chinese and in English
    with translation.override("zh-hans"):
        zh = explanation_lines(stored, {9: "精工 · 钳工"})
    with translation.override("en"):
        en = explanation_lines(stored, {9: "精工 · 钳工"})
    # then each line reads as a sentence: no code, the post named, the scores given for a capacity refusal
    for line in zh + en:
        assert reason not in line and "FIRST_YEAR" not in line, line
    assert "精工 · 钳工" in zh[1] and zh[0].startswith("未匹配：")
    assert en[0].startswith("unmatched: ")
    assert "88.5" in zh[1] and "90" in zh[1]


def test_an_explanation_in_the_engines_own_shape_renders():
    stored = {
        "post": None,
        "choice": None,
        "higher": [
            {"choice": 1, "post": 9, "reason": engine.POST_FULL, "rule": None, "capacity": 1, "held": 1}
        ],
        "unmatched": {"reason": engine.ALL_CHOICES_FULL, "message": "…", "message_en": "…"},
    }
    with translation.override("zh-hans"):
        lines = explanation_lines(stored, {9: "钳工"})
    assert lines[0].startswith("未匹配：所填符合条件的志愿均已被") and "钳工" in lines[1]
    assert explanation_lines({}, {}) == [] and explanation_lines(None, {}) == []


def test_every_reason_and_rule_the_engine_knows_has_a_label():
    from backend.matching.eligibility import RULE_MESSAGES
    from backend.portal.explanations import REASONS, RULES

    # given the engine's messages and the portal's labels
    engine_zh = {code: zh for code, (zh, _en) in engine.MESSAGES.items()}
    # then the portal labels the same codes with the same Chinese
    assert set(REASONS) == set(engine.MESSAGES) and set(RULES) == set(RULE_MESSAGES)
    with translation.override("zh-hans"):
        assert all(str(REASONS[c]) == engine_zh[c] for c in REASONS if c != engine.NOT_ELIGIBLE)
        assert all(str(RULES[c]) == RULE_MESSAGES[c][0] for c in RULES)
