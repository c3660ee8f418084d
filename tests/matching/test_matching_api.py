"""Matching over HTTP: a coordinator runs and reviews their school's matching; nobody else sees it."""

from __future__ import annotations

import datetime

import pytest

from backend.core.clock import local_today
from backend.matching import services
from backend.matching.models import MatchRun, Proposal
from tests.conftest import wait_for
from tests.factories.accounts import StudentUserFactory
from tests.factories.matching import RankingRoundFactory
from tests.matching.world import END, START, make_world, prefer

pytestmark = pytest.mark.django_db


def executed_run(world, seed: int = 3) -> MatchRun:
    run = MatchRun.objects.create(school=world.school, seed=seed, start_date=START, end_date=END)
    return services.match_run_execute(run_id=run.pk)


def test_coordinator_reads_run_proposals_and_audit(api_client_for):
    # given
    world = make_world(n_students=2)
    for s in world.students:
        prefer(world, s, world.posts[0])
    run = executed_run(world)
    client = api_client_for(world.coordinator)

    # when
    detail = client.get(f"/api/v1/match-runs/{run.pk}/")
    proposals = client.get("/api/v1/match-proposals/", {"run": run.pk})
    audit = client.get(f"/api/v1/match-runs/{run.pk}/audit/", {"set": "current"})

    # then
    assert detail.status_code == 200 and detail.json()["status"] == "done"
    assert detail.json()["statistics"]["matched"] == 2
    assert proposals.json()["count"] == 2
    assert audit.status_code == 200 and audit.json()["ok"] is True and audit.json()["set"] == "current"


def test_other_school_sees_nothing_and_cannot_act(api_client_for):
    # given school A's run, and a coordinator of school B
    world = make_world(n_students=1)
    prefer(world, world.students[0], world.posts[0])
    run = executed_run(world)
    proposal = Proposal.objects.get(run=run)
    other = make_world(n_students=1)
    client = api_client_for(other.coordinator)

    # when / then: lists are empty and direct access is 404
    assert client.get("/api/v1/match-runs/").json()["count"] == 0
    assert client.get("/api/v1/match-proposals/").json()["count"] == 0
    assert client.get("/api/v1/match-preferences/").json()["count"] == 0
    assert client.get(f"/api/v1/match-runs/{run.pk}/").status_code == 404
    assert client.get(f"/api/v1/match-runs/{run.pk}/audit/").status_code == 404
    assert client.post(f"/api/v1/match-runs/{run.pk}/accept/", {}, format="json").status_code == 404
    adjust = client.post(
        f"/api/v1/match-proposals/{proposal.pk}/adjust/", {"post": other.posts[0].pk}, format="json"
    )
    assert adjust.status_code == 404
    # and B cannot start a run on A's pilot
    created = client.post(
        "/api/v1/match-runs/",
        {"pilot": world.pilot.pk, "start_date": "2026-09-01", "end_date": "2027-01-31"},
        format="json",
    )
    assert created.status_code == 400
    assert MatchRun.objects.count() == 1


def test_hr_sees_only_proposals_on_its_posts_and_students_see_their_own(api_client_for):
    # given two schools matched onto two different companies
    a = make_world(n_students=1)
    b = make_world(n_students=1)
    for w in (a, b):
        prefer(w, w.students[0], w.posts[0])
        executed_run(w)
    student_user = StudentUserFactory(student=a.students[0])

    # when
    hr_rows = api_client_for(a.hr).get("/api/v1/match-proposals/").json()["results"]
    student_rows = api_client_for(student_user).get("/api/v1/match-proposals/").json()["results"]

    # then
    assert [r["student"] for r in hr_rows] == [a.students[0].pk]
    assert [r["student"] for r in student_rows] == [a.students[0].pk]
    assert api_client_for(a.hr).get("/api/v1/match-runs/").json()["count"] == 0


