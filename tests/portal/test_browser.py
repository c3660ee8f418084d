"""The portal in a real browser (Chromium through Playwright) against a live server."""

import csv
import datetime
import io

import pytest

from backend.core.ids import compose_resident_id
from backend.placements.models import PlacementStatus
from backend.schools.models import Student
from tests.factories.accounts import (
    BureauFactory,
    CoordinatorFactory,
    GuardianUserFactory,
    HrFactory,
    MentorUserFactory,
    StudentUserFactory,
)
from tests.factories.placements import PlacementFactory
from tests.factories.schools import GuardianFactory, ProgramFactory
from tests.portal.conftest import PHONE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    """Two placements of one school and company, one of another; one user per role."""
    first = PlacementFactory(status=PlacementStatus.ACTIVE)
    PlacementFactory(pilot=first.pilot, post=first.post, mentor=first.mentor)
    foreign = PlacementFactory()
    return {
        "placement": first,
        "foreign": foreign,
        "coordinator": CoordinatorFactory(school=first.pilot.school, display_name="李老师"),
        "hr": HrFactory(company=first.post.company, display_name="王经理"),
        "bureau": BureauFactory(display_name="教育局张科长"),
        "student": StudentUserFactory(student=first.student, school=first.student.school),
        "guardian": GuardianUserFactory(guardian=GuardianFactory(student=first.student)),
        "mentor": MentorUserFactory(mentor=first.mentor),
    }


@pytest.mark.parametrize(
    ("role", "path", "heading"),
    [
        ("coordinator", "/school/", "概览"),
        ("hr", "/company/", "概览"),
        ("bureau", "/bureau/", "全区概览"),
        ("student", "/me/", "你好"),
        ("guardian", "/me/", "你好"),
        ("mentor", "/me/", "你好"),
    ],
)
def test_each_role_logs_in_to_its_dashboard(world, live_server, new_page, login, role, path, heading):
    # given
    phone_sized = role in ("student", "guardian")
    page = new_page(viewport=PHONE if phone_sized else None)
    # when
    login(page, world[role])
    # then
    assert page.url == f"{live_server.url}{path}"
    assert heading in page.locator("h1").inner_text()
    if role in ("coordinator", "hr", "bureau"):
        page.wait_for_selector("canvas[data-drawn]")  # Chart.js drew the placements chart
    screenshot(page, f"dashboard-{role}")


def test_logout_returns_to_the_login_page(world, live_server, new_page, login):
    page = login(new_page(), world["hr"])
    page.click("form.logout button")
    page.wait_for_load_state("networkidle")
    assert page.url == f"{live_server.url}/accounts/login/"
    page.goto(f"{live_server.url}/company/")
    assert "/accounts/login/" in page.url


def _roster_csv(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "身份证号", "专业", "入学年份", "监护人姓名", "监护人电话", "关系"])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def test_roster_import_shows_the_bad_row_then_imports_the_corrected_file(live_server, new_page, login):
    # given a roster with one bad row (wrong check digit)
    program = ProgramFactory(name="数控技术应用")
    coordinator = CoordinatorFactory(school=program.school)
    ids = [compose_resident_id("110105", datetime.date(2009, 3, d), d) for d in (1, 2, 3)]
    bad = ids[1][:-1] + ("0" if ids[1][-1] != "0" else "1")
    rows = [
        ["张三", ids[0], "数控技术应用", "2025", "张父", "13800000001", "父亲"],
        ["李四", bad, "数控技术应用", "2025", "李母", "13800000002", "母亲"],
        ["王五", ids[2], "数控技术应用", "2025", "王父", "13800000003", "父亲"],
    ]
    page = login(new_page(), coordinator)
    page.click("nav.sections >> text=导入花名册")
    # when
    page.set_input_files(
        "input[type=file]", {"name": "roster.csv", "mimeType": "text/csv", "buffer": _roster_csv(rows)}
    )
    page.click("text=上传并预览")
    # then the row and its reason are shown and nothing is written
    errors = page.locator("tr.row-error")
    assert errors.count() == 1
    assert errors.first.locator("td").first.inner_text() == "3"
    assert "身份证号码校验位错误" in errors.first.inner_text()
    assert page.locator("[data-testid=roster-confirm]").count() == 0
    screenshot(page, "roster-errors")
    assert not Student.objects.exists()

    # when the corrected file is uploaded and confirmed
    rows[1][1] = ids[1]
    page.set_input_files(
        "input[type=file]", {"name": "roster.csv", "mimeType": "text/csv", "buffer": _roster_csv(rows)}
    )
    page.click("text=上传并预览")
    page.click("[data-testid=roster-confirm]")
    page.wait_for_load_state("networkidle")
    # then
    assert page.url.endswith("/school/students/")
    assert "已导入 3 名学生" in page.content()
    assert Student.objects.filter(school=program.school).count() == 3
    screenshot(page, "students")


def test_student_search_updates_the_list_in_place(world, live_server, new_page, login):
    # given
    page = login(new_page(), world["coordinator"])
    page.goto(f"{live_server.url}/school/students/")
    name = world["placement"].student.name
    rows_before = page.locator("#results tbody tr").count()
    assert rows_before == 2
    # when
    page.fill("input[name=q]", name)
    page.wait_for_function("document.querySelectorAll('#results tbody tr').length === 1")
    # then: the URL follows the search (htmx push) and the row is the student
    assert "q=" in page.url
    assert name in page.locator("#results tbody").inner_text()


def test_language_switch_turns_the_portal_english_and_back(world, live_server, new_page, login):
    # given
    page = login(new_page(), world["coordinator"])
    assert "概览" in page.locator("h1").inner_text()
    # when
    page.select_option("[data-testid=language]", "en")
    page.wait_for_load_state("networkidle")
    # then
    assert "Overview" in page.locator("h1").inner_text()
    assert "Placements by status" in page.content()
    screenshot(page, "dashboard-coordinator-en")
    page.select_option("[data-testid=language]", "zh-hans")
    page.wait_for_load_state("networkidle")
    assert "概览" in page.locator("h1").inner_text()


def test_another_tenants_object_answers_404_in_the_browser(world, live_server, new_page, login):
    page = login(new_page(), world["coordinator"])
    foreign = world["foreign"]
    for url in (f"/school/students/{foreign.student.pk}/", f"/school/placements/{foreign.pk}/"):
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 404, url
    own = page.goto(f"{live_server.url}/school/placements/{world['placement'].pk}/")
    assert own.status == 200
    screenshot(page, "placement-detail")
    hr_page = login(new_page(), world["hr"])
    assert hr_page.goto(f"{live_server.url}/company/placements/{foreign.pk}/").status == 404


def test_bureau_dashboard_and_export_download(world, live_server, new_page, login):
    page = login(new_page(), world["bureau"])
    table = page.locator("[data-testid=by-school]").inner_text()
    assert world["placement"].pilot.school.name in table and world["foreign"].pilot.school.name in table
    with page.expect_download() as download:
        page.click("[data-testid=export-placements-xlsx]")
    assert download.value.suggested_filename.endswith(".xlsx")
    screenshot(page, "bureau")


def test_main_pages_on_a_phone(world, live_server, new_page, login):
    page = login(new_page(viewport=PHONE), world["hr"])
    for path, name in (
        ("/company/posts/", "hr-posts"),
        ("/company/mentors/", "hr-mentors"),
        ("/company/placements/", "hr-placements"),
        ("/company/profile/", "hr-profile"),
    ):
        page.goto(f"{live_server.url}{path}")
        # nothing wider than the phone: the tables scroll inside their own box
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, f"phone-{name}")
