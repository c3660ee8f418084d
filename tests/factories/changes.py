import factory

from backend.agreements.models import Agreement, AgreementStatus
from backend.changes.models import ChangeRequest, ChangeStatus

from .companies import MentorFactory
from .placements import PlacementFactory


class ChangeRequestFactory(factory.django.DjangoModelFactory):
    """A requested change of mentor of an active placement (at the placement's company)."""

    class Meta:
        model = ChangeRequest

    placement = factory.SubFactory(PlacementFactory, active=True)
    status = ChangeStatus.REQUESTED
    reason = "原师傅调岗"
    new_mentor = factory.SubFactory(MentorFactory, company=factory.SelfAttribute("..placement.post.company"))
    old_post = factory.SelfAttribute("placement.post")
    old_mentor = factory.SelfAttribute("placement.mentor")
    old_start_date = factory.SelfAttribute("placement.start_date")
    old_end_date = factory.SelfAttribute("placement.end_date")


def signed_original(placement, *, four_party: bool) -> Agreement:
    """The placement's own agreement, signed (its PDF made by reportlab; the supplement is the real document)."""
    from tests.signing.helpers import make_agreement_revision

    revision = make_agreement_revision(placement, four_party=four_party)
    Agreement.objects.filter(pk=revision.agreement_id).update(status=AgreementStatus.SIGNED)
    return Agreement.objects.get(pk=revision.agreement_id)
