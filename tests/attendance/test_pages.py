"""The portal pages of the working day (Django's test client; the browser test drives the same pages)."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from backend.attendance import services, totp
from backend.attendance.models import AttendanceRecord, DeviceBinding, TeacherAssignment, WorkPeriod, WorkSite
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.attendance import TeacherFactory

from .conftest import MONDAY, counts, local, make_world

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_coordinator_assigns_a_teacher_to_several_placements_on_one_page(db):
    a = make_world()
    b = make_world(pilot=a.placement.pilot, student__cohort=a.placement.student.cohort)
    coordinator = CoordinatorFactory(school=a.placement.pilot.school)
    teacher = TeacherFactory(school=coordinator.school)
    page = client_for(coordinator)
    assert teacher.display_name in page.get("/school/teachers/").content.decode()
    response = page.post(
        "/school/teachers/", {"teacher": teacher.pk, "placement": [a.placement.pk, b.placement.pk]}
    )
    assert response.status_code == 302
    assert TeacherAssignment.objects.filter(teacher=teacher).count() == 2
    # another school's placement in the form assigns nothing
    other = make_world()
    before = counts()
    response = page.post("/school/teachers/", {"teacher": teacher.pk, "placement": [other.placement.pk]})
    assert response.status_code == 400 and counts() == before


def test_hr_adds_a_work_site_and_opens_its_kiosk(world):
    hr = HrFactory(company=world.placement.post.company)
    page = client_for(hr)
    response = page.post(
        "/company/sites/", {"name": "二号厂区", "address": "浦东新区", "post": [world.placement.post.pk]}
    )
    assert response.status_code == 302
    site = WorkSite.objects.get(name="二号厂区")
    assert list(site.post_links.values_list("post_id", flat=True)) == [world.placement.post.pk]
    # the kiosk shows the current code, its QR (as a same-origin SVG) and a countdown, and never the secret
    now = local(MONDAY, 8, 0, 5)
    with time_machine.travel(now, tick=False):
        html = page.get(f"/attendance/kiosk/{site.pk}/").content.decode()
        code = totp.code_for(site.secret, totp.step_of(now))
        assert code in html and site.secret not in html
        assert 'src="/static/portal/attendance/kiosk.js"' in html and "<script>" not in html
        data = page.get(f"/attendance/kiosk/{site.pk}/code.json").json()
        assert (data["code"], data["seconds_left"]) == (code, 25)
        svg = page.get(data["qr"])
        assert svg["Content-Type"] == "image/svg+xml" and svg.content.startswith(b"<svg")
        # a future code is never shown
        assert page.get(f"/attendance/kiosk/{site.pk}/qr-{totp.step_of(now) + 1}.svg").status_code == 404


def test_the_kiosk_is_the_companys_own(world):
    stranger = HrFactory()
    assert client_for(stranger).get(f"/attendance/kiosk/{world.site.pk}/").status_code == 404
    assert client_for(stranger).get(f"/attendance/kiosk/{world.site.pk}/code.json").status_code == 404
    assert client_for(world.student).get(f"/attendance/kiosk/{world.site.pk}/").status_code == 403
    assert client_for(world.mentor).get(f"/attendance/kiosk/{world.site.pk}/").status_code == 200


def _key(html: str) -> str:
    return html.split('name="idempotency_key" value="')[1].split('"')[0]


def test_the_apprentice_clocks_in_and_out_on_the_phone_page(world):
    page = client_for(world.student)
    t_in = local(MONDAY, 8, 0, 5)
    with time_machine.travel(t_in, tick=False):
        # the first visit gives the phone its device token
        first = page.get("/me/clock/")
        assert services.DEVICE_COOKIE in first.cookies and first.cookies[services.DEVICE_COOKIE]["httponly"]
        key = _key(first.content.decode())
        response = page.post(
            "/me/clock/",
            {
                "site": world.site.pk,
                "kind": "in",
                "code": world.code(t_in),
                "idempotency_key": key,
                "latitude": "31.230400",
                "longitude": "121.473700",
                "accuracy": "30",
            },
        )
        assert response.status_code == 302
        # pressing the button twice: the same submission, the first result
        assert (
            page.post(
                "/me/clock/",
                {"site": world.site.pk, "kind": "in", "code": world.code(t_in), "idempotency_key": key},
            ).status_code
            == 302
        )
        assert 'data-testid="clock-out"' in page.get("/me/clock/").content.decode()
    assert WorkPeriod.objects.count() == 1
    t_out = local(MONDAY, 12, 0, 5)
    with time_machine.travel(t_out, tick=False):
        key = _key(page.get("/me/clock/").content.decode())
        page.post(
            "/me/clock/",
            {"site": world.site.pk, "kind": "out", "code": world.code(t_out), "idempotency_key": key},
        )
    period = WorkPeriod.objects.get()
    assert period.clock_out.at == t_out and period.clock_in.latitude is not None


def test_a_refused_clock_says_why_in_the_page_and_writes_nothing(world):
    page = client_for(world.student)
    t = local(MONDAY, 8, 0, 5)
    with time_machine.travel(t, tick=False):
        key = _key(page.get("/me/clock/").content.decode())
        before = counts()
        old = totp.code_for(world.site.secret, totp.step_of(t) - 2)
        response = page.post(
            "/me/clock/", {"site": world.site.pk, "kind": "in", "code": old, "idempotency_key": key}
        )
    assert response.status_code == 400
    assert (
        "考勤码已过期" in response.content.decode()
        and 'data-code="ATT_CODE_EXPIRED"' in response.content.decode()
    )
    assert counts() == before


def test_the_mentor_attests_the_day_on_the_page_and_the_teacher_sees_the_chain(world):
    world.work(local(MONDAY, 8, 0, 5), local(MONDAY, 12))
    world.work(local(MONDAY, 13, 0, 5), local(MONDAY, 17))
    page = client_for(world.mentor)
    assert (
        page.get(f"/mentor/attendance/?day={MONDAY}").content.decode().count('data-testid="mentor-period"')
        == 2
    )
    response = page.post("/mentor/attendance/", {"day": MONDAY.isoformat(), "action": "all"})
    assert response.status_code == 302
    assert AttendanceRecord.objects.count() == 2
    # the teacher assigned to the placement follows it; the chain holds until a stored day is altered
    teacher = TeacherFactory(school=world.placement.pilot.school)
    services.teacher_assign(
        actor=CoordinatorFactory(school=teacher.school), placement=world.placement, teacher=teacher
    )
    teacher_page = client_for(teacher)
    assert world.placement.student.name in teacher_page.get("/teacher/").content.decode()
    assert (
        'data-testid="chain-ok"'
        in teacher_page.get(f"/attendance/placements/{world.placement.pk}/chain/").content.decode()
    )
    AttendanceRecord.objects.filter(seq=1).update(day=MONDAY - dt.timedelta(days=7), content={"periods": []})
    html = teacher_page.get(f"/attendance/placements/{world.placement.pk}/chain/").content.decode()
    assert 'data-testid="chain-broken"' in html
    # another teacher does not see the placement
    assert (
        client_for(TeacherFactory(school=teacher.school))
        .get(f"/attendance/placements/{world.placement.pk}/chain/")
        .status_code
        == 404
    )


def test_the_mentor_corrects_a_pair_with_a_reason_on_the_page(world):
    period = world.work(local(MONDAY, 8, 0, 5), local(MONDAY, 20))
    page = client_for(world.mentor)
    # without a reason: refused, nothing written
    before = counts()
    response = page.post(
        "/mentor/attendance/",
        {
            "day": MONDAY.isoformat(),
            "action": "correct",
            "period": period.pk,
            "start": "08:00",
            "end": "16:00",
            "reason": "",
        },
    )
    assert response.status_code == 400 and counts() == before
    page.post(
        "/mentor/attendance/",
        {
            "day": MONDAY.isoformat(),
            "action": "correct",
            "period": period.pk,
            "start": "08:00",
            "end": "16:00",
            "reason": "16:00 离岗",
        },
    )
    period.refresh_from_db()
    assert period.corrected and (period.attested_start, period.attested_end) == (
        local(MONDAY, 8),
        local(MONDAY, 16),
    )
    # the apprentice sees it and disputes it from the phone page
    student = client_for(world.student)
    assert "16:00 离岗" in student.get("/me/clock/").content.decode()
    student.post(f"/me/clock/{period.pk}/respond", {"accept": "0", "note": "我 19:30 才走"})
    period.refresh_from_db()
    assert period.student_response == "disputed"


def test_the_teacher_lands_on_their_page_and_releases_the_device(world):
    world.work(local(MONDAY, 8, 0, 5), local(MONDAY, 12))
    teacher = TeacherFactory(school=world.placement.pilot.school)
    services.teacher_assign(
        actor=CoordinatorFactory(school=teacher.school), placement=world.placement, teacher=teacher
    )
    page = client_for(teacher)
    home = page.get("/")
    assert (home.status_code, home.url) == (302, "/teacher/")
    assert DeviceBinding.objects.filter(student=world.placement.student).exists()
    response = page.post(f"/attendance/placements/{world.placement.pk}/release-device")
    assert response.status_code == 302
    assert not DeviceBinding.objects.exists()


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_mentor_and_teacher_pages_do_not_grow_queries_with_the_rows(db):
    # given one apprentice of a mentor and a teacher, then three
    first = make_world()
    teacher = TeacherFactory(school=first.placement.pilot.school)
    coordinator = CoordinatorFactory(school=teacher.school)

    def add(world):
        services.teacher_assign(actor=coordinator, placement=world.placement, teacher=teacher)
        world.work(local(MONDAY, 8, 0, 5), local(MONDAY, 12))

    add(first)
    mentor, teacher_page = client_for(first.mentor), client_for(teacher)
    day_url = f"/mentor/attendance/?day={MONDAY}"
    one = (_queries(mentor, day_url), _queries(teacher_page, "/teacher/"))
    for _ in range(2):
        add(
            make_world(
                pilot=first.placement.pilot,
                post=first.placement.post,
                mentor=first.placement.mentor,
                student__cohort=first.placement.student.cohort,
            )
        )
    three = (_queries(mentor, day_url), _queries(teacher_page, "/teacher/"))
    # then
    assert three == one


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "违反工作时间规定（NIGHT_WORK）：2026-10-13 在夜间时段（22:00-06:00）工作 1 分钟"),
        ("en", "Working-time rule broken (NIGHT_WORK): 2026-10-13: 1 min of work inside the night window"),
    ],
)
def test_a_night_clock_in_shows_the_apprentice_the_night_work_violation_at_once(world, language, expected):
    # given the apprentice's phone page at 00:18 Beijing time, in the page's language
    page = client_for(world.student)
    page.cookies["django_language"] = language
    t = local(MONDAY + dt.timedelta(days=1), 0, 18, 5)
    with time_machine.travel(t, tick=False):
        key = _key(page.get("/me/clock/", HTTP_ACCEPT_LANGUAGE=language).content.decode())
        # when they clock in
        response = page.post(
            "/me/clock/",
            {"site": world.site.pk, "kind": "in", "code": world.code(t), "idempotency_key": key},
            HTTP_ACCEPT_LANGUAGE=language,
            follow=True,
        )
    # then the clock is stored and the page says at once which rule it breaks
    html = response.content.decode()
    assert response.status_code == 200 and WorkPeriod.objects.count() == 1
    assert 'class="flash warning"' in html and expected in html, html