def test_student_replaces_own_preferences_within_the_limit(api_client_for, settings):
    # given
    settings.XUETU_MATCHING_MAX_PREFERENCES = 1
    world = make_world(n_students=2)
    me, classmate = world.students
    today = local_today()
    RankingRoundFactory(
        pilot=world.pilot, closes_on=today, start_date=today + datetime.timedelta(days=30)
    )  # the school opened the ranking
    client = api_client_for(StudentUserFactory(student=me))

    # when
    ok = client.post(
        "/api/v1/match-preferences/replace/",
        {"student": me.pk, "pilot": world.pilot.pk, "posts": [world.posts[1].pk]},
        format="json",
    )
    too_many = client.post(
        "/api/v1/match-preferences/replace/",
        {"student": me.pk, "pilot": world.pilot.pk, "posts": [p.pk for p in world.posts]},
        format="json",
    )
    someone_else = client.post(
        "/api/v1/match-preferences/replace/",
        {"student": classmate.pk, "pilot": world.pilot.pk, "posts": [world.posts[0].pk]},
        format="json",
    )

    # then
    assert ok.status_code == 200 and [r["post"] for r in ok.json()] == [world.posts[1].pk]
    assert too_many.status_code == 400 and too_many.json()["error"]["code"] == "TOO_MANY_PREFERENCES"
    assert someone_else.status_code in (400, 404)
    assert list(me.match_preferences.values_list("post_id", flat=True)) == [world.posts[1].pk]
    assert not classmate.match_preferences.exists()


def test_adjust_refusal_names_the_rule(api_client_for):
    # given a 17-year-old matched to post 0, and a post with work forbidden to minors
    world = make_world(n_students=1, ages=(17,))
    from tests.factories.companies import MentorFactory, PostFactory

    cold = PostFactory(company=world.company, hazard_tags=["low_temperature"])
    MentorFactory(company=world.company, post=cold)
    prefer(world, world.students[0], world.posts[0])
    run = executed_run(world)
    proposal = Proposal.objects.get(run=run)

    # when
    response = api_client_for(world.coordinator).post(
        f"/api/v1/match-proposals/{proposal.pk}/adjust/", {"post": cold.pk}, format="json"
    )

    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MINOR_FORBIDDEN_WORK"
    assert response.json()["error"]["message_en"].startswith("not eligible")


@pytest.mark.worker
def test_a_run_created_over_the_api_is_matched_by_a_real_worker(celery_worker, api_client_for):
    # given
    world = make_world(n_students=3, post_capacities=(1, 1))
    for s in world.students:
        prefer(world, s, *world.posts)
    client = api_client_for(world.coordinator)

    # when
    created = client.post(
        "/api/v1/match-runs/",
        {"start_date": "2026-09-01", "end_date": "2027-01-31", "seed": 42},
        format="json",
    )

    # then the worker picks it up, reports progress and writes the proposals
    assert created.status_code == 201, created.json()
    run_id = created.json()["id"]
    done = wait_for(
        lambda: (
            (r := client.get(f"/api/v1/match-runs/{run_id}/").json())["status"] in ("done", "failed") and r
        ),
        timeout=90,
    )
    assert done["status"] == "done", done["error"]
    assert done["progress_done"] == done["progress_total"] == 4 and done["seed"] == 42
    assert done["statistics"]["matched"] == 2 and done["statistics"]["unmatched"] == 1
    assert Proposal.objects.filter(run_id=run_id).count() == 3
    assert "matching.run" in celery_worker.log


def test_a_student_cannot_replace_their_list_once_the_ranking_closed(api_client_for):
    # given a round that closed yesterday, and a saved list
    world = make_world(n_students=1)
    me = world.students[0]
    today = local_today()
    RankingRoundFactory(
        pilot=world.pilot,
        closes_on=today - datetime.timedelta(days=1),
        start_date=today + datetime.timedelta(days=30),
    )
    prefer(world, me, world.posts[0])

    # when
    response = api_client_for(StudentUserFactory(student=me)).post(
        "/api/v1/match-preferences/replace/",
        {"student": me.pk, "pilot": world.pilot.pk, "posts": [world.posts[1].pk]},
        format="json",
    )

    # then
    assert response.status_code == 409 and response.json()["error"]["code"] == "RANKING_CLOSED"
    assert list(me.match_preferences.values_list("post_id", flat=True)) == [world.posts[0].pk]
