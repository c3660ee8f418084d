"""The journals API: who writes, who reviews, who sees; photos only for those who may see the journal; the
teacher role's isolation (the matrix in tests/api covers the other roles)."""

import datetime as dt

import pytest
import time_machine

from backend.core.clock import RULES_ZONE
from backend.journals.models import JournalEntry, JournalRule, JournalStatus
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.attendance import TeacherFactory
from tests.factories.journals import JournalEntryFactory, TeacherVisitFactory

from .conftest import MONDAY, counts, image_upload, make_apprentice

pytestmark = pytest.mark.django_db

ON_TIME = dt.datetime(2026, 10, 18, 21, 0, tzinfo=RULES_ZONE)


def post_journal(client, apprentice, **extra):
    body = {
        "placement": apprentice.placement.pk,
        "kind": "weekly",
        "day": MONDAY.isoformat(),
        "tasks": ["设备点检", "工位整理"],
        "hours": "40",
        "learned": "学会了点检",
        **extra,
    }
    with time_machine.travel(ON_TIME, tick=False):
        return client.post("/api/v1/journals/", body, format="multipart")


def test_the_apprentice_writes_with_a_photo_and_only_the_parties_see_it(api_client_for, apprentice):
    # given
    other = make_apprentice()
    # when
    response = post_journal(api_client_for(apprentice.student), apprentice, photos=[image_upload()])
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert (
        body["tasks"] == ["设备点检", "工位整理"] and body["late"] is False and body["status"] == "submitted"
    )
    photo = body["photos"][0]["id"]
    url = f"/api/v1/journals/{body['id']}/photos/{photo}/"
    for user in (apprentice.student, apprentice.mentor, apprentice.teacher):
        got = api_client_for(user).get(url)
        assert got.status_code == 200 and got["Content-Type"] == "image/jpeg", user.role
        assert b"".join(got.streaming_content)[:3] == b"\xff\xd8\xff"
    for user in (
        other.student,
        other.mentor,
        other.teacher,
        TeacherFactory(school=apprentice.placement.pilot.school),
    ):
        client = api_client_for(user)
        assert client.get(url).status_code == 404, user.role
        assert client.get(f"/api/v1/journals/{body['id']}/").status_code == 404, user.role
        assert client.get("/api/v1/journals/").json()["results"] == [], user.role


def test_a_journal_for_another_apprentices_placement_is_not_found_and_nothing_is_written(
    api_client_for, apprentice
):
    other = make_apprentice()
    before = counts()
    response = post_journal(api_client_for(other.student), apprentice)
    assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"
    assert counts() == before


