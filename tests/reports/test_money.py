"""Money in the yearly report: every amount with exactly two decimals (exact Decimal, quantized half up), the
ledger's grant headings as the school's own lines, on the page, in the bureau's summary and in the docx."""

import datetime
import io
from decimal import Decimal

import pytest
from docx import Document

from backend.accounts.models import Role
from backend.reports import documents, selectors
from backend.reports.selectors import FundsRow, yuan
from tests.factories.accounts import UserFactory
from tests.factories.placements import PilotProjectFactory
from tests.factories.reports import FundsLineFactory

pytestmark = pytest.mark.django_db


def test_yuan_is_two_decimals_rounded_half_up():
    assert [str(yuan(v)) for v in (Decimal("5000"), 3000, Decimal("0.005"), Decimal("12.344"))] == [
        "5000.00",
        "3000.00",
        "0.01",
        "12.34",
    ]


@pytest.fixture
def whole_grants(monkeypatch):
    """The ledger's headings come as whole yuan (5000-yuan grants: 3000 + 2000), the school's line with fen."""
    pilot = PilotProjectFactory(year=2026)
    FundsLineFactory(pilot=pilot, heading="学校配套经费", received=Decimal("12000.50"), spent=Decimal("0"))
    monkeypatch.setattr(
        selectors,
        "subsidy_funds",
        lambda *, pilot, year: [
            FundsRow("学徒补助：带徒师傅奖励", Decimal("3000"), Decimal("1500"), "subsidy"),
            FundsRow("学徒补助：企业水电、耗材", Decimal("2000"), Decimal("0.005"), "subsidy"),
        ],
    )
    return pilot


def test_the_figures_hold_two_decimal_amounts(whole_grants):
    # when
    figures = selectors.yearly_figures(pilot=whole_grants, year=2026, as_of=datetime.date(2026, 12, 1))
    # then
    assert [(str(f.received), str(f.spent)) for f in figures.funds] == [
        ("3000.00", "1500.00"),
        ("2000.00", "0.01"),
        ("12000.50", "0.00"),
    ]
    assert (str(figures.funds_received), str(figures.funds_spent)) == ("17000.50", "1500.01")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_page_and_the_bureaus_summary_show_two_decimals(client, whole_grants, language):
    # given
    client.cookies["django_language"] = language
    client.force_login(UserFactory(role=Role.COORDINATOR, school=whole_grants.school))
    # when
    page = client.get("/school/yearly-report/", {"pilot": whole_grants.pk, "year": 2026}).content.decode()
    client.force_login(UserFactory(role=Role.BUREAU))
    summary = client.get("/bureau/yearly-reports/", {"year": 2026}).content.decode()
    # then
    for text in ("<td>3000.00</td><td>1500.00</td>", "<td>2000.00</td><td>0.01</td>", "<td>12000.50</td>"):
        assert text in page
    assert 'data-testid="funds-received">17000.50<' in page and 'data-testid="funds-spent">1500.01<' in page
    assert "<td>17000.50</td><td>1500.01</td>" in summary


def test_the_docx_shows_two_decimals(whole_grants):
    # given
    figures = selectors.yearly_figures(pilot=whole_grants, year=2026, as_of=datetime.date(2026, 12, 1))
    # when
    doc = Document(io.BytesIO(documents.yearly_report_docx(figures, generated_on=figures.as_of)))
    rows = [" | ".join(c.text for c in r.cells) for t in doc.tables for r in t.rows]
    # then
    assert any(r.startswith("学徒补助：带徒师傅奖励 | 3000.00 | 1500.00") for r in rows)
    assert any(r.startswith("学徒补助：企业水电、耗材 | 2000.00 | 0.01") for r in rows)
    assert any(r.startswith("学校配套经费 | 12000.50 | 0.00") for r in rows)
    assert any(r.startswith("合计 | 17000.50 | 1500.01") for r in rows)
