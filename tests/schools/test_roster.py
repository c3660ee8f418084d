import csv
import datetime
import io

import pytest
from openpyxl import Workbook

from backend.core.errors import ApplicationError
from backend.core.ids import compose_resident_id
from backend.core.models import AuditEvent
from backend.schools.models import Guardian, Student
from backend.schools.roster import roster_import, roster_preview
from tests.factories.accounts import CoordinatorFactory
from tests.factories.schools import ProgramFactory, SchoolFactory, StudentFactory

pytestmark = pytest.mark.django_db

HEADING = ["姓名", "身份证号", "专业", "入学年份", "学号", "监护人姓名", "监护人电话", "关系"]


def rows(n: int, program: str = "数控技术应用", start: int = 1) -> list[list[str]]:
    return [
        [
            f"学生{i}",
            compose_resident_id("110105", datetime.date(2008, 3, 1), i),
            program,
            "2024",
            f"S{i:05d}",
            f"家长{i}",
            f"139{i:08d}",
            "母亲",
        ]
        for i in range(start, start + n)
    ]


def as_csv(data: list[list[str]], heading: list[str] = HEADING, encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(heading)
    writer.writerows(data)
    return out.getvalue().encode(encoding)


def as_xlsx(data: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADING)
    for row in data:
        sheet.append([int(v) if v.isdigit() and len(v) == 4 else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def school():
    school = SchoolFactory()
    ProgramFactory(school=school, name="数控技术应用")
    return school


def refused(school, content: bytes, name: str = "roster.csv") -> list[dict]:
    with pytest.raises(ApplicationError) as caught:
        roster_import(actor=None, school=school, file_name=name, content=content)
    assert caught.value.code == "ROSTER_INVALID"
    assert Student.objects.count() == 0 and Guardian.objects.count() == 0
    return caught.value.details["errors"]


def test_a_good_csv_imports_students_with_guardians_and_derived_birth_dates(school):
    # when
    result = roster_import(actor=None, school=school, file_name="2024级.csv", content=as_csv(rows(3)))
    # then
    assert (result.created, result.unchanged, result.total_rows) == (3, 0, 3)
    student = Student.objects.get(name="学生1")
    assert student.birth_date == datetime.date(2008, 3, 1)
    assert student.sex == "M"  # sequence 001 is odd
    assert student.cohort.entry_year == 2024 and student.school == school
    assert student.guardians.get().relation == "mother"
    assert AuditEvent.objects.filter(action="student.import").count() == 3


def test_a_good_xlsx_imports_the_same_way(school):
    result = roster_import(actor=None, school=school, file_name="roster.xlsx", content=as_xlsx(rows(2)))
    assert result.created == 2
    assert Student.objects.filter(cohort__entry_year=2024).count() == 2


def test_a_gbk_csv_saved_by_chinese_excel_is_read(school):
    result = roster_import(
        actor=None, school=school, file_name="roster.csv", content=as_csv(rows(2), encoding="gbk")
    )
    assert result.created == 2
    assert Student.objects.filter(name="学生2").exists()


def test_reimporting_the_same_file_changes_nothing(school):
    content = as_csv(rows(4))
    roster_import(actor=None, school=school, file_name="a.csv", content=content)
    before = list(Student.objects.order_by("pk").values_list("pk", "updated_at"))
    # when
    again = roster_import(actor=None, school=school, file_name="a.csv", content=content)
    # then
    assert (again.created, again.unchanged) == (0, 4)
    assert list(Student.objects.order_by("pk").values_list("pk", "updated_at")) == before
    assert Guardian.objects.count() == 4


def test_one_bad_row_rejects_the_whole_file_with_row_and_column(school):
    data = rows(5)
    data[2][1] = data[2][1][:-1] + ("0" if data[2][1][-1] != "0" else "1")  # wrong check digit on row 4
    errors = refused(school, as_csv(data))
    assert errors == [
        {
            "row": 4,
            "column": "身份证号",
            "code": "ID_CHECK_DIGIT",
            "message": "身份证号码校验位错误",
            "message_en": "wrong check digit in the resident ID",
        }
    ]


def test_an_impossible_birth_date_is_refused(school):
    data = rows(1)
    body = "110105" + "20080230" + "001"  # 30 February
    from stdnum.cn import ric

    data[0][1] = body + ric.calc_check_digit(body + "?")
    errors = refused(school, as_csv(data))
    assert [(e["row"], e["code"]) for e in errors] == [(2, "ID_BIRTH_DATE")]


def test_a_duplicate_id_inside_the_file_names_both_rows(school):
    data = rows(3)
    data[2][1] = data[0][1]
    errors = refused(school, as_csv(data))
    assert [(e["row"], e["code"]) for e in errors] == [(4, "ID_DUPLICATE_IN_FILE")]
    assert "第 2 行" in errors[0]["message"]


def test_an_id_already_registered_for_another_student_is_refused(school):
    data = rows(2)
    StudentFactory(resident_id=data[1][1], name="别的学生")
    with pytest.raises(ApplicationError) as caught:
        roster_import(actor=None, school=school, file_name="r.csv", content=as_csv(data))
    errors = caught.value.details["errors"]
    assert [(e["row"], e["code"]) for e in errors] == [(3, "ID_DUPLICATE_IN_DATABASE")]
    assert Student.objects.count() == 1


def test_an_unknown_program_and_missing_values_are_each_reported(school):
    data = rows(3)
    data[0][2] = "烹饪"
    data[1][5] = ""
    data[2][6] = "12345"
    errors = refused(school, as_csv(data))
    assert [(e["row"], e["column"], e["code"]) for e in errors] == [
        (2, "专业", "PROGRAM_UNKNOWN"),
        (3, "监护人姓名", "REQUIRED"),
        (4, "监护人电话", "PHONE"),
    ]


def test_a_missing_column_is_reported_once(school):
    heading = [h for h in HEADING if h != "入学年份"]
    data = [r[:3] + r[4:] for r in rows(2)]
    errors = refused(school, as_csv(data, heading=heading))
    assert [(e["row"], e["column"], e["code"]) for e in errors] == [(1, "入学年份", "COLUMN_MISSING")]


def test_a_file_that_is_neither_csv_nor_xlsx_is_refused(school):
    with pytest.raises(ApplicationError) as caught:
        roster_import(
            actor=None, school=school, file_name="roster.xlsx", content=b"PK\x03\x04 not really a zip"
        )
    assert caught.value.code == "ROSTER_FILE"


def test_the_preview_writes_nothing(school):
    preview = roster_preview(school=school, file_name="r.csv", content=as_csv(rows(3)))
    assert preview.ok and len(preview.new_rows) == 3
    assert Student.objects.count() == 0


def test_the_api_imports_for_the_coordinators_own_school_only(api_client_for, school):
    from django.core.files.uploadedfile import SimpleUploadedFile

    coordinator = CoordinatorFactory(school=school)
    other_school = SchoolFactory()
    ProgramFactory(school=other_school, name="数控技术应用")
    upload = SimpleUploadedFile("r.csv", as_csv(rows(2)), content_type="text/csv")
    # when the coordinator names another school, the import still goes to their own
    response = api_client_for(coordinator).post(
        "/api/v1/roster-imports/", {"file": upload, "school": other_school.pk}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert set(Student.objects.values_list("school_id", flat=True)) == {school.pk}


def test_the_api_returns_row_errors_in_the_error_shape(api_client_for, school):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = rows(2)
    data[1][2] = "烹饪"
    upload = SimpleUploadedFile("r.csv", as_csv(data), content_type="text/csv")
    response = api_client_for(CoordinatorFactory(school=school)).post(
        "/api/v1/roster-imports/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "ROSTER_INVALID"
    assert body["details"]["errors"][0]["row"] == 3


def test_hr_cannot_import_a_roster(api_client_for, hr):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("r.csv", as_csv(rows(1)), content_type="text/csv")
    response = api_client_for(hr).post("/api/v1/roster-imports/", {"file": upload}, format="multipart")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PERMISSION_DENIED"
