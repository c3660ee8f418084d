"""班级: a student's class, from the roster's optional column, set by the coordinator on the student's page and in
bulk, and used where the school's people are grouped by class (the journals overview)."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from backend.core.errors import ApplicationError
from backend.core.ids import compose_resident_id
from backend.core.models import AuditEvent
from backend.journals import selectors as journal_selectors
from backend.portal.roster_template import template_csv, template_xlsx
from backend.schools.models import Student
from backend.schools.roster import roster_import, roster_preview
from backend.schools.services import students_set_class
from tests.factories.accounts import CoordinatorFactory
from tests.factories.placements import PilotProjectFactory, PlacementFactory
from tests.factories.schools import CohortFactory, ProgramFactory, SchoolFactory, StudentFactory

pytestmark = pytest.mark.django_db
HEADING = ["姓名", "身份证号", "专业", "入学年份", "监护人姓名", "监护人电话", "关系"]


def roster(rows: list[list[str]], heading: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(heading)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def row(i: int, *extra: str) -> list[str]:
    number = compose_resident_id("110105", datetime.date(2008, 3, 1), i)
    return [f"学生{i}", number, "数控技术应用", "2024", f"家长{i}", f"139{i:08d}", "母亲", *extra]


@pytest.fixture
def school():
    school = SchoolFactory()
    ProgramFactory(school=school, name="数控技术应用")
    return school


def test_the_roster_class_column_is_stored_and_a_file_without_it_imports_as_before(school):
    # given one file with the 班级 column and one without
    with_class = roster([row(1, "数控2401班"), row(2, "")], [*HEADING, "班级"])
    without = roster([row(3)], HEADING)
    # when both are imported
    roster_import(actor=None, school=school, file_name="a.csv", content=with_class)
    roster_import(actor=None, school=school, file_name="b.csv", content=without)
    # then
    classes = dict(Student.objects.values_list("name", "class_name"))
    assert classes == {"学生1": "数控2401班", "学生2": "", "学生3": ""}


def test_a_class_that_would_be_a_formula_is_a_row_error_and_nothing_is_written(school):
    # given
    content = roster([row(1, "=1+1")], [*HEADING, "班级"])
    # when
    preview = roster_preview(school=school, file_name="a.csv", content=content)
    with pytest.raises(ApplicationError):
        roster_import(actor=None, school=school, file_name="a.csv", content=content)
    # then
    assert [(e.column, e.code) for e in preview.errors] == [("班级", "CLASS_INVALID")]
    assert Student.objects.count() == 0


def test_the_roster_template_has_the_class_column_and_its_example_previews_with_it(school):
    # given the template's two formats
    sheet = load_workbook(io.BytesIO(template_xlsx("数控技术应用"))).worksheets[0]
    headings = [c.value for c in sheet[1]]
    # then 班级 is one of the optional columns, after the seven required ones
    assert headings[:7] == HEADING and "班级" in headings[7:]
    for name, content in (("t.xlsx", template_xlsx("数控技术应用")), ("t.csv", template_csv("数控技术应用"))):
        preview = roster_preview(school=school, file_name=name, content=content)
        assert preview.errors == [] and [r.class_name for r in preview.new_rows] == ["数控2501班"]


def test_the_class_is_set_for_many_students_at_once_and_audited():
    # given three students of one school
    cohort = CohortFactory()
    students = [StudentFactory(cohort=cohort) for _ in range(3)]
    coordinator = CoordinatorFactory(school=cohort.program.school)
    events = AuditEvent.objects.count()
    # when two of them are put in a class (spaces tidied)
    changed = students_set_class(actor=coordinator, students=students[:2], class_name="  数控 2401班 ")
    # then
    assert changed == 2
    assert [Student.objects.get(pk=s.pk).class_name for s in students] == ["数控 2401班", "数控 2401班", ""]
    assert AuditEvent.objects.count() == events + 2
    # and setting the same again changes nothing
    assert students_set_class(actor=coordinator, students=students[:2], class_name="数控 2401班") == 0


def test_students_of_two_schools_or_a_too_long_class_are_refused_and_nothing_is_written():
    # given
    one, other = StudentFactory(), StudentFactory()
    events = AuditEvent.objects.count()
    # when / then
    with pytest.raises(ApplicationError) as mixed:
        students_set_class(actor=None, students=[one, other], class_name="数控2401班")
    with pytest.raises(ApplicationError) as long:
        students_set_class(actor=None, students=[one], class_name="班" * 51)
    assert (mixed.value.code, long.value.code) == ("STUDENTS_OF_ONE_SCHOOL", "CLASS_NAME_TOO_LONG")
    assert set(Student.objects.values_list("class_name", flat=True)) == {""}
    assert AuditEvent.objects.count() == events


def test_the_coordinator_sets_the_class_on_the_student_page_and_in_bulk(client):
    # given a coordinator's students, and another school's
    cohort = CohortFactory()
    students = [StudentFactory(cohort=cohort) for _ in range(3)]
    foreign = StudentFactory()
    client.force_login(CoordinatorFactory(school=cohort.program.school))
    page = client.get(f"/school/students/{students[0].pk}/").content.decode()
    assert 'data-testid="student-class-form"' in page
    # when one is set from its page
    response = client.post(
        "/school/students/class",
        {
            "students": [students[0].pk],
            "class_name": "数控2401班",
            "next": f"/school/students/{students[0].pk}/",
        },
    )
    # then it is saved and the page shows it
    assert response.status_code == 302 and response["Location"] == f"/school/students/{students[0].pk}/"
    assert "数控2401班" in client.get(f"/school/students/{students[0].pk}/").content.decode()
    # when two are ticked on the list
    listing = client.get("/school/students/").content.decode()
    assert f'data-testid="pick-student-{students[1].pk}"' in listing
    client.post(
        "/school/students/class", {"students": [students[1].pk, students[2].pk], "class_name": "数控2402班"}
    )
    # then
    assert [Student.objects.get(pk=s.pk).class_name for s in students] == [
        "数控2401班",
        "数控2402班",
        "数控2402班",
    ]
    # when every student the filter shows is taken (the search finds the class)
    client.post("/school/students/class", {"all": "1", "query": "q=数控2402班", "class_name": "数控2403班"})
    assert [Student.objects.get(pk=s.pk).class_name for s in students] == [
        "数控2401班",
        "数控2403班",
        "数控2403班",
    ]
    # when another school's student is slipped in: not found, and nothing written
    response = client.post(
        "/school/students/class", {"students": [students[0].pk, foreign.pk], "class_name": "外校班"}
    )
    assert response.status_code == 404
    assert Student.objects.filter(class_name="外校班").count() == 0


def test_the_journals_overview_groups_a_cohorts_students_by_class():
    # given one cohort's apprentices in two classes
    pilot = PilotProjectFactory()
    cohort = CohortFactory(program=pilot.program, entry_year=2024)
    for name in ("数控2401班", "数控2401班", "数控2402班"):
        PlacementFactory(pilot=pilot, active=True, student=StudentFactory(cohort=cohort, class_name=name))
    coordinator = CoordinatorFactory(school=pilot.school)
    # when
    overview = journal_selectors.journal_overview(user=coordinator, week=datetime.date(2026, 10, 12))
    # then one row per class, labelled with it
    assert [(r.label, r.due) for r in overview["classes"]] == [
        (f"{pilot.program.name} 2024级 数控2401班", 2),
        (f"{pilot.program.name} 2024级 数控2402班", 1),
    ]


def test_the_coordinator_reads_and_writes_the_class_through_the_api(api_client_for):
    # given
    student = StudentFactory()
    client = api_client_for(CoordinatorFactory(school=student.school))
    # when
    response = client.patch(f"/api/v1/students/{student.pk}/", {"class_name": "数控2401班"}, format="json")
    # then
    assert response.status_code == 200 and response.json()["class_name"] == "数控2401班"
    student.refresh_from_db()
    assert student.class_name == "数控2401班"
