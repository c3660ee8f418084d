"""Subsidy factories. Claims are made through the service (`accrued_claim`), never as bare rows, so that the
ledger always holds their entries; `covered_placement` gives a placement whose claim is not held."""

import datetime
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from backend.placements.models import InsuranceKind, Placement
from backend.subsidy.models import PilotBudget, SubsidyPolicy, SubsidyTrigger

from .assessments import AssessmentFactory
from .placements import InsurancePolicyFactory, PlacementFactory


class SubsidyPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubsidyPolicy
        django_get_or_create = ("valid_from",)

    name = factory.Sequence(lambda n: f"学徒补助政策{n}")
    valid_from = datetime.date(2026, 1, 1)
    mentor_reward = Decimal("3000.00")
    company_costs = Decimal("2000.00")
    trigger = SubsidyTrigger.ASSESSMENT_PASSED


class PilotBudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PilotBudget

    pilot = factory.SubFactory("tests.factories.placements.PilotProjectFactory")
    year = 2026
    amount = Decimal("50000.00")


def insure(
    placement: Placement, kinds: tuple[str, ...] = (InsuranceKind.LIABILITY, InsuranceKind.WORK_INJURY)
) -> None:
    for kind in kinds:
        InsurancePolicyFactory(placement=placement, kind=kind)


def seal(placement: Placement) -> None:
    """Record the placement's agreement as signed and sealed, as bare rows (no document is rendered or signed:
    the signing app's own tests do that). `backend.signing.selectors.agreement_is_sealed` then answers True."""
    from backend.agreements.models import AgreementStatus
    from backend.signing.models import EnvelopeStatus, SealedAgreement, SigningEnvelope

    from .agreements import agreement_rows

    revision, digest = agreement_rows(
        placement, tag="SEALED", status=AgreementStatus.SIGNED, template_number=9999
    )
    envelope = SigningEnvelope.objects.create(revision=revision, status=EnvelopeStatus.SEALED)
    SealedAgreement.objects.create(
        envelope=envelope,
        pdf="agreements/sealed/test.pdf",
        sha256=digest,
        unsigned_sha256=digest,
        certificate_sha256=digest,
        sealed_at=timezone.now(),
    )


def covered_placement(**kwargs: Any) -> Placement:
    """An active placement with a sealed agreement and both insurances over its whole period: nothing holds its
    claim."""
    kwargs.setdefault("active", True)
    placement = PlacementFactory(**kwargs)
    insure(placement)
    seal(placement)
    return placement


def passed_assessment(placement: Placement | None = None, **kwargs: Any) -> Any:
    from backend.subsidy.services import subsidy_policy_ensure_default

    subsidy_policy_ensure_default()  # a transactional test's flush removes the policy seeded by the migration
    placement = placement or covered_placement()
    return AssessmentFactory(placement=placement, passed=True, **kwargs)


def accrued_claim(placement: Placement | None = None, actor: Any = None, now: Any = None) -> Any:
    from backend.subsidy.services import claim_accrue

    assessment = passed_assessment(placement)
    claim, _ = claim_accrue(placement=assessment.placement, assessment=assessment, actor=actor, now=now)
    return claim
