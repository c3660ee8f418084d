"""Demo data for changes: the company's HR has asked to change the mentor of the minor's placement (four-party) to
the post's other mentor; the coordinator (coord1) finds it under 变更申请 and on the placement page, approves it,
and the four-party supplementary agreement goes to the student, the guardian (guardian1), HR and the school.

Idempotent: nothing is added once any change request exists."""

from backend.accounts.models import Role, User
from backend.agreements.models import AgreementKind
from backend.placements.models import PilotProject, PlacementStatus

from .models import ChangeRequest
from .services import change_request_create


def seed_changes_demo(*, pilot: PilotProject) -> int:
    if ChangeRequest.objects.exists():
        return 0
    placement = (
        pilot.placements.filter(
            status=PlacementStatus.ACTIVE,
            agreements__kind=AgreementKind.FOUR_PARTY,
            agreements__status="signed",
        )
        .select_related("post__company", "mentor")
        .order_by("id")
        .first()
    )
    if placement is None or placement.mentor_id is None:
        return 0
    other = placement.post.mentors.exclude(pk=placement.mentor_id).order_by("id").first()
    hr = (
        User.objects.filter(role=Role.HR, company_id=placement.post.company_id, is_active=True)
        .order_by("id")
        .first()
    )
    if other is None or hr is None:
        return 0
    change_request_create(
        actor=hr,
        placement=placement,
        reason="原师傅调往新产线，由同岗位的师傅接续带徒（演示）",
        new_mentor=other,
    )
    return 1
