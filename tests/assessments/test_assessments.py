"""Assessment by several parties, decided by the configured rule; revocation; the student's rating; isolation."""

import datetime
from decimal import Decimal

import pytest

from backend.assessments.models import AssessmentRule, AssessmentStatus
from backend.assessments.services import assessment_open, assessment_revoke, assessment_score_record
from backend.core.errors import ApplicationError
from backend.subsidy.models import Claim
from tests.factories.accounts import (
    CoordinatorFactory,
    HrFactory,
    MentorUserFactory,
    StudentUserFactory,
    UserFactory,
)
from tests.factories.assessments import AssessmentFactory
from tests.factories.placements import PlacementFactory

pytestmark = pytest.mark.django_db


def _parties(placement):
    return {
        "mentor": MentorUserFactory(mentor=placement.mentor),
        "teacher": CoordinatorFactory(school=placement.pilot.school),
        "company": HrFactory(company=placement.post.company),
    }


def test_three_parties_sign_off_and_the_mean_reaches_the_pass_mark(api_client_for):
    # given an active placement and the default rule (mentor, teacher, company; mean >= 60)
    placement = PlacementFactory(active=True)
    users = _parties(placement)
    opened = api_client_for(users["teacher"]).post(
        "/api/v1/assessments/", {"placement": placement.pk}, format="json"
    )
    assert opened.status_code == 201, opened.json()
    url = f"/api/v1/assessments/{opened.json()['id']}/scores/"
    # when each party records its signed score
    for party, score in (("mentor", "70"), ("teacher", "55")):
        r = api_client_for(users[party]).post(
            url, {"party": party, "score": score, "assessor_name": "x"}, format="json"
        )
        assert r.status_code == 200, r.json()
        assert r.json()["status"] == "open"  # not decided while a required party is missing
    done = api_client_for(users["company"]).post(
        url,
        {"party": "company", "score": "61.00", "assessor_name": "人事部", "comments": "达到岗位要求"},
        format="json",
    )
    # then the rule decides: mean 62.00 >= 60, passed
    assert done.json()["status"] == "passed" and done.json()["final_score"] == "62.00"
    assert len(done.json()["scores"]) == 3


def test_a_party_cannot_score_for_another_or_twice():
    placement = PlacementFactory(active=True)
    users = _parties(placement)
    assessment = assessment_open(placement=placement, actor=users["teacher"])
    with pytest.raises(ApplicationError) as wrong:
        assessment_score_record(
            assessment=assessment,
            party="mentor",
            score=Decimal("90"),
            assessor_name="x",
            actor=users["company"],
        )
    assert wrong.value.code == "ASSESSMENT_WRONG_PARTY"
    other_mentor = MentorUserFactory()
    with pytest.raises(ApplicationError) as not_his:
        assessment_score_record(
            assessment=assessment, party="mentor", score=Decimal("90"), assessor_name="x", actor=other_mentor
        )
    assert not_his.value.code == "ASSESSMENT_NOT_YOUR_APPRENTICE"
    assert assessment.scores.count() == 0  # neither refusal recorded a score
    assessment_score_record(
        assessment=assessment, party="mentor", score=Decimal("90"), assessor_name="x", actor=users["mentor"]
    )
    with pytest.raises(ApplicationError) as twice:
        assessment_score_record(
            assessment=assessment,
            party="mentor",
            score=Decimal("10"),
            assessor_name="x",
            actor=users["mentor"],
        )
    assert twice.value.code == "ASSESSMENT_PARTY_SIGNED"
    assert assessment.scores.get().score == Decimal("90.00")


