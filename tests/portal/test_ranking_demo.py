"""The demo's ranking: student1 finds the list they ranked before being placed (closed), coord1 sees the open round
with the second-years who have not ranked yet, and the times run forward (ranked, then proposed)."""

import pytest
from django.test import Client

from backend.accounts.models import User
from backend.matching.models import RankingRound, StudentPreference
from backend.placements.models import PlacementEvent, PlacementStatus
from tests.portal.test_journey import seed_demo

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_has_a_ranking_to_see_and_students_left_to_rank():
    # given
    seed_demo()
    student1 = User.objects.get(username="student1")
    placement = student1.student.placements.get()
    client = Client()
    client.force_login(student1)

    # when
    home = client.get("/me/").content.decode()
    page = client.get("/me/ranking/")
    client.force_login(User.objects.get(username="coord1"))
    matching = client.get("/school/matching/")

    # then student1 sees the ranking they saved before their placement, closed now that they are placed
    assert 'href="/me/ranking/"' in home
    assert [p.post_id for p in page.context["state"].saved][0] == placement.post_id
    assert not page.context["state"].open and "您已有岗位安排" in page.content.decode()
    proposed = PlacementEvent.objects.get(placement=placement, to_status=PlacementStatus.PROPOSED).at
    assert all(p.created_at < proposed for p in StudentPreference.objects.filter(student=student1.student))
    # and coord1's school has an open round in which some second-years have still to rank
    (row,) = [
        r for r in matching.context["rounds"] if r["round"].pilot.school_id == student1.student.school_id
    ]
    assert row["open"] and row["progress"].not_ranked > 0 and row["progress"].ranked > 0
    assert RankingRound.objects.count() == 2
