import datetime

import pytest

from backend.core.errors import ApplicationError
from backend.placements.models import PlacementStatus
from backend.placements.services import placement_transition
from tests.factories.placements import HealthCheckFactory, PlacementFactory
from tests.factories.subsidy import insure, seal

pytestmark = pytest.mark.django_db


def signing_placement():
    placement = PlacementFactory(signing=True)
    HealthCheckFactory(student=placement.student, date=placement.start_date - datetime.timedelta(days=30))
    insure(placement)
    return placement


def test_a_signed_but_unsealed_agreement_does_not_activate_the_placement():
    # given every party signed (agreement status "signed") but the worker has not sealed the PDF yet
    from backend.agreements.models import Agreement, AgreementStatus

    placement = signing_placement()
    Agreement.objects.create(
        placement=placement, kind="three_party", number="X-1", status=AgreementStatus.SIGNED
    )
    # when / then
    with pytest.raises(ApplicationError) as refused:
        placement_transition(placement=placement, to=PlacementStatus.ACTIVE, actor=None)
    assert "AGREEMENT_SIGNED" in str(refused.value.details)
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.SIGNING


def test_a_sealed_agreement_lets_the_placement_become_active():
    placement = signing_placement()
    seal(placement)
    placement_transition(placement=placement, to=PlacementStatus.ACTIVE, actor=None)
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.ACTIVE
