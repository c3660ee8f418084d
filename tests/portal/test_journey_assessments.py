"""The coordinator, HR and the mentor record their assessment scores from the placement page; the assessment service
decides, and a pass lets the subsidy service accrue the claim, shown on the page."""

import pytest

from backend.assessments.models import Assessment, AssessmentScore, AssessmentStatus
from backend.assessments.services import assessment_rule_ensure_default
from backend.subsidy.models import Claim
from backend.subsidy.services import subsidy_policy_ensure_default
from tests.factories.accounts import CoordinatorFactory, HrFactory, MentorUserFactory
from tests.factories.subsidy import covered_placement

pytestmark = pytest.mark.django_db


@pytest.fixture
def placement():
    assessment_rule_ensure_default()
    subsidy_policy_ensure_default()
    return covered_placement()


def _score(client, placement, party, score, name):
    return client.post(
        f"/placements/{placement.pk}/assessment",
        {"party": party, "score": score, "assessor_name": name, "comments": "良好"},
        follow=True,
    )


def test_the_three_parties_score_from_the_placement_page_and_the_pass_accrues_the_claim(client, placement):
    school = placement.pilot.school
    coordinator = CoordinatorFactory(school=school)
    client.force_login(coordinator)
    page = client.get(f"/school/placements/{placement.pk}/")
    panel = page.context["assessment_panel"]
    assert panel["assessment"] is None
    assert [c for c, _ in panel["form"].fields["party"].choices] == ["teacher", "third_party"]
    response = _score(client, placement, "teacher", "80", "王老师")
    assert response.context["assessment_panel"]["assessment"].status == AssessmentStatus.OPEN
    assert "王老师" in response.content.decode()

    client.force_login(HrFactory(company=placement.post.company))
    response = _score(client, placement, "company", "75", "李经理")
    assert response.redirect_chain[-1][0] == f"/company/placements/{placement.pk}/"
    assert not Claim.objects.exists()

    client.force_login(MentorUserFactory(mentor=placement.mentor, company=placement.post.company))
    response = _score(client, placement, "mentor", "90", placement.mentor.name)
    assessment = Assessment.objects.get(placement=placement)
    assert assessment.status == AssessmentStatus.PASSED and assessment.scores.count() == 3
    claim = Claim.objects.get(placement=placement)
    assert claim.assessment == assessment and str(claim.amount) == "5000.00"
    assert 'data-testid="assessment-claim"' in response.content.decode()

    # the decided assessment offers no more scoring
    client.force_login(coordinator)
    assert client.get(f"/school/placements/{placement.pk}/").context["assessment_panel"]["form"] is None


def test_a_party_the_role_may_not_score_as_is_refused_and_nothing_is_written(client, placement):
    client.force_login(HrFactory(company=placement.post.company))
    response = _score(client, placement, "teacher", "90", "冒名")
    assert "不能代表该评价方" in response.content.decode()
    assert AssessmentScore.objects.count() == 0 and Assessment.objects.count() == 0


def test_another_schools_coordinator_cannot_score(client, placement):
    client.force_login(CoordinatorFactory())
    assert _score(client, placement, "teacher", "90", "x").status_code == 404
    assert Assessment.objects.count() == 0
