"""The portal's 年检报告 and 数据上报 pages for the coordinator and the bureau's list: each sees its own, the other
school's pilot does not exist for a coordinator, and what is written through the pages is stored once."""

import datetime
import io
from decimal import Decimal

import pytest
from docx import Document
from openpyxl import load_workbook

from backend.accounts.models import Role
from backend.reports.models import FundsLine, YearlyReportText
from tests.factories.accounts import UserFactory
from tests.factories.subsidy import covered_placement

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_schools():
    own = covered_placement(start_date=datetime.date(2026, 3, 1))
    other = covered_placement(start_date=datetime.date(2026, 3, 1))
    return own, other, UserFactory(role=Role.COORDINATOR, school=own.pilot.school)


def test_the_coordinator_writes_the_text_and_funds_and_downloads_the_docx(client, two_schools):
    # given
    own, _other, coordinator = two_schools
    client.force_login(coordinator)
    pilot = own.pilot
    # when
    page = client.get("/school/yearly-report/", {"pilot": pilot.pk, "year": 2026})
    client.post(
        f"/school/yearly-report/{pilot.pk}/2026/text",
        {"situation": "运行平稳", "problems": "排班偏紧", "measures": "调整排班"},
    )
    client.post(
        f"/school/yearly-report/{pilot.pk}/2026/funds",
        {"heading": "企业投入", "received": "8000.00", "spent": "1234.56", "note": ""},
    )
    docx = client.get(f"/school/yearly-report/{pilot.pk}/2026.docx")
    # then
    assert page.status_code == 200 and pilot.name in page.content.decode()
    text = YearlyReportText.objects.get(pilot=pilot, year=2026)
    assert (text.problems, text.measures) == ("排班偏紧", "调整排班")
    line = FundsLine.objects.get(pilot=pilot, year=2026)
    assert (line.heading, line.received, line.spent) == ("企业投入", Decimal("8000.00"), Decimal("1234.56"))
    body = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "排班偏紧" in body and "本年度招收学徒1人" in body


def test_the_other_schools_pilot_does_not_exist_for_a_coordinator(client, two_schools):
    # given
    _own, other, coordinator = two_schools
    client.force_login(coordinator)
    pilot = other.pilot
    texts, lines = YearlyReportText.objects.count(), FundsLine.objects.count()
    # when / then
    assert client.get("/school/yearly-report/", {"pilot": pilot.pk}).status_code == 404
    assert client.get(f"/school/yearly-report/{pilot.pk}/2026.docx").status_code == 404
    assert client.post(f"/school/yearly-report/{pilot.pk}/2026/text", {"problems": "x"}).status_code == 404
    assert (
        client.post(
            f"/school/yearly-report/{pilot.pk}/2026/funds", {"heading": "x", "received": "1", "spent": "1"}
        ).status_code
        == 404
    )
    assert (YearlyReportText.objects.count(), FundsLine.objects.count()) == (texts, lines)


def test_a_subsidy_heading_cannot_be_typed_in_and_nothing_is_written(client, two_schools):
    # given
    own, _other, coordinator = two_schools
    client.force_login(coordinator)
    # when
    client.post(
        f"/school/yearly-report/{own.pilot.pk}/2026/funds",
        {"heading": "学徒补助：带徒师傅奖励", "received": "1.00", "spent": "0"},
    )
    # then
    assert FundsLine.objects.count() == 0


def test_the_data_return_page_lists_the_school_and_exports(client, two_schools):
    # given
    own, other, coordinator = two_schools
    client.force_login(coordinator)
    # when
    page = client.get("/school/data-return/", {"month": "2026-12"})
    xlsx = client.get("/school/data-return/2026-12.xlsx")
    # then
    html = page.content.decode()
    assert own.student.name in html and other.student.name not in html
    rows = list(load_workbook(io.BytesIO(xlsx.content))["实习信息"].iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == [own.student.name]


def test_the_bureau_sees_every_school_and_the_province_summary(client, two_schools):
    # given
    own, other, coordinator = two_schools
    bureau = UserFactory(role=Role.BUREAU)
    client.force_login(bureau)
    # when
    page = client.get("/bureau/yearly-reports/", {"year": 2026})
    docx = client.get(f"/bureau/yearly-reports/{other.pilot.pk}/2026.docx")
    # then
    html = page.content.decode()
    assert own.pilot.school.name in html and other.pilot.school.name in html
    assert 'data-testid="province-summary"' in html
    assert docx.status_code == 200
    client.force_login(coordinator)
    assert client.get("/bureau/yearly-reports/").status_code == 403


@pytest.mark.parametrize("role", [Role.HR, Role.STUDENT])
def test_companies_and_students_open_no_report_page(client, two_schools, role):
    # given
    own, _other, _coordinator = two_schools
    links = {
        Role.HR: {"company": own.post.company},
        Role.STUDENT: {"student": own.student, "school": own.student.school},
    }
    client.force_login(UserFactory(role=role, **links[role]))
    # when / then
    for url in (
        "/school/yearly-report/",
        "/school/data-return/",
        f"/school/yearly-report/{own.pilot.pk}/2026.pdf",
    ):
        assert client.get(url).status_code == 403


def test_the_api_yearly_report_and_summary(api_client_for, two_schools):
    # given
    own, other, coordinator = two_schools
    client = api_client_for(coordinator)
    # when
    mine = client.get(f"/api/v1/yearly-reports/{own.pilot.pk}/", {"year": 2026})
    theirs = client.get(f"/api/v1/yearly-reports/{other.pilot.pk}/", {"year": 2026})
    summary = api_client_for(UserFactory(role=Role.BUREAU)).get(
        "/api/v1/yearly-report-summary/", {"year": 2026}
    )
    # then
    assert mine.status_code == 200 and mine.json()["recruited"] == 1
    assert theirs.status_code == 404
    body = summary.json()
    assert {r["school"] for r in body["rows"]} == {own.pilot.school.name, other.pilot.school.name}
    assert body["total"]["recruited"] == 2
    assert client.get("/api/v1/yearly-report-summary/").status_code == 403
