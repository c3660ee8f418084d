"""The journal pages: the apprentice writes and resubmits, the reviewers review (a week at once), the teacher's
visits, the coordinator's overview; photos only for those who may see them; the web app's manifest and worker."""

import datetime as dt
import json
from pathlib import Path

import pytest
import time_machine

from backend.core.clock import RULES_ZONE
from backend.journals import services
from backend.journals.models import JournalEntry, JournalStatus, TeacherVisit
from tests.factories.accounts import CoordinatorFactory
from tests.factories.journals import JournalEntryFactory

from .conftest import MONDAY, counts, image_upload, make_apprentice

pytestmark = pytest.mark.django_db

STATIC = Path(__file__).resolve().parents[2] / "templates" / "static" / "portal"
THURSDAY = dt.datetime(2026, 10, 15, 19, 0, tzinfo=RULES_ZONE)


def logged_in(client, user):
    client.force_login(user)
    return client


def test_the_apprentice_writes_a_weekly_journal_with_a_photo_on_the_phone_page(client, apprentice):
    # given
    logged_in(client, apprentice.student)
    # when
    with time_machine.travel(THURSDAY, tick=False):
        page = client.get("/me/journals/")
        response = client.post(
            "/me/journals/",
            {
                "placement": apprentice.placement.pk,
                "kind": "weekly",
                "week": "2026-W42",
                "tasks_text": "设备点检\n工位整理\n",
                "hours": "36",
                "learned": "学会了点检",
                "problems": "",
                "photos": [image_upload()],
            },
        )
    # then
    assert page.status_code == 200 and 'value="2026-W42"' in page.content.decode()
    assert response.status_code == 302
    entry = JournalEntry.objects.get()
    assert (entry.period_start, entry.tasks, entry.late) == (MONDAY, ["设备点检", "工位整理"], False)
    listing = client.get("/me/journals/").content.decode()
    assert f"/journals/photos/{entry.photos.get().pk}" in listing


def test_a_refused_photo_keeps_the_form_and_writes_nothing(client, apprentice):
    logged_in(client, apprentice.student)
    before = counts()
    with time_machine.travel(THURSDAY, tick=False):
        response = client.post(
            "/me/journals/",
            {
                "kind": "weekly",
                "week": "2026-W42",
                "hours": "36",
                "learned": "我写的内容",
                "photos": [image_upload("x.gif", fmt="GIF")],
            },
        )
    assert response.status_code == 400
    html = response.content.decode()
    assert "照片须为 JPG、PNG 或 WebP 图片" in html and "我写的内容" in html
    assert counts() == before


def test_a_returned_journal_opens_prefilled_and_is_resubmitted(client, apprentice):
    # given a journal the mentor returned
    entry = JournalEntryFactory(placement=apprentice.placement, learned="第一版")
    services.journal_review(actor=apprentice.mentor, entry=entry, action="return", comment="请补充问题")
    logged_in(client, apprentice.student)
    # when
    with time_machine.travel(THURSDAY, tick=False):
        page = client.get(f"/me/journals/?edit={entry.pk}").content.decode()
        client.post(
            "/me/journals/", {"kind": "weekly", "week": "2026-W42", "hours": "40", "learned": "第二版"}
        )
    # then
    assert "请补充问题" in page and "第一版" in page and "修改后重新提交" in page
    entry.refresh_from_db()
    assert (entry.status, entry.version, entry.learned) == (JournalStatus.SUBMITTED, 2, "第二版")


def test_the_mentor_reviews_a_week_at_once_on_the_review_page(client, apprentice):
    # given two apprentices of the mentor with the week's journal
    second = make_apprentice(mentor=apprentice.placement.mentor, post=apprentice.placement.post)
    entries = [JournalEntryFactory(placement=a.placement) for a in (apprentice, second)]
    logged_in(client, apprentice.mentor)
    # when
    page = client.get("/journals/review/?week=2026-W42").content.decode()
    response = client.post("/journals/review/", {"week": "2026-W42", "scope": "week", "action": "approve"})
    # then
    assert page.count('data-testid="review-entry"') == 2 and 'data-testid="review-week"' in page
    assert response.status_code == 302
    assert {e.status for e in JournalEntry.objects.filter(pk__in=[e.pk for e in entries])} == {
        JournalStatus.APPROVED
    }


def test_a_stranger_reviewer_sees_nothing_and_cannot_review_by_id(client, apprentice):
    # given
    entry = JournalEntryFactory(placement=apprentice.placement)
    services.journal_review(actor=apprentice.mentor, entry=entry, action="comment", comment="好")
    stranger = make_apprentice()
    # when / then: the other mentor and the other teacher see no journal and get 404 for this one
    for user in (stranger.mentor, stranger.teacher):
        logged_in(client, user)
        page = client.get("/journals/review/?week=2026-W42").content.decode()
        assert 'data-testid="review-entry"' not in page
        response = client.post(
            "/journals/review/", {"week": "2026-W42", "entry": entry.pk, "action": "approve"}
        )
        assert response.status_code == 404
    entry.refresh_from_db()
    assert entry.status == JournalStatus.SUBMITTED and entry.reviews.count() == 1