def test_a_refused_photo_answers_in_the_error_shape_with_nothing_written(api_client_for, apprentice):
    before = counts()
    response = post_journal(
        api_client_for(apprentice.student), apprentice, photos=[image_upload("x.gif", fmt="GIF")]
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "PHOTO_TYPE"
    assert counts() == before


def test_the_mentor_and_teacher_review_and_a_stranger_gets_404(api_client_for, apprentice):
    # given
    entry = JournalEntryFactory(placement=apprentice.placement)
    stranger = make_apprentice()
    # when a stranger mentor and a stranger teacher try
    for user in (stranger.mentor, stranger.teacher):
        response = api_client_for(user).post(
            f"/api/v1/journals/{entry.pk}/review/", {"action": "approve"}, format="json"
        )
        assert response.status_code == 404, user.role
    # the apprentice may not review their own journal
    response = api_client_for(apprentice.student).post(
        f"/api/v1/journals/{entry.pk}/review/", {"action": "approve"}, format="json"
    )
    assert response.status_code == 403
    # HR sees the journal but does not review it
    hr = HrFactory(company=apprentice.placement.post.company)
    assert api_client_for(hr).get(f"/api/v1/journals/{entry.pk}/").status_code == 200
    assert (
        api_client_for(hr)
        .post(f"/api/v1/journals/{entry.pk}/review/", {"action": "approve"}, format="json")
        .status_code
        == 403
    )
    entry.refresh_from_db()
    assert entry.status == JournalStatus.SUBMITTED and not entry.reviews.exists()
    # when the teacher comments
    response = api_client_for(apprentice.teacher).post(
        f"/api/v1/journals/{entry.pk}/review/", {"action": "comment", "comment": "继续努力"}, format="json"
    )
    # then the apprentice reads it
    assert response.status_code == 200
    mine = api_client_for(apprentice.student).get(f"/api/v1/journals/{entry.pk}/").json()
    assert [(r["reviewer_role"], r["comment"]) for r in mine["reviews"]] == [("teacher", "继续努力")]


def test_the_week_at_once_through_the_api(api_client_for, apprentice):
    second = make_apprentice(mentor=apprentice.placement.mentor, post=apprentice.placement.post)
    entries = [JournalEntryFactory(placement=a.placement) for a in (apprentice, second)]
    response = api_client_for(apprentice.mentor).post(
        "/api/v1/journals/review-week/", {"week": "2026-10-14", "action": "approve"}, format="json"
    )
    assert response.status_code == 200
    assert sorted(r["id"] for r in response.json()) == sorted(e.pk for e in entries)
    assert set(JournalEntry.objects.values_list("status", flat=True)) == {JournalStatus.APPROVED}


def test_visits_the_coordinator_sees_the_schools_the_teacher_their_own(api_client_for, apprentice):
    # given two teachers of one school with a visit each, and another school's visit
    school = apprentice.placement.pilot.school
    mine = TeacherVisitFactory(
        teacher=apprentice.teacher, school=school, company=apprentice.placement.post.company
    )
    colleague = TeacherVisitFactory(teacher=TeacherFactory(school=school), school=school)
    foreign = TeacherVisitFactory()

    def ids(user):
        return {r["id"] for r in api_client_for(user).get("/api/v1/teacher-visits/").json()["results"]}

    # then
    assert ids(CoordinatorFactory(school=school)) == {mine.pk, colleague.pk}
    assert ids(apprentice.teacher) == {mine.pk}
    assert (
        api_client_for(apprentice.teacher).get(f"/api/v1/teacher-visits/{colleague.pk}/").status_code == 404
    )
    assert ids(apprentice.mentor) == set() and ids(apprentice.student) == set()
    assert foreign.pk not in ids(CoordinatorFactory(school=school))


def test_a_teacher_records_a_visit_through_the_api(api_client_for, apprentice):
    with time_machine.travel(ON_TIME, tick=False):
        response = api_client_for(apprentice.teacher).post(
            "/api/v1/teacher-visits/",
            {
                "placement": apprentice.placement.pk,
                "visited_on": MONDAY.isoformat(),
                "place": "一号厂区",
                "met": "师傅",
                "findings": "良好",
                "photos": [image_upload("v.png", fmt="PNG")],
            },
            format="multipart",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["company"] == apprentice.placement.post.company_id and len(body["photos"]) == 1
    # another teacher cannot record one about this placement
    other = TeacherFactory(school=apprentice.placement.pilot.school)
    before = counts()
    refused = api_client_for(other).post(
        "/api/v1/teacher-visits/",
        {
            "placement": apprentice.placement.pk,
            "visited_on": MONDAY.isoformat(),
            "place": "x",
            "met": "x",
            "findings": "x",
        },
        format="json",
    )
    assert refused.status_code == 404 and counts() == before


def test_the_coordinator_reads_the_overview_and_sets_the_rule(api_client_for, apprentice):
    coordinator = CoordinatorFactory(school=apprentice.placement.pilot.school)
    client = api_client_for(coordinator)
    body = client.get("/api/v1/journals/overview/", {"week": MONDAY.isoformat()}).json()
    assert body["week"] == MONDAY.isoformat()
    assert body["teachers"][0]["due"] == 1 and body["teachers"][0]["missing"] == 1
    response = client.post(
        "/api/v1/journal-rules/", {"pilot": apprentice.placement.pilot.pk, "deadline_hour": 20}, format="json"
    )
    assert response.status_code == 201 and response.json()["deadline_hour"] == 20
    # a second POST replaces the rule
    again = client.post(
        "/api/v1/journal-rules/", {"pilot": apprentice.placement.pilot.pk, "deadline_hour": 18}, format="json"
    )
    assert again.status_code == 201 and again.json()["id"] == response.json()["id"]
    assert JournalRule.objects.get().deadline_hour == 18
    # another school's coordinator: the pilot reads as unknown, nothing written
    foreign = make_apprentice()
    refused = api_client_for(CoordinatorFactory()).post(
        "/api/v1/journal-rules/", {"pilot": foreign.placement.pilot.pk}, format="json"
    )
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "VALIDATION"
    assert not JournalRule.objects.filter(pilot=foreign.placement.pilot).exists()
