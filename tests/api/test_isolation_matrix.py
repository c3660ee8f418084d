"""Every endpoint, every role: an organisation sees its own rows and never another's (404 on direct access)."""

from dataclasses import dataclass
from typing import Any

import pytest

from backend.accounts.models import Role
from tests.factories.accounts import UserFactory
from tests.factories.companies import MentorFactory, PostFactory
from tests.factories.placements import (
    HealthCheckFactory,
    InsurancePolicyFactory,
    PilotProjectFactory,
    PlacementFactory,
    PlacementStageFactory,
)
from tests.factories.schools import CohortFactory, GuardianFactory, StudentFactory

pytestmark = pytest.mark.django_db


@dataclass
class Side:
    """One school with one company: a placed student with a guardian, an unplaced classmate, and the rest."""

    school: Any
    program: Any
    cohort: Any
    student: Any
    classmate: Any
    guardian: Any
    company: Any
    post: Any
    mentor: Any
    pilot: Any
    placement: Any
    stage: Any
    health_check: Any
    insurance: Any


def make_side() -> Side:
    post = PostFactory()
    mentor = MentorFactory(company=post.company, post=post)
    pilot = PilotProjectFactory(companies=[post.company])
    cohort = CohortFactory(program=pilot.program, entry_year=2024)
    student = StudentFactory(cohort=cohort)
    placement = PlacementFactory(pilot=pilot, student=student, post=post, mentor=mentor)
    return Side(
        school=pilot.school,
        program=pilot.program,
        cohort=cohort,
        student=student,
        classmate=StudentFactory(cohort=cohort),
        guardian=GuardianFactory(student=student),
        company=post.company,
        post=post,
        mentor=mentor,
        pilot=pilot,
        placement=placement,
        stage=PlacementStageFactory(placement=placement),
        health_check=HealthCheckFactory(student=student),
        insurance=InsurancePolicyFactory(placement=placement),
    )


def users_of(side: Side) -> dict[str, Any]:
    return {
        Role.COORDINATOR: UserFactory(role=Role.COORDINATOR, school=side.school),
        Role.HR: UserFactory(role=Role.HR, company=side.company),
        Role.MENTOR: UserFactory(role=Role.MENTOR, mentor=side.mentor, company=side.company),
        Role.STUDENT: UserFactory(role=Role.STUDENT, student=side.student, school=side.school),
        Role.GUARDIAN: UserFactory(role=Role.GUARDIAN, guardian=side.guardian),
        Role.BUREAU: UserFactory(role=Role.BUREAU),
        Role.ADMIN: UserFactory(role=Role.ADMIN),
    }


ALL = {Role.COORDINATOR, Role.HR, Role.MENTOR, Role.STUDENT, Role.GUARDIAN, Role.BUREAU, Role.ADMIN}
OVERSEERS = {Role.BUREAU, Role.ADMIN}
# endpoint -> (the side's object it shows, the roles of that side that see it)
MATRIX: dict[str, tuple[str, set[str]]] = {
    "schools": ("school", ALL),
    "programs": ("program", ALL),
    "cohorts": ("cohort", {Role.COORDINATOR, Role.STUDENT, Role.GUARDIAN} | OVERSEERS),
    "students": ("student", ALL),
    "guardians": ("guardian", {Role.COORDINATOR, Role.STUDENT, Role.GUARDIAN} | OVERSEERS),
    "companies": ("company", ALL),
    "posts": ("post", ALL),
    "mentors": ("mentor", ALL),
    "pilots": ("pilot", ALL),
    "placements": ("placement", ALL),
    "placement-stages": ("stage", ALL),
    "health-checks": ("health_check", {Role.COORDINATOR, Role.HR, Role.STUDENT, Role.GUARDIAN} | OVERSEERS),
    "insurance-policies": ("insurance", ALL),
}


@pytest.fixture
def world() -> tuple[Side, Side, dict[str, Any]]:
    own, foreign = make_side(), make_side()
    return own, foreign, users_of(own)


