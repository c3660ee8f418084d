"""A company's applicant scores: the post-belongs-to-company rule lives in the matching service, not the serializer."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.core.errors import ApplicationError
from backend.core.models import AuditEvent
from backend.matching import services
from backend.matching.models import ApplicantScore
from tests.factories.accounts import HrFactory
from tests.factories.companies import CompanyFactory, PostFactory
from tests.factories.schools import StudentFactory

pytestmark = pytest.mark.django_db


def test_score_for_a_post_of_another_company_is_refused_and_nothing_is_written(admin_user):
    # given a company, and a post of another company
    company, other_post = CompanyFactory(), PostFactory()
    student = StudentFactory()
    before = (ApplicantScore.objects.count(), AuditEvent.objects.count())
    # when / then
    with pytest.raises(ApplicationError) as refused:
        services.applicant_score_create(
            actor=admin_user,
            data={"company": company, "post": other_post, "student": student, "score": Decimal("80")},
        )
    assert refused.value.code == "POST_OTHER_COMPANY" and "post" in refused.value.details
    assert (ApplicantScore.objects.count(), AuditEvent.objects.count()) == before


def test_score_for_an_own_post_or_all_posts_is_written_with_its_audit_row(admin_user):
    # given
    post = PostFactory()
    student = StudentFactory()
    # when
    one = services.applicant_score_create(
        actor=admin_user,
        data={"company": post.company, "post": post, "student": student, "score": Decimal("80")},
    )
    every = services.applicant_score_create(
        actor=admin_user,
        data={"company": post.company, "post": None, "student": student, "score": Decimal("70")},
    )
    # then
    assert ApplicantScore.objects.filter(company=post.company).count() == 2
    assert one.post == post and every.post is None
    assert AuditEvent.objects.filter(action="applicantscore.create").count() == 2


def test_moving_a_score_to_another_companys_post_is_refused_and_the_score_kept(admin_user):
    # given a score for the company's own post
    post = PostFactory()
    score = services.applicant_score_create(
        actor=admin_user,
        data={"company": post.company, "post": post, "student": StudentFactory(), "score": Decimal("80")},
    )
    # when / then: the post alone changes to another company's post
    with pytest.raises(ApplicationError) as refused:
        services.applicant_score_update(actor=admin_user, score=score, data={"post": PostFactory()})
    assert refused.value.code == "POST_OTHER_COMPANY"
    score.refresh_from_db()
    assert score.post == post
    # and the company alone changing away from the post's company is refused too
    with pytest.raises(ApplicationError):
        services.applicant_score_update(actor=admin_user, score=score, data={"company": CompanyFactory()})


def test_api_answers_the_rule_code_in_the_error_shape(api_client_for, admin_user):
    # given
    company, other_post, student = CompanyFactory(), PostFactory(), StudentFactory()
    client = api_client_for(admin_user)
    # when
    response = client.post(
        "/api/v1/applicant-scores/",
        {"company": company.pk, "post": other_post.pk, "student": student.pk, "score": "80.00"},
        format="json",
    )
    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "POST_OTHER_COMPANY"
    assert ApplicantScore.objects.count() == 0


def test_hr_scores_an_applicant_of_its_own_post_over_the_api(api_client_for):
    # given an applicant to the company's post
    from backend.matching.models import StudentPreference
    from backend.placements.models import PilotProject

    post = PostFactory()
    hr = HrFactory(company=post.company)
    student = StudentFactory()
    pilot = PilotProject.objects.create(
        name="试点", school=student.school, program=student.cohort.program, year=2026
    )
    StudentPreference.objects.create(student=student, pilot=pilot, post=post, rank=1)
    client = api_client_for(hr)
    # when
    response = client.post(
        "/api/v1/applicant-scores/",
        {"company": post.company.pk, "post": post.pk, "student": student.pk, "score": "88.00"},
        format="json",
    )
    # then
    assert response.status_code == 201, response.json()
    assert ApplicantScore.objects.get().score == Decimal("88.00")
