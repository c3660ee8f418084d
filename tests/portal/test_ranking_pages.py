"""The ranking pages (志愿填报): the student's page (order with buttons that work without script, save, closed),
the coordinator's deadline and who has ranked, isolation between schools, both languages; and /verify's reason
labels instead of raw codes."""

from __future__ import annotations

import datetime

import pytest

from backend.core.clock import local_today
from backend.matching.models import RankingRound, StudentPreference
from backend.signing.views import REASON_LABELS
from tests.factories.accounts import CoordinatorFactory, StudentUserFactory
from tests.factories.companies import MentorFactory, PostFactory
from tests.factories.matching import RankingRoundFactory
from tests.matching.world import make_world

pytestmark = pytest.mark.django_db


def open_round(world, **kwargs):
    today = local_today()
    return RankingRoundFactory(
        pilot=world.pilot,
        closes_on=kwargs.get("closes_on", today + datetime.timedelta(days=7)),
        start_date=today + datetime.timedelta(days=60),
    )


@pytest.fixture
def world():
    world = make_world(n_students=3, post_capacities=(1, 2))
    world.posts.append(PostFactory(company=world.company, capacity=3, staff_on_post=50, title="装配工"))
    MentorFactory(company=world.company, post=world.posts[2])
    world.extra["round"] = open_round(world)
    world.extra["user"] = StudentUserFactory(student=world.students[0])
    return world


def saved(student) -> list[int]:
    return list(
        StudentPreference.objects.filter(student=student).order_by("rank").values_list("post", flat=True)
    )


def test_the_student_finds_the_page_on_their_dashboard_and_ranks_with_buttons(client, world):
    # given
    a, b, c = world.posts
    client.force_login(world.extra["user"])
    home = client.get("/me/").content.decode()
    assert 'href="/me/ranking/"' in home

    # when: add A, B, C, move C up twice, move A down: the list is [C, B, A] before saving
    page = client.get("/me/ranking/")
    assert len(page.context["available"]) == 3 and not page.context["chosen"]
    draft: list[int] = []
    for op in (f"add:{a.pk}", f"add:{b.pk}", f"add:{c.pk}", f"up:{c.pk}", f"up:{c.pk}", f"down:{a.pk}"):
        page = client.post("/me/ranking/", {"post": draft, "op": op})
        draft = [f["post"].pk for f in page.context["chosen"]]
    unsaved = StudentPreference.objects.count()
    saved_page = client.post("/me/ranking/", {"post": draft, "op": "save"}, follow=True)

    # then
    assert draft == [c.pk, b.pk, a.pk] and unsaved == 0
    assert saved(world.students[0]) == [c.pk, b.pk, a.pk]
    assert "已保存 3 个志愿" in saved_page.content.decode()
    assert [f["post"].pk for f in saved_page.context["chosen"]] == [c.pk, b.pk, a.pk]


def test_the_page_shows_what_a_student_needs_to_choose(client, world):
    # given
    world.posts[2].hazard_tags = ["noise"]
    world.posts[2].save()
    client.force_login(world.extra["user"])

    # when
    text = client.get("/me/ranking/").content.decode()

    # then company, post, hours, pay floor, the hazard's label, capacity and the deadline
    post = world.posts[2]
    assert post.company.name in text and post.title in text
    assert "每天不超过 8 小时，每周不超过 40 小时" in text and "高噪声" in text and "noise" not in text
    assert world.extra["round"].closes_on.isoformat() in text


def test_another_school_s_posts_are_neither_shown_nor_accepted(client, world):
    # given another school with its own open round
    other = make_world(n_students=1)
    open_round(other)
    foreign = PostFactory(company=other.company, title="别校的岗位", capacity=2, staff_on_post=50)
    client.force_login(world.extra["user"])

    # when
    page = client.get("/me/ranking/").content.decode()
    forged = client.post("/me/ranking/", {"post": [world.posts[0].pk, foreign.pk], "op": "save"})
    added = client.post("/me/ranking/", {"op": f"add:{foreign.pk}"})

    # then
    assert "别校的岗位" not in page and other.company.name not in page
    assert forged.status_code == 400 and "所选岗位不在您可填报的范围内" in forged.content.decode()
    assert added.context["chosen"] == []
    assert StudentPreference.objects.count() == 0


def test_a_student_cannot_rank_for_a_classmate(client, world):
    # given the page has no student field: whatever is posted, the list is the signed-in student's own
    client.force_login(world.extra["user"])

    # when
    client.post("/me/ranking/", {"post": [world.posts[0].pk], "op": "save", "student": world.students[1].pk})

    # then
    assert saved(world.students[0]) == [world.posts[0].pk] and saved(world.students[1]) == []


