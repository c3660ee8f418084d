"""The yearly report (年检自检报告): its figures match the database, the docx shows them, LibreOffice makes a PDF."""

import datetime
import io
import subprocess
from decimal import Decimal

import pytest
import time_machine
from docx import Document

from backend.accounts.models import Role
from backend.agreements.models import Agreement
from backend.placements.models import PlacementStatus
from backend.reports import documents, selectors
from backend.rules.models import ViolationStatus
from backend.subsidy.models import Claim, ClaimStatus
from backend.subsidy.services import batch_pay, claim_approve
from tests.factories.accounts import UserFactory
from tests.factories.companies import PostFactory
from tests.factories.placements import PilotProjectFactory, PlacementFactory, PlacementStageFactory
from tests.factories.reports import FundsLineFactory, YearlyReportTextFactory
from tests.factories.rules import ViolationFactory
from tests.factories.subsidy import PilotBudgetFactory, accrued_claim, covered_placement

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 1)


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


@pytest.fixture
def pilot_year():
    """A pilot in 2026: three apprentices started this year at two companies (one of them completed), one only
    proposed, one started last year; violations, a paid grant, an approved one, and the school's own funds."""
    with time_machine.travel(datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC), tick=False):
        pilot = PilotProjectFactory(year=2026)
        post_a, post_b = PostFactory(), PostFactory()
        started = [
            covered_placement(pilot=pilot, post=post_a, start_date=datetime.date(2026, 3, 1)),
            covered_placement(pilot=pilot, post=post_a, start_date=datetime.date(2026, 3, 1)),
            PlacementFactory(
                pilot=pilot,
                post=post_b,
                status=PlacementStatus.COMPLETED,
                start_date=datetime.date(2026, 2, 1),
                end_date=datetime.date(2026, 7, 31),
            ),
        ]
        PlacementFactory(pilot=pilot, post=post_b, start_date=datetime.date(2026, 9, 1))  # proposed only
        earlier = PlacementFactory(
            pilot=pilot, post=post_b, active=True, start_date=datetime.date(2025, 9, 1)
        )  # active this year, recruited last year
        PlacementStageFactory(
            placement=started[0],
            number=1,
            company_start=datetime.date(2026, 3, 1),
            company_end=datetime.date(2026, 3, 31),
        )
        PlacementStageFactory(
            placement=started[1],
            number=1,
            company_start=datetime.date(2026, 11, 1),
            company_end=datetime.date(2026, 12, 20),  # not done yet on 1 December
        )
        bureau = UserFactory(role=Role.BUREAU)
        PilotBudgetFactory(pilot=pilot, year=2026)
        paid = claim_approve(claim=accrued_claim(placement=started[0]), actor=bureau)
        batch_pay(claims=[paid], reference="PAY-2026-1", paid_on=TODAY, actor=bureau)
        claim_approve(claim=accrued_claim(placement=started[1]), actor=bureau)
        ViolationFactory(placement=started[0], status=ViolationStatus.RESOLVED)
        ViolationFactory(placement=started[1])
        ViolationFactory(placement=started[1], rule_code="NIGHT_WORK")
        FundsLineFactory(
            pilot=pilot, heading="学校配套经费", received=Decimal("12000.00"), spent=Decimal("7345.67")
        )
        YearlyReportTextFactory(
            pilot=pilot, problems="师傅带徒经验不足。\n个别企业排班偏紧。", measures="开展师傅培训。"
        )
        # another pilot's rows never count
        other = covered_placement(start_date=datetime.date(2026, 3, 1))
        ViolationFactory(placement=other)
    return pilot, started, earlier


def test_the_figures_match_the_database(pilot_year):
    # given
    pilot, started, earlier = pilot_year
    claims = Claim.objects.filter(pilot=pilot, budget_year=2026)
    paid = [c for c in claims if c.status == ClaimStatus.PAID]
    # when
    figures = selectors.yearly_figures(pilot=pilot, year=2026, as_of=TODAY)
    # then
    assert figures.recruited == 3
    assert figures.active == 3  # the two started this year and the one from last year
    assert figures.companies == 2
    assert figures.posts == 2
    assert figures.stages_done == 1
    assert (
        figures.agreements_signed
        == Agreement.objects.filter(placement__in=started, status="signed").count()
        == 2
    )
    assert [(v["rule_code"], v["total"], v["resolved"], v["open"]) for v in figures.violations] == [
        ("DAILY_HOURS", 2, 1, 1),
        ("NIGHT_WORK", 1, 0, 1),
    ]
    assert figures.assessments_passed == 2
    mentor, company, school = figures.funds
    assert (mentor.received, mentor.spent) == (Decimal("6000.00"), sum(c.mentor_amount for c in paid))
    assert (company.received, company.spent) == (Decimal("4000.00"), Decimal("2000.00"))
    assert (school.heading, school.received, school.spent) == (
        "学校配套经费",
        Decimal("12000.00"),
        Decimal("7345.67"),
    )
    assert figures.funds_received == Decimal("22000.00")
    assert figures.funds_spent == Decimal("12345.67")


def test_the_docx_shows_the_figures_counted_in_the_database(pilot_year):
    # given
    pilot, _started, _earlier = pilot_year
    figures = selectors.yearly_figures(pilot=pilot, year=2026, as_of=TODAY)
    # when
    text = docx_text(documents.yearly_report_docx(figures, generated_on=TODAY))
    # then every figure is there, counted again here from the rows
    assert f"{pilot.school.name}" in text and "2026年度年检自检报告" in text
    assert "本年度招收学徒3人，年度内在岗学徒3人" in text
    assert "其中接收学徒的企业2家、学徒岗位2个；完成在企培养阶段1个；签订学徒培养协议2份" in text
    assert "合格2人" in text
    assert "DAILY_HOURS | 每日工时 | 2 | 1 | 0 | 1" in text
    assert "NIGHT_WORK | 夜班 | 1 | 0 | 0 | 1" in text
    assert "学徒补助：带徒师傅奖励 | 6000.00 | 3000.00" in text
    assert "学徒补助：企业水电、耗材 | 4000.00 | 2000.00" in text
    assert "学校配套经费 | 12000.00 | 7345.67" in text
    assert "合计 | 22000.00 | 12345.67" in text
    assert "师傅带徒经验不足。" in text and "个别企业排班偏紧。" in text
    assert "{{" not in text and "{%" not in text


def test_a_report_without_text_says_so_instead_of_leaving_a_gap():
    # given a pilot with nothing written
    pilot = PilotProjectFactory()
    figures = selectors.yearly_figures(pilot=pilot, year=2026, as_of=TODAY)
    # when
    text = docx_text(documents.yearly_report_docx(figures, generated_on=TODAY))
    # then
    assert text.count(documents.NOTHING_WRITTEN) == 3
    assert "本年度招收学徒0人" in text


def test_the_report_converts_to_pdf_with_libreoffice(pilot_year):
    # given
    pilot, _started, _earlier = pilot_year
    figures = selectors.yearly_figures(pilot=pilot, year=2026, as_of=TODAY)
    # when
    pdf = documents.yearly_report_pdf(figures, generated_on=TODAY)
    # then
    assert pdf.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "年检自检报告" in text
    assert "12345.67" in text
