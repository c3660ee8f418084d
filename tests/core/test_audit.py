import datetime

import pytest

from backend.core.ids import compose_resident_id
from backend.core.models import AuditEvent
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.companies import PostFactory
from tests.factories.schools import CohortFactory

pytestmark = pytest.mark.django_db


def test_every_write_through_the_api_records_who_and_what(api_client_for):
    # given HR editing its post
    post = PostFactory(capacity=10)
    hr = HrFactory(company=post.company)
    # when
    response = api_client_for(hr).patch(f"/api/v1/posts/{post.pk}/", {"capacity": 6}, format="json")
    # then
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="post.update")
    assert event.actor == hr
    assert event.object_id == str(post.pk)
    assert event.changes == {"capacity": [10, 6]}


def test_a_student_created_through_the_api_gets_birth_date_and_sex_from_the_id(api_client_for):
    # given a coordinator and a cohort of their school
    coordinator = CoordinatorFactory()
    cohort = CohortFactory(program__school=coordinator.school)
    number = compose_resident_id("110105", datetime.date(2008, 3, 1), 3)
    # when
    response = api_client_for(coordinator).post(
        "/api/v1/students/", {"cohort": cohort.pk, "name": "王小明", "resident_id": number}, format="json"
    )
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["birth_date"] == "2008-03-01"
    assert body["sex"] == "M"
    assert body["school"] == coordinator.school.pk
    assert AuditEvent.objects.filter(action="student.create", actor=coordinator).exists()


def test_a_wrong_check_digit_is_refused_in_the_error_shape_and_nothing_is_written(api_client_for):
    coordinator = CoordinatorFactory()
    cohort = CohortFactory(program__school=coordinator.school)
    response = api_client_for(coordinator).post(
        "/api/v1/students/",
        {"cohort": cohort.pk, "name": "王小明", "resident_id": "110105194912310021"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "ID_CHECK_DIGIT",
        "message": "身份证号码校验位错误",
        "message_en": "wrong check digit in the resident ID",
        "details": {"resident_id": ["wrong check digit in the resident ID"]},
    }
    assert not cohort.students.exists()