def test_the_rule_is_policy_data_versioned_by_date():
    # given a stricter rule from 2026-09-01 that also requires the third-party skills assessment
    AssessmentRule.objects.create(
        name="2026 新规",
        valid_from=datetime.date(2026, 9, 1),
        required_parties=["mentor", "teacher", "company", "third_party"],
        pass_mark=Decimal("70"),
        method="minimum",
    )
    placement = PlacementFactory(active=True)
    admin = UserFactory()
    before = assessment_open(placement=placement, actor=admin, as_of=datetime.date(2026, 8, 31))
    assert before.rule.valid_from == datetime.date(2015, 1, 1)
    for party in ("mentor", "teacher", "company"):
        before = assessment_score_record(
            assessment=before, party=party, score=Decimal("65"), assessor_name="x", actor=admin
        )
    assert before.status == AssessmentStatus.PASSED  # the old rule: mean 65 >= 60
    other = PlacementFactory(active=True)
    after = assessment_open(placement=other, actor=admin, as_of=datetime.date(2026, 9, 1))
    for party in ("mentor", "teacher", "company"):
        after = assessment_score_record(
            assessment=after, party=party, score=Decimal("65"), assessor_name="x", actor=admin
        )
    assert after.status == AssessmentStatus.OPEN  # waits for the third party
    after = assessment_score_record(
        assessment=after, party="third_party", score=Decimal("90"), assessor_name="x", actor=admin
    )
    assert (after.status, after.final_score) == (AssessmentStatus.FAILED, Decimal("65.00"))  # minimum 65 < 70


def test_only_an_active_placement_is_assessed_and_only_one_live_assessment():
    admin = UserFactory()
    proposed = PlacementFactory()
    with pytest.raises(ApplicationError) as not_started:
        assessment_open(placement=proposed, actor=admin)
    assert not_started.value.code == "ASSESSMENT_PLACEMENT_NOT_STARTED"
    assert proposed.assessments.count() == 0
    placement = PlacementFactory(active=True)
    assessment_open(placement=placement, actor=admin)
    with pytest.raises(ApplicationError) as twice:
        assessment_open(placement=placement, actor=admin)
    assert twice.value.code == "ASSESSMENT_EXISTS"
    assert placement.assessments.count() == 1


def test_revocation_needs_a_reason_and_a_passed_assessment(api_client_for, bureau):
    assessment = AssessmentFactory(passed=True)
    client = api_client_for(CoordinatorFactory(school=assessment.placement.pilot.school))
    url = f"/api/v1/assessments/{assessment.pk}/revoke/"
    assert client.post(url, {"reason": ""}, format="json").status_code == 400
    revoked = client.post(url, {"reason": "补考成绩作废"}, format="json")
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked" and revoked.json()["revoke_reason"] == "补考成绩作废"
    again = client.post(url, {"reason": "x"}, format="json")
    assert again.json()["error"]["code"] == "ASSESSMENT_NOT_PASSED"
    with pytest.raises(ApplicationError):
        assessment_revoke(assessment=AssessmentFactory(), reason="x", actor=bureau)
    assert not Claim.objects.exists()


def test_a_student_rates_only_his_own_placement(api_client_for):
    placement = PlacementFactory(active=True)
    student = StudentUserFactory(student=placement.student)
    ok = api_client_for(student).post(
        "/api/v1/placement-ratings/",
        {"placement": placement.pk, "rating": 5, "comment": "学到很多"},
        format="json",
    )
    assert ok.status_code == 201, ok.json()
    other = PlacementFactory(active=True)
    refused = api_client_for(student).post(
        "/api/v1/placement-ratings/", {"placement": other.pk, "rating": 1}, format="json"
    )
    assert refused.status_code == 400  # another student's placement does not exist for him
    assert (
        api_client_for(student)
        .post("/api/v1/placement-ratings/", {"placement": placement.pk, "rating": 3}, format="json")
        .json()["error"]["code"]
        == "RATING_EXISTS"
    )


def test_assessments_of_other_tenants_are_404(api_client_for):
    mine, theirs = AssessmentFactory(passed=True), AssessmentFactory(passed=True)
    for user in (
        CoordinatorFactory(school=mine.placement.pilot.school),
        HrFactory(company=mine.placement.post.company),
        MentorUserFactory(mentor=mine.placement.mentor),
        StudentUserFactory(student=mine.placement.student),
    ):
        client = api_client_for(user)
        assert client.get(f"/api/v1/assessments/{mine.pk}/").status_code == 200
        assert client.get(f"/api/v1/assessments/{theirs.pk}/").status_code == 404
        assert [a["id"] for a in client.get("/api/v1/assessments/").json()["results"]] == [mine.pk]
    # and nobody of another school may revoke it
    outsider = api_client_for(CoordinatorFactory(school=theirs.placement.pilot.school))
    assert (
        outsider.post(f"/api/v1/assessments/{mine.pk}/revoke/", {"reason": "x"}, format="json").status_code
        == 404
    )
