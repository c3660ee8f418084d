"""The bureau's data-return page in Chromium: reached from the dashboard by a click, fits 1366 wide and a 390x844
phone (tables scroll inside themselves), in Chinese and English, and a school's XLSX downloads; the coordinator sets a
class on the students list by ticking."""

import pytest

from backend.accounts.models import Role
from backend.schools.models import Bureau, Student
from tests.factories.accounts import UserFactory
from tests.factories.schools import StudentFactory
from tests.factories.subsidy import covered_placement
from tests.portal.conftest import PHONE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDE = {"width": 1366, "height": 900}


@pytest.mark.parametrize(("viewport", "language"), [(WIDE, "zh-hans"), (PHONE, "en")])
def test_the_bureau_reaches_the_page_from_its_dashboard_and_downloads_a_school(
    live_server, new_page, login, viewport, language
):
    # given a bureau with one school under it, whose apprentice is active this month
    placement = covered_placement(student=StudentFactory(class_name="数控2401班"))
    bureau = Bureau.objects.create(name="某市教育局")
    bureau.schools.add(placement.pilot.school)
    user = UserFactory(role=Role.BUREAU)
    bureau.members.add(user)
    page = login(new_page(viewport=viewport), user)
    # when it follows the link from its dashboard, in the page's language
    page.goto(f"{live_server.url}/bureau/")
    if language == "en":
        with page.expect_navigation():
            page.select_option("[data-testid=language]", "en")
    assert page.locator("nav a[href='/bureau/data-return/']").count() == 1  # in the menu too
    with page.expect_navigation():
        page.click("[data-testid=bureau-data-return-link]")
    page.fill("input[name=month]", "2026-12")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    # then the school is listed with its row, the page fits, and its XLSX downloads
    row = page.locator(f"[data-testid=return-school-{placement.pilot.school.pk}]")
    assert placement.pilot.school.name in row.inner_text()
    heading = page.locator("h1").inner_text()
    assert heading == ("Internship data return" if language == "en" else "实习信息数据上报"), heading
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    with page.expect_download() as download:
        page.click(f"[data-testid=return-xlsx-{placement.pilot.school.pk}]")
    assert download.value.suggested_filename.endswith(".xlsx")
    screenshot(page, f"bureau-data-return-{viewport['width']}-{language}")


def test_the_coordinator_sets_a_class_by_ticking_on_a_phone(live_server, new_page, login):
    # given
    students = [StudentFactory(), StudentFactory()]
    students.append(StudentFactory(cohort=students[0].cohort))
    coordinator = UserFactory(role=Role.COORDINATOR, school=students[0].school)
    page = login(new_page(viewport=PHONE), coordinator)
    # when two are ticked and given a class
    page.goto(f"{live_server.url}/school/students/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.check(f"[data-testid=pick-student-{students[0].pk}]")
    page.check(f"[data-testid=pick-student-{students[2].pk}]")
    page.fill("[data-testid=class-bulk] [data-testid=class-name]", "数控2401班")
    with page.expect_navigation():
        page.click("[data-testid=class-save]")
    # then
    assert "数控2401班" in page.content()
    classes = {s.pk: Student.objects.get(pk=s.pk).class_name for s in students}
    assert classes == {students[0].pk: "数控2401班", students[1].pk: "", students[2].pk: "数控2401班"}
    screenshot(page, "students-class-phone")
