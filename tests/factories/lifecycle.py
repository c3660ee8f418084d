"""Lifecycle factories: pauses and injury reports as rows (the services are tested through their own calls), and
an agreement out for signing (bare rows, as `tests.factories.subsidy.seal` makes a sealed one)."""

import datetime
from typing import Any

import factory
from django.utils import timezone

from backend.lifecycle.models import REPORTING_HOURS, InjuryReport, InjurySeverity, Pause, PauseReason
from backend.placements.models import Placement

from .placements import PlacementFactory


class PauseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pause

    placement = factory.SubFactory(PlacementFactory, status="paused")
    start_date = datetime.date(2026, 10, 12)
    planned_end_date = datetime.date(2026, 10, 18)
    end_date = factory.SelfAttribute("planned_end_date")
    reason = PauseReason.ILLNESS


class InjuryReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InjuryReport

    placement = factory.SubFactory(PlacementFactory, active=True)
    occurred_at = factory.LazyFunction(lambda: datetime.datetime(2026, 10, 14, 2, 30, tzinfo=datetime.UTC))
    location = "二车间装配线"
    description = "搬运零件时左手被夹伤"
    treatment = "送市第一医院急诊包扎"
    severity = InjurySeverity.MODERATE
    reported_at = factory.LazyAttribute(lambda o: o.occurred_at + datetime.timedelta(hours=1))
    deadline_at = factory.LazyAttribute(lambda o: o.occurred_at + datetime.timedelta(hours=REPORTING_HOURS))


def envelope_out_for_signing(placement: Placement, *, phone: str = "13900000001") -> Any:
    """The placement's agreement sent for signing: an envelope signing, the student's request pending with an
    unused link, the school's waiting."""
    from backend.agreements.models import AgreementStatus
    from backend.signing.models import (
        EnvelopeStatus,
        Party,
        RequestStatus,
        SignatureRequest,
        SigningEnvelope,
        SigningLink,
    )

    from .agreements import agreement_rows

    revision, digest = agreement_rows(
        placement, tag="SENT", status=AgreementStatus.SENT, template_number=9998
    )
    envelope = SigningEnvelope.objects.create(revision=revision, status=EnvelopeStatus.SIGNING)
    student = SignatureRequest.objects.create(
        envelope=envelope,
        party=Party.STUDENT,
        position=1,
        status=RequestStatus.PENDING,
        party_name=placement.student.name,
        phone=phone,
    )
    SignatureRequest.objects.create(
        envelope=envelope, party=Party.SCHOOL, position=2, party_name=placement.pilot.school.name
    )
    SigningLink.objects.create(
        request=student, token_sha256=digest, expires_at=timezone.now() + datetime.timedelta(days=7)
    )
    return envelope


def gate_ready_placement(**kwargs: Any) -> Placement:
    """An active placement that passes its activation gates again (resuming re-checks them): a sealed agreement,
    both insurances over its period, a health check before its start."""
    from .placements import HealthCheckFactory
    from .subsidy import covered_placement

    placement = covered_placement(**kwargs)
    HealthCheckFactory(student=placement.student, date=placement.start_date - datetime.timedelta(days=20))
    return placement
