import pytest

from backend.subsidy.demo import seed_subsidy_demo
from backend.subsidy.models import Claim
from backend.subsidy.reconciliation import reconcile
from tests.factories.placements import PlacementFactory
from tests.factories.subsidy import seal

pytestmark = pytest.mark.django_db


def test_the_demo_seed_gives_claims_in_every_state_and_reconciles(bureau):
    # given six active placements with sealed agreements but without insurance, and two unsealed ones
    unsealed = [PlacementFactory(active=True) for _ in range(2)]
    placements = [PlacementFactory(active=True) for _ in range(6)]
    for placement in placements:
        seal(placement)
    # when
    result = seed_subsidy_demo(actor=bureau)
    # then
    status = {
        state: Claim.objects.get(pk=ids[0]).status
        for state, ids in result.items()
        if ids and state != "open_assessment"
    }
    assert status == {
        "paid": "paid",
        "approved": "approved",
        "accrued": "accrued",
        "held": "accrued",
        "reversed": "reversed",
    }
    assert Claim.objects.get(pk=result["held"][0]).held
    assert placements[5].assessments.get().status == "open"
    assert reconcile()["ok"]
    # and running it again changes nothing
    seed_subsidy_demo(actor=bureau)
    assert Claim.objects.count() == 5
    assert not Claim.objects.filter(placement__in=unsealed).exists()  # sealed placements were chosen first
