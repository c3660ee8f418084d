"""The subsidy API: isolation per organisation, approval and payment by the bureau, exports, reports, reconciliation."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from backend.subsidy.models import ClaimStatus
from tests.factories.accounts import CoordinatorFactory, HrFactory, MentorUserFactory
from tests.factories.placements import PilotProjectFactory
from tests.factories.subsidy import PilotBudgetFactory, accrued_claim, covered_placement, seal

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_tenants(bureau):
    """Two schools' pilots, each with one company and one claim."""
    a = accrued_claim(actor=bureau)
    b = accrued_claim(actor=bureau)
    return a, b


def test_a_company_sees_only_its_own_claims_and_gets_404_for_another(api_client_for, two_tenants):
    a, b = two_tenants
    client = api_client_for(HrFactory(company=a.company))
    listed = client.get("/api/v1/subsidy-claims/").json()["results"]
    assert [c["id"] for c in listed] == [a.pk]
    assert listed[0]["mentor_amount"] == "3000.00" and listed[0]["mentor_name"] == a.mentor.name
    assert client.get(f"/api/v1/subsidy-claims/{b.pk}/").status_code == 404
    assert client.get(f"/api/v1/subsidy-claims/{b.pk}/events/").status_code == 404


def test_a_school_sees_its_pilots_a_mentor_his_rewards_the_bureau_everything(
    api_client_for, bureau, two_tenants
):
    a, b = two_tenants
    school = api_client_for(CoordinatorFactory(school=a.pilot.school))
    assert [c["id"] for c in school.get("/api/v1/subsidy-claims/").json()["results"]] == [a.pk]
    assert school.get(f"/api/v1/subsidy-claims/{b.pk}/").status_code == 404
    mentor = api_client_for(MentorUserFactory(mentor=b.mentor))
    assert [c["id"] for c in mentor.get("/api/v1/subsidy-claims/").json()["results"]] == [b.pk]
    everyone = api_client_for(bureau).get("/api/v1/subsidy-claims/").json()["results"]
    assert {c["id"] for c in everyone} == {a.pk, b.pk}


def test_exports_are_scoped_too(api_client_for, two_tenants):
    a, b = two_tenants
    client = api_client_for(HrFactory(company=a.company))
    # XLSX claim sheet
    response = client.get("/api/v1/subsidy-claims/export-xlsx/")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws["A1"].value == "学徒补助申领明细表"
    assert [c.value for c in ws[2]][:6] == [
        "序号",
        "试点项目",
        "学校",
        "企业",
        "统一社会信用代码",
        "学徒姓名",
    ]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]
    assert [r[5] for r in rows[:-1]] == [a.student.name]
    assert b.student.name not in str(rows)
    # the resident ID is masked, the totals row adds up
    assert "********" in rows[0][6]
    assert rows[-1][0] == "合计" and rows[-1][9:12] == [3000, 2000, 5000]
    # CSV, with a BOM for Excel
    text = client.get("/api/v1/subsidy-claims/export-csv/").content.decode("utf-8")
    assert text.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert parsed[0][0] == "序号" and [r[5] for r in parsed[1:]] == [a.student.name]
    assert parsed[1][9:12] == ["3000.00", "2000.00", "5000.00"]


