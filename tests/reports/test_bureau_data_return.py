"""The bureau's data-return page (数据上报): per school under the bureau and per month, the rows and what is missing,
each school's XLSX/CSV and one file for all its schools. A bureau sees only the schools under it; a school's
coordinator never opens the bureau's page nor another school's return."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from backend.accounts.models import Role
from backend.reports import datareturn
from backend.schools.models import Bureau
from tests.factories.accounts import UserFactory
from tests.factories.schools import StudentFactory
from tests.factories.subsidy import covered_placement

pytestmark = pytest.mark.django_db
MONTH = "2026-12"


@pytest.fixture
def province():
    """Two schools under the city bureau (the first with two active placements, the second with one without a class),
    a third school under another bureau; a bureau account for each."""
    first = [
        covered_placement(student=StudentFactory(class_name="数控2401班")),
    ]
    first.append(
        covered_placement(
            pilot=first[0].pilot,
            student=StudentFactory(cohort=first[0].student.cohort, class_name="数控2402班"),
        )
    )
    second = covered_placement()
    elsewhere = covered_placement(student=StudentFactory(class_name="汽修2401班"))
    city = Bureau.objects.create(name="某市教育局")
    city.schools.set([first[0].pilot.school, second.pilot.school])
    other = Bureau.objects.create(name="另一市教育局")
    other.schools.set([elsewhere.pilot.school])
    ours, theirs = UserFactory(role=Role.BUREAU), UserFactory(role=Role.BUREAU)
    city.members.add(ours)
    other.members.add(theirs)
    return {"first": first, "second": second, "elsewhere": elsewhere, "ours": ours, "theirs": theirs}


def test_the_page_lists_each_school_under_the_bureau_with_its_rows_and_what_is_missing(client, province):
    # given
    client.force_login(province["ours"])
    first, second, elsewhere = province["first"], province["second"], province["elsewhere"]
    # when
    page = client.get("/bureau/data-return/", {"month": MONTH}).content.decode()
    parts = datareturn.returns_by_school(user=province["ours"], month=datetime.date(2026, 12, 1))
    # then
    assert [(p.school, p.rows) for p in parts] == sorted(
        [(first[0].pilot.school, 2), (second.pilot.school, 1)], key=lambda x: x[0].name
    )
    assert {m["label"] for p in parts for m in p.missing} == {"班级"}  # the second school's student has none
    assert [m["student"] for p in parts for m in p.missing] == [second.student.name]
    assert first[0].pilot.school.name in page and second.pilot.school.name in page
    assert elsewhere.pilot.school.name not in page and elsewhere.student.name not in page
    assert f'data-testid="return-xlsx-{first[0].pilot.school.pk}"' in page
    assert 'data-testid="return-all-xlsx"' in page
    assert "3 条记录" in page and second.student.name in page


def test_a_schools_xlsx_holds_its_rows_only_with_date_and_number_cells(client, province):
    # given
    client.force_login(province["ours"])
    first = province["first"]
    school = first[0].pilot.school
    # when
    response = client.get(f"/bureau/data-return/{MONTH}/{school.pk}.xlsx")
    # then
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["实习信息"]
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    column = {label: i for i, label in enumerate(header)}
    assert sorted(r[column["身份证号"]] for r in body) == sorted(p.student.resident_id for p in first)
    assert {r[column["学校"]] for r in body} == {school.name}
    assert sorted(r[column["班级"]] for r in body) == ["数控2401班", "数控2402班"]
    assert [r[column["序号"]] for r in body] == [1, 2]
    start = sheet.cell(row=2, column=column["实习开始日期"] + 1)
    pay = sheet.cell(row=2, column=column["月报酬(元)"] + 1)
    assert isinstance(start.value, datetime.datetime) and start.number_format == "yyyy-mm-dd"
    assert isinstance(pay.value, (int, float, Decimal)) and pay.number_format == "#,##0.00"


def test_the_bureau_wide_download_holds_every_school_under_it_and_none_other(client, province):
    # given
    client.force_login(province["ours"])
    first, second, elsewhere = province["first"], province["second"], province["elsewhere"]
    # when
    xlsx = client.get(f"/bureau/data-return/{MONTH}/all.xlsx")
    body = client.get(f"/bureau/data-return/{MONTH}/all.csv").content.decode("utf-8-sig")
    # then exactly one row per active placement of its schools
    records = list(load_workbook(io.BytesIO(xlsx.content))["实习信息"].iter_rows(values_only=True))[1:]
    ids = sorted(r[2] for r in records)
    assert ids == sorted(p.student.resident_id for p in [*first, second])
    assert elsewhere.student.resident_id not in ids
    rows = list(csv.reader(io.StringIO(body)))[1:]
    assert sorted(r[2] for r in rows) == ids
    assert not any(c.startswith(("=", "+", "-", "@")) for r in rows for c in r)
    missing = list(load_workbook(io.BytesIO(xlsx.content))["缺失项"].iter_rows(values_only=True))[1:]
    assert [(m[1], m[2]) for m in missing] == [(second.student.name, "班级")]


def test_another_bureaus_school_does_not_exist_for_the_bureau(client, province):
    # given the other city's bureau
    client.force_login(province["theirs"])
    school = province["first"][0].pilot.school
    # when / then: the first city's school is a 404, its page and its file show none of the first city
    assert client.get(f"/bureau/data-return/{MONTH}/{school.pk}.xlsx").status_code == 404
    assert client.get(f"/bureau/data-return/{MONTH}/{school.pk}.csv").status_code == 404
    page = client.get("/bureau/data-return/", {"month": MONTH}).content.decode()
    assert school.name not in page and province["elsewhere"].pilot.school.name in page
    records = list(
        load_workbook(io.BytesIO(client.get(f"/bureau/data-return/{MONTH}/all.xlsx").content))[
            "实习信息"
        ].iter_rows(values_only=True)
    )[1:]
    assert [r[2] for r in records] == [province["elsewhere"].student.resident_id]
    # and the API answers the same
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(province["theirs"])
    rows = api.get("/api/v1/data-returns/", {"month": MONTH}).json()
    assert [r["id"] for r in rows] == [province["elsewhere"].pk]


def test_a_school_coordinator_opens_neither_the_bureau_page_nor_another_schools_return(client, province):
    # given the second school's coordinator
    second = province["second"]
    client.force_login(UserFactory(role=Role.COORDINATOR, school=second.pilot.school))
    school = province["first"][0].pilot.school
    # when / then
    assert client.get("/bureau/data-return/").status_code == 403
    assert client.get(f"/bureau/data-return/{MONTH}/{school.pk}.xlsx").status_code == 403
    assert client.get(f"/bureau/data-return/{MONTH}/all.csv").status_code == 403
    own = client.get(f"/school/data-return/{MONTH}.csv").content.decode("utf-8-sig")
    assert second.student.resident_id in own
    assert all(p.student.resident_id not in own for p in province["first"])


def test_a_bureau_account_tied_to_no_department_oversees_every_school(client, province):
    # given the platform's own bureau account (no department recorded)
    client.force_login(UserFactory(role=Role.BUREAU))
    # when
    page = client.get("/bureau/data-return/", {"month": MONTH}).content.decode()
    # then every school is listed, as on the rest of the bureau's pages
    for p in (province["first"][0], province["second"], province["elsewhere"]):
        assert p.pilot.school.name in page


def test_the_bureau_dashboard_links_to_the_page(client, province):
    client.force_login(province["ours"])
    page = client.get("/bureau/").content.decode()
    assert 'href="/bureau/data-return/"' in page
