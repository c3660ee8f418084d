"""Every CSV and XLSX export neutralises formulas in every text field, and keeps numbers and dates as such.

Names are written straight into the rows (as data imported before names were cleaned would be), one dangerous prefix
per claim and per field, then every export is downloaded by the bureau, the school and the company, the XLSX opened
with openpyxl and the CSV parsed."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from backend.subsidy.services import batch_pay, claim_approve
from tests.factories.accounts import BureauFactory, CoordinatorFactory, HrFactory
from tests.factories.subsidy import PilotBudgetFactory, SubsidyPolicyFactory, accrued_claim

pytestmark = pytest.mark.django_db

PAYLOADS = [
    '=HYPERLINK("http://evil.example/","点我")',
    "+1+1公司",
    "-2+3",
    "@SUM(1+1)*cmd|/C calc!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\n")


@pytest.fixture
def hostile_claims(bureau):
    """Seven claims of one pilot, each with its company, student and mentor names starting with one dangerous prefix;
    the pilot and the school carry one too."""
    SubsidyPolicyFactory()
    first = accrued_claim(actor=bureau)
    claims = [first]
    for _ in PAYLOADS[1:]:
        claims.append(accrued_claim(actor=bureau, placement=_same_school_placement(first)))
    for claim, payload in zip(claims, PAYLOADS, strict=True):
        for obj in (claim.company, claim.student, claim.mentor):
            type(obj).objects.filter(pk=obj.pk).update(name=payload + type(obj).__name__)
    type(first.pilot).objects.filter(pk=first.pilot_id).update(name=PAYLOADS[3] + "PilotProject")
    school = first.pilot.school
    type(school).objects.filter(pk=school.pk).update(name=PAYLOADS[0] + "学校")
    # one claim paid under a hostile reference, on a date
    PilotBudgetFactory(pilot=first.pilot, year=first.budget_year, amount=Decimal("100000.00"))
    claim_approve(claim=first, actor=bureau)
    batch_pay(actor=bureau, claims=[first], reference="=1+2", paid_on=datetime.date(2026, 11, 28), note="")
    return claims


def _same_school_placement(claim):
    from tests.factories.subsidy import covered_placement

    return covered_placement(pilot=claim.pilot)


def _assert_no_formula_in_xlsx(content: bytes) -> list[list[object]]:
    workbook = load_workbook(io.BytesIO(content))
    rows = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(DANGEROUS), (cell.coordinate, cell.value)
            rows.append([c.value for c in row])
    return rows


def _assert_no_formula_in_csv(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    for row in rows:
        for field in row:
            assert not field.startswith(DANGEROUS), field
    return rows


def test_the_claim_sheets_hold_no_formula_and_keep_numbers_and_dates(api_client_for, bureau, hostile_claims):
    first = hostile_claims[0]
    school = CoordinatorFactory(school=first.pilot.school)
    company = HrFactory(company=first.company)
    for user in (bureau, school, company):
        client = api_client_for(user)
        # when
        xlsx = client.get("/api/v1/subsidy-claims/export-xlsx/")
        csv_response = client.get("/api/v1/subsidy-claims/export-csv/")
        # then
        assert xlsx.status_code == 200 and csv_response.status_code == 200
        rows = _assert_no_formula_in_xlsx(xlsx.content)
        body = [r for r in rows[2:] if r[0] != "合计"]
        assert body, user
        names = {r[5] for r in body}
        assert "'" + PAYLOADS[0] + "Student" in names
        paid = next(r for r in body if r[16])
        assert paid[16] == "'=1+2"
        # amounts are numbers, dates are dates
        assert all(isinstance(r[9], int | float) and r[11] == 5000 for r in body)
        assert all(isinstance(r[15], datetime.datetime) for r in body)
        assert paid[17].date() == datetime.date(2026, 11, 28)  # openpyxl reads a date cell as a datetime
        parsed = _assert_no_formula_in_csv(csv_response.content)
        assert parsed[1][9:12] == ["3000.00", "2000.00", "5000.00"]
        assert "'=1+2" in [r[16] for r in parsed[1:]] and "2026-11-28" in [r[17] for r in parsed[1:]]
    # the bureau sees all seven, each prefix neutralised in every name column
    rows = _assert_no_formula_in_csv(api_client_for(bureau).get("/api/v1/subsidy-claims/export-csv/").content)
    for payload in PAYLOADS:
        for column, kind in ((3, "Company"), (5, "Student"), (7, "Mentor")):
            assert "'" + payload + kind in [r[column] for r in rows[1:]]
    assert {r[1] for r in rows[1:]} == {"'" + PAYLOADS[3] + "PilotProject"}
    assert {r[2] for r in rows[1:]} == {"'" + PAYLOADS[0] + "学校"}


@pytest.mark.parametrize("by", ["pilot", "school", "company", "mentor", "year"])
def test_the_subsidy_report_csv_holds_no_formula(api_client_for, bureau, hostile_claims, by):
    response = api_client_for(bureau).get(f"/api/v1/subsidy-reports/export-csv/?by={by}")
    assert response.status_code == 200
    rows = _assert_no_formula_in_csv(response.content)
    assert len(rows) > 1


def test_the_portal_exports_hold_no_formula(client, hostile_claims):
    first = hostile_claims[0]
    client.force_login(CoordinatorFactory(school=first.pilot.school))
    for fmt in ("xlsx", "csv"):
        response = client.get(f"/school/subsidy/claims.{fmt}")
        assert response.status_code == 200
        check = _assert_no_formula_in_xlsx if fmt == "xlsx" else _assert_no_formula_in_csv
        assert len(check(response.content)) > 3
    client.force_login(HrFactory(company=first.company))
    _assert_no_formula_in_xlsx(client.get("/company/subsidy/claims.xlsx").content)
    _assert_no_formula_in_csv(client.get("/company/subsidy/claims.csv").content)
    client.force_login(BureauFactory())
    for name in ("placements", "violations-by-rule", "violations-by-company", "subsidies"):
        xlsx = client.get(f"/bureau/export/{name}.xlsx")
        assert xlsx.status_code == 200, name
        rows = _assert_no_formula_in_xlsx(xlsx.content)
        _assert_no_formula_in_csv(client.get(f"/bureau/export/{name}.csv").content)
        if name == "subsidies":
            body = rows[1:]
            assert "'" + PAYLOADS[3] + "PilotProject" in [r[0] for r in body]
            assert all(isinstance(r[2], int | float) for r in body)  # granted, a number
        if name == "placements":
            assert "'" + PAYLOADS[0] + "学校" in [r[0] for r in rows[1:]]
