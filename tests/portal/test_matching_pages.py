"""Matching pages: start a run, the progress partial, proposals with explanations, adjust, accept, isolation."""

import pytest

from backend.matching import services
from backend.matching.models import MatchRun, Proposal, ProposalStatus
from backend.placements.models import Placement, PlacementStatus
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
