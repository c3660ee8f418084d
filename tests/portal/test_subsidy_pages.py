"""Subsidy pages: the school's claims and export, the company's statement and mentors' rewards, the bureau's table."""

import io
from decimal import Decimal

import openpyxl
import pytest

from tests.factories.accounts import BureauFactory, CoordinatorFactory, HrFactory
from tests.factories.subsidy import SubsidyPolicyFactory, accrued_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def claims():
    SubsidyPolicyFactory()
    return accrued_claim(), accrued_claim()


def test_coordinator_sees_own_schools_claims_and_exports_only_them(client, claims):
    # given
    mine, theirs = claims
    client.force_login(CoordinatorFactory(school=mine.pilot.school))
    # when
    page = client.get("/school/subsidy/")
    xlsx = client.get("/school/subsidy/claims.xlsx")
    # then
    assert [c.pk for c in page.context["page"]] == [mine.pk]
    assert page.context["totals"]["granted"] == Decimal("5000.00")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    names = [row[5] for row in sheet.iter_rows(min_row=3, values_only=True) if row[0] != "合计"]
    assert names == [mine.student.name]
    assert client.get("/school/subsidy/claims.pdf").status_code == 404


def test_school_dashboard_shows_the_years_granted_subsidy(client, claims):
    mine, _ = claims
    client.force_login(CoordinatorFactory(school=mine.pilot.school))
    series = client.get("/school/").context["subsidy"]
    assert series.total == Decimal("5000.00")
    assert dict(zip(series.keys, series.values, strict=True)) == {"granted": Decimal("5000.00"), "paid": 0}


def test_hr_sees_statement_and_mentor_rewards_of_its_own_company(client, claims):
    mine, theirs = claims
    client.force_login(HrFactory(company=mine.company))
    page = client.get("/company/subsidy/")
    assert [r["label"] for r in page.context["mentors"]] == [mine.mentor.name]
    assert page.context["mentors"][0]["granted"] == Decimal("3000.00")
    body = page.content.decode()
    assert mine.company.name in body and mine.student.name in body and theirs.student.name not in body
    csv_text = client.get("/company/subsidy/claims.csv").content.decode("utf-8-sig")
    assert mine.student.name in csv_text and theirs.student.name not in csv_text


def test_bureau_sees_subsidies_by_pilot_across_schools_and_exports_them(client, claims):
    client.force_login(BureauFactory())
    rows = client.get("/bureau/").context["subsidies"]
    assert {r["pilot"] for r in rows} == {c.pilot.name for c in claims}
    assert {r["school"] for r in rows} == {c.pilot.school.name for c in claims}
    text = client.get("/bureau/export/subsidies.csv").content.decode("utf-8-sig")
    assert all(c.pilot.name in text for c in claims)
