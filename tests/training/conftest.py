import pytest

# the portal's browser fixtures (Chromium via Playwright), for tests/training/test_browser.py
from tests.portal.conftest import browser, login, new_page  # noqa: F401


@pytest.fixture(autouse=True)
def _default_policy_and_rule(request):
    """The default subsidy policy and assessment rule are seeded by migrations; a transactional test's flush (or a
    reused test database) may have removed them, so database tests put them back."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    from backend.assessments.services import assessment_rule_ensure_default
    from backend.subsidy.services import subsidy_policy_ensure_default

    assessment_rule_ensure_default()
    subsidy_policy_ensure_default()


class Apprentice:
    """An active placement on an approved plan (one post, two required competencies, 8 hours of rotation), with
    its mentor's, its school coordinator's (the teacher side) and its company HR's users."""

    def __init__(self, **plan_content):
        from tests.factories.accounts import CoordinatorFactory, HrFactory, MentorUserFactory
        from tests.factories.placements import PlacementFactory
        from tests.factories.training import approved_plan, competencies

        self.placement = PlacementFactory(active=True)
        self.plan = approved_plan(self.placement.pilot, [self.placement.post], **plan_content)
        self.competencies = competencies(self.plan)
        self.mentor = MentorUserFactory(mentor=self.placement.mentor)
        self.teacher = CoordinatorFactory(school=self.placement.pilot.school)
        self.hr = HrFactory(company=self.placement.post.company)

    def reach_standard(self, *, start, teacher=None) -> None:
        """The rotation completed from `start`, every party's evaluation good, every competency signed by the mentor
        and confirmed by the teacher (the coordinator unless another is named)."""
        from backend.training import services
        from tests.factories.training import complete_rotation

        teacher = teacher or self.teacher
        complete_rotation(self.placement, self.plan, start)
        for party, user in (("mentor", self.mentor), ("teacher", teacher), ("company", self.hr)):
            services.evaluation_record(placement=self.placement, party=party, grade="good", actor=user)
        for competency in self.competencies:
            sign_off = services.competency_sign(
                placement=self.placement, competency=competency, actor=self.mentor
            )
            services.sign_off_confirm(sign_off=sign_off, actor=teacher)


@pytest.fixture
def apprentice(db):
    return Apprentice()
