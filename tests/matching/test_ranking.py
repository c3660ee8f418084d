"""The students' ranking (志愿填报): a round the coordinator opens with a deadline, the posts open to each student,
`student_preferences_set` (valid, and every refusal with nothing written), who has ranked, and the matching on it."""

from __future__ import annotations

import datetime

import pytest

from backend.core.errors import ApplicationError
from backend.core.models import AuditEvent
from backend.matching import services
from backend.matching.models import MatchRun, MatchRunStatus, Proposal, RankingRound, StudentPreference
from backend.matching.selectors import ranking_posts, ranking_progress, ranking_state
from backend.placements.models import PlacementStatus
from tests.factories.accounts import CoordinatorFactory, StudentUserFactory
from tests.factories.companies import MentorFactory, PostFactory
from tests.factories.matching import TODAY, RankingRoundFactory
from tests.factories.placements import PlacementFactory
from tests.matching.world import END, START, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = make_world(n_students=3, post_capacities=(1, 2))
    world.posts.append(PostFactory(company=world.company, capacity=3, staff_on_post=50))
    world.mentors.append(MentorFactory(company=world.company, post=world.posts[2]))
    world.extra["round"] = RankingRoundFactory(pilot=world.pilot, start_date=START)
    world.extra["users"] = [StudentUserFactory(student=s) for s in world.students]
    return world


def rank(world, i, *posts, today=TODAY):
    return services.student_preferences_set(
        actor=world.extra["users"][i], student=world.students[i], posts=list(posts), today=today
    )


def saved(student) -> list[int]:
    return list(
        StudentPreference.objects.filter(student=student).order_by("rank").values_list("post", flat=True)
    )


def test_a_student_ranks_the_posts_open_to_them_in_order(world):
    # given
    a, b, c = world.posts

    # when
    rows = rank(world, 0, c, a, b)

    # then
    assert [(r.rank, r.post_id, r.pilot_id) for r in rows] == [
        (1, c.pk, world.pilot.pk),
        (2, a.pk, world.pilot.pk),
        (3, b.pk, world.pilot.pk),
    ]
    assert saved(world.students[0]) == [c.pk, a.pk, b.pk]
    assert AuditEvent.objects.filter(action="match_preferences.replace").count() == 1


def test_changing_the_order_replaces_the_list(world):
    # given
    a, b, c = world.posts
    rank(world, 0, a, b, c)

    # when
    rank(world, 0, b, a)

    # then
    assert saved(world.students[0]) == [b.pk, a.pk]
    assert StudentPreference.objects.count() == 2


def refused(world, i, *posts, today=TODAY) -> str:
    """The refusal's code, checking that nothing was written: the rows and the audit trail are as they were."""
    rows, events = StudentPreference.objects.count(), AuditEvent.objects.count()
    before = saved(world.students[i])
    with pytest.raises(ApplicationError) as caught:
        rank(world, i, *posts, today=today)
    assert StudentPreference.objects.count() == rows and AuditEvent.objects.count() == events
    assert saved(world.students[i]) == before
    return caught.value.code


def test_more_than_the_limit_is_refused(world, settings):
    # given a saved list, and a limit of two
    a, b, c = world.posts
    rank(world, 0, a)
    settings.XUETU_MATCHING_MAX_PREFERENCES = 2

    # when / then
    assert refused(world, 0, a, b, c) == "TOO_MANY_PREFERENCES"


def test_a_post_twice_is_refused(world):
    a, b, _c = world.posts
    assert refused(world, 0, a, b, a) == "DUPLICATE_PREFERENCE"


def test_a_post_of_another_school_s_pilot_is_refused(world):
    # given another school's world with its own round
    other = make_world(n_students=1)
    RankingRoundFactory(pilot=other.pilot, start_date=START)

    # when / then
    assert refused(world, 0, world.posts[0], other.posts[0]) == "POST_NOT_OPEN"


def test_a_post_forbidden_to_minors_is_not_open_to_a_minor(world):
    # given a 17-year-old and a post with lifting over 20 kg
    minor = make_world(n_students=1, ages=(17,))
    ranking = RankingRoundFactory(pilot=minor.pilot, start_date=START)
    heavy = PostFactory(company=minor.company, hazard_tags=["heavy_lifting"], capacity=2, staff_on_post=50)
    user = StudentUserFactory(student=minor.students[0])

    # when
    open_posts = ranking_posts(ranking=ranking, student=minor.students[0])
    with pytest.raises(ApplicationError) as caught:
        services.student_preferences_set(actor=user, student=minor.students[0], posts=[heavy], today=TODAY)

    # then
    assert heavy not in open_posts and set(minor.posts) <= set(open_posts)
    assert caught.value.code == "POST_NOT_OPEN" and StudentPreference.objects.count() == 0


def test_ranking_for_another_student_is_refused(world):
    # given
    rows = StudentPreference.objects.count()

    # when
    with pytest.raises(ApplicationError) as caught:
        services.student_preferences_set(
            actor=world.extra["users"][0], student=world.students[1], posts=[world.posts[0]], today=TODAY
        )

    # then
    assert caught.value.code == "NOT_FOUND" and StudentPreference.objects.count() == rows