def listed_ids(client: Any, endpoint: str) -> set[int]:
    response = client.get(f"/api/v1/{endpoint}/", {"page_size": 500})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("endpoint", MATRIX)
@pytest.mark.parametrize("role", sorted(ALL))
def test_each_role_sees_its_own_rows_and_never_another_tenants(api_client_for, world, endpoint, role):
    # given two schools, each with its own company, and a user of the first side in `role`
    own, foreign, users = world
    attribute, roles_that_see = MATRIX[endpoint]
    own_obj, foreign_obj = getattr(own, attribute), getattr(foreign, attribute)
    client = api_client_for(users[role])
    # when
    ids = listed_ids(client, endpoint)
    detail = client.get(f"/api/v1/{endpoint}/{foreign_obj.pk}/")
    # then the side's own object is listed exactly when the role should see it
    assert (own_obj.pk in ids) == (role in roles_that_see)
    # and the other tenant's object is neither listed nor reachable, except for the overseers
    if role in OVERSEERS:
        assert foreign_obj.pk in ids
        assert detail.status_code == 200
    else:
        assert foreign_obj.pk not in ids
        assert detail.status_code == 404
        assert detail.json()["error"]["code"] == "NOT_FOUND"


def test_a_company_sees_only_the_students_placed_with_it_and_no_identity_data(api_client_for, world):
    own, _foreign, users = world
    response = api_client_for(users[Role.HR]).get("/api/v1/students/")
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [own.student.pk]  # not the unplaced classmate
    assert set(rows[0]) == {"id", "name", "program", "placements"}
    assert rows[0]["placements"] == [own.placement.pk]


def test_resident_ids_are_masked_except_for_the_students_own_school(api_client_for, world):
    own, _foreign, users = world
    number = own.student.resident_id
    as_school = api_client_for(users[Role.COORDINATOR]).get(f"/api/v1/students/{own.student.pk}/").json()
    as_bureau = api_client_for(users[Role.BUREAU]).get(f"/api/v1/students/{own.student.pk}/").json()
    as_student = api_client_for(users[Role.STUDENT]).get(f"/api/v1/students/{own.student.pk}/").json()
    assert as_school["resident_id"] == number
    assert as_bureau["resident_id"] == number[:6] + "********" + number[-4:]
    assert as_student["resident_id"] == number[:6] + "********" + number[-4:]


def test_the_bureau_reads_everything_but_writes_nothing(api_client_for, world):
    own, _foreign, users = world
    client = api_client_for(users[Role.BUREAU])
    response = client.patch(f"/api/v1/placements/{own.placement.pk}/", {"monthly_pay": "1.00"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PERMISSION_DENIED"


@pytest.mark.parametrize(
    ("endpoint", "payload"),
    [
        ("programs", lambda side: {"school": side.school.pk, "name": "新专业", "years": 3}),
        ("cohorts", lambda side: {"program": side.program.pk, "entry_year": 2027}),
        (
            "guardians",
            lambda side: {
                "student": side.student.pk,
                "name": "某某",
                "relation": "father",
                "phone": "13900000000",
            },
        ),
    ],
)
def test_a_coordinator_cannot_create_rows_under_another_school(api_client_for, world, endpoint, payload):
    # given a coordinator of the first school
    own, foreign, users = world
    client = api_client_for(users[Role.COORDINATOR])
    # when they point a new row at the other school's objects
    response = client.post(f"/api/v1/{endpoint}/", payload(foreign), format="json")
    # then the reference reads as unknown and nothing is written
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION"
    assert client.post(f"/api/v1/{endpoint}/", payload(own), format="json").status_code == 201


def test_hr_cannot_edit_another_companys_post(api_client_for, world):
    own, foreign, users = world
    client = api_client_for(users[Role.HR])
    assert (
        client.patch(f"/api/v1/posts/{foreign.post.pk}/", {"capacity": 1}, format="json").status_code == 404
    )
    assert client.patch(f"/api/v1/posts/{own.post.pk}/", {"capacity": 3}, format="json").status_code == 200


def test_anonymous_requests_are_refused_in_the_error_shape(client):
    response = client.get("/api/v1/placements/")
    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"