def test_the_bureau_approves_and_pays_through_the_api_and_others_may_not(api_client_for, bureau):
    claim = accrued_claim(actor=bureau)
    PilotBudgetFactory(pilot=claim.pilot, year=claim.budget_year)
    hr = api_client_for(HrFactory(company=claim.company))
    assert hr.post(f"/api/v1/subsidy-claims/{claim.pk}/approve/").status_code == 403
    client = api_client_for(bureau)
    approved = client.post(f"/api/v1/subsidy-claims/{claim.pk}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == ClaimStatus.APPROVED
    paid = client.post(
        "/api/v1/subsidy-batches/",
        {"claims": [claim.pk], "reference": "国库支付2026-0001", "paid_on": "2026-11-28"},
        format="json",
    )
    assert paid.status_code == 201, paid.json()
    assert paid.json()["total"] == "5000.00"
    detail = client.get(f"/api/v1/subsidy-claims/{claim.pk}/").json()
    assert detail["status"] == "paid" and detail["payment_reference"] == "国库支付2026-0001"
    # the company sees its batch, with only its own claims in it; another company does not see it at all
    batch_id = paid.json()["id"]
    assert hr.get(f"/api/v1/subsidy-batches/{batch_id}/").json()["claims"] == [claim.pk]
    assert api_client_for(HrFactory()).get(f"/api/v1/subsidy-batches/{batch_id}/").status_code == 404


def test_a_held_claim_is_refused_with_its_reasons(api_client_for, bureau):
    from tests.factories.placements import PlacementFactory

    placement = PlacementFactory(active=True)  # sealed, but no insurance
    seal(placement)
    claim = accrued_claim(placement=placement, actor=bureau)
    PilotBudgetFactory(pilot=claim.pilot, year=claim.budget_year)
    response = api_client_for(bureau).post(f"/api/v1/subsidy-claims/{claim.pk}/approve/")
    assert response.status_code == 409
    body = response.json()["error"]
    assert body["code"] == "CLAIM_HELD" and "保险" in body["message"]
    assert body["details"]["reasons"][0]["code"] == "INSURANCE_NOT_COVERED"


def test_reports_by_pilot_company_mentor_and_year_with_budget_left(api_client_for, bureau):
    pilot = PilotProjectFactory()
    first = accrued_claim(placement=covered_placement(pilot=pilot), actor=bureau)
    accrued_claim(placement=covered_placement(pilot=pilot), actor=bureau)
    PilotBudgetFactory(pilot=pilot, year=first.budget_year, amount=Decimal("12000.00"))
    client = api_client_for(bureau)
    client.post(f"/api/v1/subsidy-claims/{first.pk}/approve/")
    [row] = client.get(f"/api/v1/subsidy-reports/?by=pilot&year={first.budget_year}").json()
    assert (row["granted"], row["approved"], row["waiting"], row["budget"], row["budget_left"]) == (
        "10000.00",
        "5000.00",
        "5000.00",
        "12000.00",
        "7000.00",
    )
    mentors = client.get("/api/v1/subsidy-reports/?by=mentor").json()
    assert {r["granted"] for r in mentors} == {"3000.00"}  # the mentor's reward, not the whole grant
    assert client.get("/api/v1/subsidy-reports/?by=nonsense").status_code == 400
    csv_text = client.get("/api/v1/subsidy-reports/export-csv/?by=company").content.decode()
    assert "已计提" in csv_text and first.company.name in csv_text
    # a company's report holds only its own figures
    hr_rows = (
        api_client_for(HrFactory(company=first.company)).get("/api/v1/subsidy-reports/?by=company").json()
    )
    assert [r["label"] for r in hr_rows] == [first.company.name]


def test_reconciliation_api_for_the_bureau_and_the_management_command(api_client_for, bureau, hr):
    accrued_claim(actor=bureau)
    report = api_client_for(bureau).get("/api/v1/subsidy-reconciliation/").json()
    assert report["ok"] is True
    assert {c["name"] for c in report["checks"]} == {
        "ledger_balanced",
        "claims_match_ledger",
        "paid_traces_to_passed_assessment",
        "budgets_respected",
    }
    assert api_client_for(hr).get("/api/v1/subsidy-reconciliation/").status_code == 403
    out = io.StringIO()
    call_command("reconcile_ledger", stdout=out)
    assert "ledger reconciles" in out.getvalue()


def test_the_ledger_is_not_exposed_to_companies_or_schools(api_client_for, hr, coordinator):
    # no ledger endpoint exists outside reconciliation; budgets are visible to the pilot's school only
    budget = PilotBudgetFactory()
    assert api_client_for(hr).get(f"/api/v1/subsidy-budgets/{budget.pk}/").status_code == 404
    school = api_client_for(CoordinatorFactory(school=budget.pilot.school))
    assert school.get(f"/api/v1/subsidy-budgets/{budget.pk}/").status_code == 200
    assert api_client_for(coordinator).get(f"/api/v1/subsidy-budgets/{budget.pk}/").status_code == 404


def test_the_bureau_sets_a_budget_through_the_api_and_a_school_may_not(api_client_for, bureau):
    pilot = PilotProjectFactory()
    client = api_client_for(bureau)
    first = client.post(
        "/api/v1/subsidy-budgets/", {"pilot": pilot.pk, "year": 2026, "amount": "50000.00"}, format="json"
    )
    assert first.status_code == 201, first.json()
    raised = client.post(
        "/api/v1/subsidy-budgets/", {"pilot": pilot.pk, "year": 2026, "amount": "60000.00"}, format="json"
    )
    assert raised.status_code == 201 and raised.json()["id"] == first.json()["id"]
    assert raised.json()["amount"] == "60000.00"
    school = api_client_for(CoordinatorFactory(school=pilot.school))
    refused = school.post(
        "/api/v1/subsidy-budgets/", {"pilot": pilot.pk, "year": 2027, "amount": "1.00"}, format="json"
    )
    assert refused.status_code == 403