def test_photos_are_served_only_to_those_who_see_the_journal(client, apprentice):
    # given a journal with a photo
    with time_machine.travel(THURSDAY, tick=False):
        entry = services.journal_submit(
            actor=apprentice.student,
            placement=apprentice.placement,
            kind="weekly",
            day=MONDAY,
            tasks=[],
            hours=40,
            learned="x",
            photos=[image_upload()],
        )
    url = f"/journals/photos/{entry.photos.get().pk}"
    stranger = make_apprentice()
    # then
    for user in (apprentice.student, apprentice.mentor, apprentice.teacher):
        response = logged_in(client, user).get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg", user.role
    for user in (stranger.student, stranger.mentor, stranger.teacher):
        assert logged_in(client, user).get(url).status_code == 404, user.role
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_the_teacher_records_a_visit_and_the_coordinator_sees_it(client, apprentice):
    # given
    logged_in(client, apprentice.teacher)
    page = client.get("/journals/visits/").content.decode()
    # when
    response = client.post(
        "/journals/visits/",
        {
            "target": f"p-{apprentice.placement.pk}",
            "visited_on": "2026-10-15",
            "place": "一号厂区",
            "met": "师傅、人事",
            "findings": "学徒在岗情况良好",
            "follow_up": "两周后回访",
            "photos": [image_upload("v.png", fmt="PNG")],
        },
    )
    # then
    assert 'data-testid="visit-form"' in page
    assert response.status_code == 302
    visit = TeacherVisit.objects.get()
    assert visit.placement == apprentice.placement and visit.photos.count() == 1
    coordinator = CoordinatorFactory(school=apprentice.placement.pilot.school)
    listing = logged_in(client, coordinator).get("/journals/visits/").content.decode()
    assert "学徒在岗情况良好" in listing and 'data-testid="visit-form"' not in listing
    assert client.get(f"/journals/visit-photos/{visit.photos.get().pk}").status_code == 200
    other_school = CoordinatorFactory()
    assert "学徒在岗情况良好" not in logged_in(client, other_school).get("/journals/visits/").content.decode()
    assert client.get(f"/journals/visit-photos/{visit.photos.get().pk}").status_code == 404
    assert logged_in(client, apprentice.mentor).get("/journals/visits/").status_code == 403


def test_the_coordinator_overview_and_rule_form(client, apprentice):
    coordinator = CoordinatorFactory(school=apprentice.placement.pilot.school)
    logged_in(client, coordinator)
    page = client.get("/journals/overview/?week=2026-W42").content.decode()
    assert 'data-testid="overview-teachers"' in page and apprentice.teacher.display_name in page
    response = client.post(
        f"/journals/pilots/{apprentice.placement.pilot.pk}/rule",
        {
            "weekly_required": "1",
            "term_min": "12",
            "deadline_days": "0",
            "deadline_hour": "22",
            "remind_hours": "6",
        },
    )
    assert response.status_code == 302
    assert apprentice.placement.pilot.journal_rule.deadline_hour == 22
    other = make_apprentice()
    assert client.post(f"/journals/pilots/{other.placement.pilot.pk}/rule", {}).status_code == 404


def test_the_nav_links_each_role_to_its_journal_page(client, apprentice):
    for user, url in (
        (apprentice.student, "/me/journals/"),
        (apprentice.mentor, "/journals/review/"),
        (apprentice.teacher, "/journals/review/"),
        (apprentice.teacher, "/journals/visits/"),
        (CoordinatorFactory(school=apprentice.placement.pilot.school), "/journals/overview/"),
    ):
        assert (
            f'href="{url}"'
            in logged_in(client, user).get("/me/" if user.role == "student" else url).content.decode()
        )


# -- the web app ----------------------------------------------------------------------------------------------


def test_the_service_worker_is_served_from_the_root_and_caches_static_assets_only(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    shell = json.loads(body.split("var SHELL = ", 1)[1].split(";\n", 1)[0])
    assert "/static/portal/portal.css" in shell and all(url.startswith("/static/") for url in shell)
    assert 'url.pathname.indexOf("/static/") !== 0' in body  # anything else goes to the network


def test_the_manifest_has_icons_and_every_page_links_it_and_registers_the_worker(client, apprentice):
    manifest = json.loads((STATIC / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert (
        manifest["start_url"] == "/" and manifest["display"] == "standalone" and manifest["lang"] == "zh-CN"
    )
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert (STATIC / icon["src"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    response = logged_in(client, apprentice.student).get("/me/journals/")
    html = response.content.decode()
    assert 'rel="manifest" href="/static/portal/manifest.webmanifest"' in html
    assert "/static/portal/pwa.js" in html and 'data-testid="offline-banner"' in html
    policy = response["Content-Security-Policy"]
    assert "manifest-src 'self'" in policy and "worker-src 'self'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_the_review_page_opens_on_the_latest_week_with_a_journal_waiting(client, apprentice):
    # given an older reviewed journal and a waiting one of 2026-W42
    JournalEntryFactory(placement=apprentice.placement, period_start=dt.date(2026, 10, 5), approved=True)
    JournalEntryFactory(placement=apprentice.placement)
    # when the mentor opens the page without choosing a week
    page = logged_in(client, apprentice.mentor).get("/journals/review/")
    # then
    assert page.context["week"] == MONDAY
    assert page.content.decode().count('data-testid="review-entry"') == 1