def test_after_the_deadline_the_saved_ranking_is_shown_and_cannot_change(client, world):
    # given a saved list and a deadline that passed
    StudentPreference.objects.create(
        student=world.students[0], pilot=world.pilot, post=world.posts[1], rank=1
    )
    RankingRound.objects.filter(pk=world.extra["round"].pk).update(
        closes_on=local_today() - datetime.timedelta(days=1)
    )
    client.force_login(world.extra["user"])

    # when
    page = client.get("/me/ranking/").content.decode()
    home = client.get("/me/").content.decode()
    attempt = client.post("/me/ranking/", {"post": [world.posts[0].pk], "op": "save"})

    # then
    assert "志愿填报已截止" in page and 'data-testid="saved-ranking"' in page and "ranking-save" not in page
    assert "志愿填报已结束" in home and 'href="/me/ranking/"' in home
    assert attempt.status_code == 400 and saved(world.students[0]) == [world.posts[1].pk]


def test_without_a_round_the_dashboard_has_no_ranking_link(client, world):
    RankingRound.objects.all().delete()
    client.force_login(world.extra["user"])
    assert "/me/ranking/" not in client.get("/me/").content.decode()


def test_the_coordinator_sees_who_has_ranked_before_running_the_matching(client, world):
    # given one of the three students ranked
    StudentPreference.objects.create(
        student=world.students[1], pilot=world.pilot, post=world.posts[0], rank=1
    )
    client.force_login(world.coordinator)
    ranking = world.extra["round"]

    # when
    home = client.get("/school/matching/").content.decode()
    missing = client.get(f"/school/matching/rankings/{ranking.pk}/?ranked=missing")
    done = client.get(f"/school/matching/rankings/{ranking.pk}/?ranked=done")

    # then the counts link to the lists behind them
    assert (
        f'href="/school/matching/rankings/{ranking.pk}/?ranked=done" data-testid="ranked-count">1 / 3' in home
    )
    assert (
        f'href="/school/matching/rankings/{ranking.pk}/?ranked=missing" data-testid="not-ranked-count">2'
        in home
    )
    assert {s.pk for s in missing.context["students"]} == {world.students[0].pk, world.students[2].pk}
    # the deadline form's fields do not take the run form's names (start_date, end_date)
    assert home.count('name="start_date"') == 1 and 'name="round-start_date"' in home
    assert [s.pk for s in done.context["students"]] == [world.students[1].pk]


def test_the_coordinator_sets_the_deadline_and_nobody_else_can(client, world):
    # given
    closes = local_today() + datetime.timedelta(days=3)
    starts = local_today() + datetime.timedelta(days=90)
    form = {
        "round-pilot": world.pilot.pk,
        "round-closes_on": closes.isoformat(),
        "round-start_date": starts.isoformat(),
    }
    stranger = CoordinatorFactory()

    # when another school's coordinator tries, then the school's own
    client.force_login(stranger)
    refused = client.post("/school/matching/rankings/", form)
    unchanged = RankingRound.objects.get().closes_on
    other_list = client.get(f"/school/matching/rankings/{world.extra['round'].pk}/")
    client.force_login(world.coordinator)
    client.post("/school/matching/rankings/", form)

    # then
    assert refused.status_code == 302 and unchanged == world.extra["round"].closes_on
    assert other_list.status_code == 404
    assert RankingRound.objects.get().closes_on == closes and RankingRound.objects.count() == 1


def test_the_pages_are_for_their_own_role(client, world):
    client.force_login(world.coordinator)
    assert client.get("/me/ranking/").status_code == 403
    client.force_login(world.extra["user"])
    assert client.get(f"/school/matching/rankings/{world.extra['round'].pk}/").status_code == 403


def test_the_ranking_pages_in_english(client, world):
    # given
    client.cookies["django_language"] = "en"
    client.force_login(world.extra["user"])

    # when
    student = client.get("/me/ranking/").content.decode()
    home = client.get("/me/").content.decode()
    client.force_login(world.coordinator)
    coordinator = client.get("/school/matching/").content.decode()

    # then
    assert "My ranking (0/10)" in student and "Save ranking" in student and "Add to my ranking" in student
    assert "at most 8 hours a day and 40 hours a week" in student and "保存志愿" not in student
    assert "Rank posts" in home
    assert "Ranking of posts" in coordinator and "Set the deadline" in coordinator


# --- /verify: the verdict's reason as a label in both languages, not the code ------------------------------------


def test_verify_shows_the_reason_as_a_label_in_both_languages(client):
    # when a digest the platform never sealed is checked
    page = client.get("/verify", {"sha256": "0" * 64}).content.decode()

    # then
    assert "本平台无封存记录" in page and "no sealing record on this platform" in page
    assert "（NOT_ON_RECORD）" not in page and page.count("NOT_ON_RECORD") == 1  # only data-reason


def test_every_reason_the_verification_gives_has_a_label():
    from backend.signing.sealing import _EXTRA_MESSAGES
    from contracts.sealing.verify import MESSAGES

    assert set(MESSAGES) | set(_EXTRA_MESSAGES) <= set(REASON_LABELS)
