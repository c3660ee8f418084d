"""The supervising teacher (role teacher): assigned by the school's coordinator, sees only their apprentices."""

import pytest
from django.db import IntegrityError, transaction

from backend.accounts.models import Role, User
from backend.attendance import services
from backend.attendance.models import TeacherAssignment
from backend.core.errors import ApplicationError
from tests.factories.accounts import CoordinatorFactory
from tests.factories.attendance import TeacherFactory
from tests.factories.placements import PlacementFactory

from .conftest import MONDAY, counts, local, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def school_world(db):
    """Two placements of one school, one of another school; a teacher per school, and an unassigned teacher."""
    mine = make_world()
    school = mine.placement.pilot.school
    second = PlacementFactory(
        active=True, pilot=mine.placement.pilot, student__cohort=mine.placement.student.cohort
    )
    other = make_world()
    return {
        "mine": mine,
        "second": second,
        "other": other,
        "coordinator": CoordinatorFactory(school=school),
        "teacher": TeacherFactory(school=school),
        "unassigned": TeacherFactory(school=school),
        "other_teacher": TeacherFactory(school=other.placement.pilot.school),
        "other_coordinator": CoordinatorFactory(school=other.placement.pilot.school),
    }


def test_a_teacher_account_needs_a_school():
    with pytest.raises(IntegrityError, match="teacher_has_school"), transaction.atomic():
        User.objects.create(username="t-no-school", role=Role.TEACHER)


def test_the_coordinator_assigns_in_bulk_through_the_api_and_the_placement_names_the_teacher(
    school_world, api_client_for
):
    w = school_world
    placements = [w["mine"].placement.pk, w["second"].pk]
    # when
    response = api_client_for(w["coordinator"]).post(
        "/api/v1/teacher-assignments/", {"placements": placements, "teacher": w["teacher"].pk}, format="json"
    )
    # then
    assert response.status_code == 201, response.json()
    assert set(TeacherAssignment.objects.values_list("placement_id", flat=True)) == set(placements)
    w["second"].refresh_from_db()
    assert w["second"].supervising_teacher == w["teacher"].display_name
    assert w["second"].supervising_teacher_phone == w["teacher"].phone


def test_a_bulk_assignment_with_one_foreign_placement_assigns_nothing(school_world, api_client_for):
    w = school_world
    before = counts()
    # another school's placement is invisible to the coordinator: 404 in the error shape
    response = api_client_for(w["coordinator"]).post(
        "/api/v1/teacher-assignments/",
        {"placements": [w["mine"].placement.pk, w["other"].placement.pk], "teacher": w["teacher"].pk},
        format="json",
    )
    assert response.status_code == 404
    assert response.json()["error"]["details"]["placements"] == [w["other"].placement.pk]
    # another school's teacher cannot be assigned
    with pytest.raises(ApplicationError) as info:
        services.teachers_assign(
            actor=w["coordinator"], placements=[w["mine"].placement, w["second"]], teacher=w["other_teacher"]
        )
    assert info.value.code == "TEACHER_NOT_OF_SCHOOL"
    # another school's coordinator cannot assign here
    with pytest.raises(ApplicationError) as info:
        services.teachers_assign(actor=w["other_coordinator"], placements=[w["second"]], teacher=w["teacher"])
    assert info.value.code == "TEACHER_ASSIGN_FORBIDDEN"
    assert counts() == before


def test_hr_and_the_teacher_cannot_assign(school_world, api_client_for):
    w = school_world
    body = {"placements": [w["mine"].placement.pk], "teacher": w["teacher"].pk}
    assert (
        api_client_for(w["teacher"]).post("/api/v1/teacher-assignments/", body, format="json").status_code
        == 403
    )
    assert TeacherAssignment.objects.count() == 0


def test_the_teacher_sees_only_their_apprentices(school_world, api_client_for):
    # given the teacher is assigned to one placement of two in the school
    w = school_world
    mine = w["mine"]
    services.teacher_assign(actor=w["coordinator"], placement=mine.placement, teacher=w["teacher"])
    mine.work(local(MONDAY, 8, 0, 5), local(MONDAY, 12))
    w["other"].work(local(MONDAY, 8, 0, 5), local(MONDAY, 12))
    teacher = api_client_for(w["teacher"])
    # then: their placement, its student and its attendance, and nothing else
    assert [p["id"] for p in teacher.get("/api/v1/placements/").json()["results"]] == [mine.placement.pk]
    assert teacher.get(f"/api/v1/placements/{w['second'].pk}/").status_code == 404
    assert teacher.get(f"/api/v1/placements/{w['other'].placement.pk}/").status_code == 404
    assert [s["id"] for s in teacher.get("/api/v1/students/").json()["results"]] == [
        mine.placement.student_id
    ]
    periods = teacher.get("/api/v1/attendance/periods/").json()["results"]
    assert [p["placement"] for p in periods] == [mine.placement.pk]


@pytest.mark.parametrize("who", ["unassigned", "other_teacher"])
def test_an_unassigned_teacher_and_another_schools_teacher_see_nothing(school_world, api_client_for, who):
    w = school_world
    services.teacher_assign(actor=w["coordinator"], placement=w["mine"].placement, teacher=w["teacher"])
    w["mine"].work(local(MONDAY, 8, 0, 5), local(MONDAY, 12))
    client = api_client_for(w[who])
    for url in ("/api/v1/placements/", "/api/v1/students/", "/api/v1/attendance/periods/", "/api/v1/shifts/"):
        assert client.get(url).json()["results"] == [], url
    assert client.get(f"/api/v1/placements/{w['mine'].placement.pk}/").status_code == 404
    period = w["mine"].placement.work_periods.get()
    assert client.get(f"/api/v1/attendance/periods/{period.pk}/").status_code == 404
    assert client.get("/api/v1/teacher-assignments/").json()["results"] == []


def test_assigning_again_moves_the_placement_to_the_new_teacher(school_world):
    """One teacher per placement."""
    w = school_world
    services.teacher_assign(actor=w["coordinator"], placement=w["second"], teacher=w["teacher"])
    services.teacher_assign(actor=w["coordinator"], placement=w["second"], teacher=w["unassigned"])
    assert TeacherAssignment.objects.get(placement=w["second"]).teacher == w["unassigned"]
