"""The monthly statement reports the figures as they stood at the month's end, not as of the day it is read."""

import datetime
from decimal import Decimal

import pytest

from backend.core.clock import RULES_ZONE
from backend.subsidy.selectors import company_ids_with_claims, month_end
from backend.subsidy.services import batch_pay, claim_approve, pilot_budget_set, subsidy_statement_text
from tests.factories.companies import PostFactory
from tests.factories.placements import PilotProjectFactory
from tests.factories.subsidy import accrued_claim, covered_placement

pytestmark = pytest.mark.django_db


def at(day: str) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(10), tzinfo=RULES_ZONE)


def test_month_end_is_the_first_instant_of_the_next_month_in_the_rules_zone():
    assert month_end(datetime.date(2026, 11, 17)) == datetime.datetime(2026, 12, 1, tzinfo=RULES_ZONE)
    assert month_end(datetime.date(2026, 12, 1)) == datetime.datetime(2027, 1, 1, tzinfo=RULES_ZONE)


def test_the_statement_counts_what_was_accrued_approved_and_paid_by_the_months_end(bureau):
    # given one company's two claims: the first accrued in October, approved in November, paid in December;
    # the second accrued in December
    post = PostFactory()
    pilot = PilotProjectFactory(companies=[post.company])
    first = accrued_claim(
        placement=covered_placement(pilot=pilot, post=post), actor=bureau, now=at("2026-10-15")
    )
    second = accrued_claim(
        placement=covered_placement(pilot=pilot, post=post), actor=bureau, now=at("2026-12-02")
    )
    pilot_budget_set(pilot=pilot, year=first.budget_year, amount=Decimal("50000.00"), actor=bureau)
    claim_approve(claim=first, actor=bureau, now=at("2026-11-10"))
    batch_pay(
        claims=[first],
        reference="国库支付-月末",
        paid_on=datetime.date(2026, 12, 5),
        actor=bureau,
        now=at("2026-12-05"),
    )
    company = post.company
    # when the statements of October, November and December are written (today, after all of it)
    october = subsidy_statement_text(company=company, month=datetime.date(2026, 10, 1))[1]
    november = subsidy_statement_text(company=company, month=datetime.date(2026, 11, 1))[1]
    december = subsidy_statement_text(company=company, month=datetime.date(2026, 12, 1))[1]
    # then each shows its own month's end
    assert "已计提(未冲销): 1 人, 5000.00 元" in october
    assert "已审批(含已拨付): 0.00 元" in october
    assert "已计提(未冲销): 1 人, 5000.00 元" in november
    assert "已审批(含已拨付): 5000.00 元" in november
    assert "已拨付: 0.00 元" in november
    assert f"{first.mentor.name}: 3000.00 元 (已拨付 0.00 元)" in november
    assert second.mentor.name not in november
    assert "已计提(未冲销): 2 人, 10000.00 元" in december
    assert "已拨付: 5000.00 元" in december
    assert f"{first.mentor.name}: 3000.00 元 (已拨付 3000.00 元)" in december
    # and the monthly job writes to a company only from the month its first claim was accrued
    assert company.pk not in company_ids_with_claims(until=month_end(datetime.date(2026, 9, 1)))
    assert company.pk in company_ids_with_claims(until=month_end(datetime.date(2026, 10, 1)))


def test_a_hold_counts_from_the_moment_it_was_set(bureau):
    # given a claim accrued last month whose hold (missing insurance) is set now, when it is evaluated
    from backend.core.clock import local_today
    from tests.factories.placements import PlacementFactory
    from tests.factories.subsidy import seal

    this_month = local_today().replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    placement = PlacementFactory(active=True)
    seal(placement)
    claim = accrued_claim(placement=placement, actor=bureau, now=at(last_month.isoformat()))
    assert claim.held
    company = placement.post.company
    # then last month's statement shows it accrued and not held; this month's shows it held, with its reason
    before = subsidy_statement_text(company=company, month=last_month)[1]
    now = subsidy_statement_text(company=company, month=this_month)[1]
    assert "已计提(未冲销): 1 人, 5000.00 元" in before and "暂缓: 0 人" in before
    assert "暂缓: 1 人, 5000.00 元" in now
    assert f"暂缓: {claim.student.name} - 实习责任保险或工伤保险未覆盖整个学徒期" in now
