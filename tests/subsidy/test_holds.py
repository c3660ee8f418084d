"""Holds registered by the apps that own them: the rules app's unresolved violations and the signing app's unsealed
agreements hold a claim through their own selectors, and a check that goes missing fails loudly instead of
releasing money."""

import datetime
import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import timezone

from backend.core.errors import ApplicationError
from backend.rules.models import Severity, Violation, ViolationStatus
from backend.subsidy import holds
from backend.subsidy.models import ClaimEvent
from backend.subsidy.services import claim_approve, subsidy_sweep
from tests.factories.accounts import CoordinatorFactory
from tests.factories.subsidy import PilotBudgetFactory, accrued_claim, covered_placement

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 28)


def violation(placement, severity=Severity.VIOLATION, rule_code="DAILY_HOURS"):
    now = timezone.now()
    return Violation.objects.create(
        placement=placement,
        rule_code=rule_code,
        period_start=datetime.date(2026, 11, 2),
        period_end=datetime.date(2026, 11, 2),
        figures={"actual_minutes": 600, "limit_minutes": 480},
        severity=severity,
        first_seen=now,
        last_seen=now,
        policy_code="default",
    )


def test_each_hold_is_registered_by_the_app_that_owns_it():
    assert holds.registered_check("SERIOUS_VIOLATION_OPEN").__module__ == "backend.rules.holds"
    assert holds.registered_check("AGREEMENT_NOT_SEALED").__module__ == "backend.signing.holds"
    assert holds.missing_hold_checks() == []


def test_an_open_violation_holds_the_claim_until_the_school_resolves_it(api_client_for, bureau):
    # given a claim nothing holds
    placement = covered_placement()
    claim = accrued_claim(placement=placement, actor=bureau)
    PilotBudgetFactory(pilot=claim.pilot, year=claim.budget_year)
    assert not claim.held
    # when the audit finds a violation on the placement
    found = violation(placement)
    subsidy_sweep(as_of=TODAY)
    # then the claim is held with the violation named, and approval is refused
    claim.refresh_from_db()
    assert claim.held
    assert [(r["code"], r["details"]) for r in claim.hold_reasons] == [
        ("SERIOUS_VIOLATION_OPEN", {"violations": [found.pk]})
    ]
    with pytest.raises(ApplicationError) as refused:
        claim_approve(claim=claim, actor=bureau)
    assert refused.value.code == "CLAIM_HELD"
    # acknowledging is not resolving: still held
    school = api_client_for(CoordinatorFactory(school=placement.pilot.school))
    assert school.post(f"/api/v1/violations/{found.pk}/acknowledge/", {"note": "已知悉"}).status_code == 200
    subsidy_sweep(as_of=TODAY)
    claim.refresh_from_db()
    assert claim.held
    # when the school resolves it, the sweep releases the claim
    answer = school.post(f"/api/v1/violations/{found.pk}/resolve/", {"note": "已调整排班"})
    assert answer.status_code == 200, answer.json()
    assert Violation.objects.get(pk=found.pk).status == ViolationStatus.RESOLVED
    subsidy_sweep(as_of=TODAY)
    claim.refresh_from_db()
    assert not claim.held and claim.hold_reasons == []
    assert claim_approve(claim=claim, actor=bureau).status == "approved"


def test_a_warning_never_holds_money(bureau):
    placement = covered_placement()
    violation(placement, severity=Severity.WARNING, rule_code="MENTOR_RATIO")
    claim = accrued_claim(placement=placement, actor=bureau)
    assert not claim.held


def test_a_check_gone_missing_fails_loudly_and_releases_nothing(bureau):
    # given a claim held by an open violation
    placement = covered_placement()
    violation(placement)
    claim = accrued_claim(placement=placement, actor=bureau)
    PilotBudgetFactory(pilot=claim.pilot, year=claim.budget_year)
    assert claim.held
    releases = ClaimEvent.objects.filter(claim=claim, action="release").count()
    # when the rules app's check is no longer registered (a rename, a lost import)
    rules_check = holds.registered_check("SERIOUS_VIOLATION_OPEN")
    holds.unregister_hold_check("SERIOUS_VIOLATION_OPEN")
    try:
        # then the sweep and the approval refuse to run, the system check names it, and nothing is released
        with pytest.raises(ImproperlyConfigured, match="SERIOUS_VIOLATION_OPEN"):
            subsidy_sweep(as_of=TODAY)
        with pytest.raises(ImproperlyConfigured):
            claim_approve(claim=claim, actor=bureau)
        with pytest.raises(SystemCheckError, match="subsidy.E001"):
            call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
        claim.refresh_from_db()
        assert claim.held
        assert ClaimEvent.objects.filter(claim=claim, action="release").count() == releases
    finally:
        holds.register_hold_check("SERIOUS_VIOLATION_OPEN")(rules_check)
    call_command("check", stdout=io.StringIO())