def test_after_the_deadline_the_list_stays_as_saved(world):
    # given a list saved on the last day
    a, b, _c = world.posts
    deadline = world.extra["round"].closes_on
    rank(world, 0, a, b, today=deadline)

    # when / then
    assert refused(world, 0, b, a, today=deadline + datetime.timedelta(days=1)) == "RANKING_CLOSED"
    state = ranking_state(student=world.students[0], today=deadline + datetime.timedelta(days=1))
    assert not state.open and [p.post_id for p in state.saved] == [a.pk, b.pk]


def test_without_a_round_a_student_cannot_rank(world):
    RankingRound.objects.all().delete()
    assert refused(world, 0, world.posts[0]) == "RANKING_NOT_OPEN"


def test_a_placed_student_cannot_change_their_ranking(world):
    # given the student's proposal was accepted into a placement
    PlacementFactory(
        pilot=world.pilot, student=world.students[0], post=world.posts[2], status=PlacementStatus.PROPOSED
    )

    # when / then
    assert refused(world, 0, world.posts[0]) == "STUDENT_PLACED"


def test_while_a_run_is_running_the_lists_do_not_change(world):
    # given
    MatchRun.objects.create(
        school=world.school, seed=1, start_date=START, end_date=END, status=MatchRunStatus.RUNNING
    )

    # when / then
    assert refused(world, 0, world.posts[0]) == "MATCH_RUN_BUSY"


def test_first_years_are_not_in_the_round():
    # given a first-year on the round's start date
    first = make_world(n_students=1, entry_year=2026)
    ranking = RankingRoundFactory(pilot=first.pilot, start_date=START)
    user = StudentUserFactory(student=first.students[0])

    # when
    with pytest.raises(ApplicationError) as caught:
        services.student_preferences_set(
            actor=user, student=first.students[0], posts=[first.posts[0]], today=TODAY
        )

    # then
    assert caught.value.code == "RANKING_NOT_FOR_STUDENT" and StudentPreference.objects.count() == 0
    assert ranking_progress(ranking).students == 0


def test_the_coordinator_sees_who_has_ranked(world):
    # given one of three students ranked
    rank(world, 1, world.posts[0])

    # when
    progress = ranking_progress(world.extra["round"])

    # then
    assert (progress.students, progress.ranked, progress.not_ranked) == (3, 1, 2)


def test_the_coordinator_opens_and_moves_the_deadline():
    # given
    world = make_world(n_students=1)

    # when
    first = services.ranking_round_set(
        actor=world.coordinator, pilot=world.pilot, closes_on=TODAY, start_date=START
    )
    moved = services.ranking_round_set(
        actor=world.coordinator,
        pilot=world.pilot,
        closes_on=TODAY + datetime.timedelta(days=3),
        start_date=START,
    )

    # then
    assert first.pk == moved.pk and RankingRound.objects.get().closes_on == TODAY + datetime.timedelta(days=3)
    assert list(
        AuditEvent.objects.filter(object_type="matching.rankinground")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["ranking_round.open", "ranking_round.update"]


@pytest.mark.parametrize(
    ("whose", "closes_on", "code"),
    [
        ("other school", TODAY, "PILOT_OTHER_SCHOOL"),
        ("own", START, "RANKING_DEADLINE_AFTER_START"),
    ],
)
def test_a_round_is_refused_for_another_school_or_closing_after_the_start(whose, closes_on, code):
    # given
    world = make_world(n_students=1)
    actor = world.coordinator if whose == "own" else CoordinatorFactory()
    events = AuditEvent.objects.count()

    # when
    with pytest.raises(ApplicationError) as caught:
        services.ranking_round_set(actor=actor, pilot=world.pilot, closes_on=closes_on, start_date=START)

    # then
    assert caught.value.code == code
    assert RankingRound.objects.count() == 0 and AuditEvent.objects.count() == events


def test_the_matching_uses_the_saved_rankings(world):
    # given: post A has one seat; students 0 and 1 both put it first, student 2 ranks C then A
    a, b, c = world.posts
    rank(world, 0, a, b)
    rank(world, 1, a, c)
    rank(world, 2, c, a)

    # when
    run = MatchRun.objects.create(school=world.school, seed=7, start_date=START, end_date=END)
    services.match_run_execute(run_id=run.pk)

    # then every student is matched to a post of their own list, in the list's order
    proposals = {p.student_id: p for p in Proposal.objects.filter(run=run)}
    lists = {s.pk: saved(s) for s in world.students}
    for student_id, proposal in proposals.items():
        assert proposal.post_id == lists[student_id][proposal.choice - 1]
    assert proposals[world.students[2].pk].post_id == c.pk and proposals[world.students[2].pk].choice == 1
    on_a = [sid for sid, p in proposals.items() if p.post_id == a.pk]
    assert len(on_a) == 1 and on_a[0] in (world.students[0].pk, world.students[1].pk)
    other = ({world.students[0].pk, world.students[1].pk} - set(on_a)).pop()
    assert proposals[other].choice == 2
