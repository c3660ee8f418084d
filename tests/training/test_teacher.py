"""The school's supervising teacher (role teacher, assigned to the placement in backend.attendance) is the second
signature and the teacher's evaluation; the coordinator stands in only where the school assigned no teacher."""

import pytest

from backend.core.errors import ApplicationError
from backend.training import services
from backend.training.models import Evaluation, SignOff, SignOffStatus
from tests.factories.attendance import TeacherAssignmentFactory, TeacherFactory

from .conftest import Apprentice

pytestmark = pytest.mark.django_db


def _assigned(a: Apprentice):
    return TeacherAssignmentFactory(placement=a.placement).teacher


def test_the_assigned_teacher_confirms_and_is_named_on_the_sign_off(apprentice):
    # given a sign-off by the mentor and a teacher assigned to the placement
    a = apprentice
    teacher = _assigned(a)
    sign_off = services.competency_sign(placement=a.placement, competency=a.competencies[0], actor=a.mentor)
    # when the teacher confirms
    services.sign_off_confirm(sign_off=sign_off, actor=teacher)
    # then both signatures stand, the teacher's under their own name
    sign_off.refresh_from_db()
    assert sign_off.status == SignOffStatus.CONFIRMED
    assert sign_off.teacher_by == teacher and sign_off.teacher_name == str(teacher)


def test_an_unassigned_teacher_and_the_coordinator_of_an_assigned_placement_are_refused(apprentice):
    # given a teacher assigned to the placement, another teacher of the same school, and the school's coordinator
    a = apprentice
    _assigned(a)
    other = TeacherFactory(school=a.placement.pilot.school)
    sign_off = services.competency_sign(placement=a.placement, competency=a.competencies[0], actor=a.mentor)
    # when either tries to confirm, refuse or evaluate as the teacher
    for actor in (other, a.teacher):
        with pytest.raises(ApplicationError) as refused:
            services.sign_off_confirm(sign_off=sign_off, actor=actor)
        assert refused.value.status == 403
        with pytest.raises(ApplicationError):
            services.sign_off_refuse(sign_off=sign_off, actor=actor, reason="不同意")
        with pytest.raises(ApplicationError):
            services.evaluation_record(placement=a.placement, party="teacher", grade="good", actor=actor)
    # then nothing was written
    assert SignOff.objects.get(pk=sign_off.pk).status == SignOffStatus.SIGNED
    assert Evaluation.objects.count() == 0


def test_the_coordinator_confirms_where_no_teacher_is_assigned(apprentice):
    # given no teacher assigned (the Apprentice fixture's teacher is the school's coordinator)
    a = apprentice
    sign_off = services.competency_sign(placement=a.placement, competency=a.competencies[0], actor=a.mentor)
    # when the coordinator confirms
    services.sign_off_confirm(sign_off=sign_off, actor=a.teacher)
    # then it counts
    assert SignOff.objects.get(pk=sign_off.pk).status == SignOffStatus.CONFIRMED
    # and a teacher of the school who is not assigned is still refused
    with pytest.raises(ApplicationError):
        services.evaluation_record(
            placement=a.placement,
            party="teacher",
            grade="good",
            actor=TeacherFactory(school=a.placement.pilot.school),
        )
    assert Evaluation.objects.count() == 0


def test_the_assigned_teacher_evaluates_refuses_with_a_reason_and_revokes(apprentice):
    a = apprentice
    teacher = _assigned(a)
    # when the teacher gives the teacher's evaluation
    evaluation = services.evaluation_record(
        placement=a.placement, party="teacher", grade="good", actor=teacher
    )
    # then it is recorded under the teacher's name, and the teacher may revoke it with a reason
    assert evaluation.evaluator == teacher and evaluation.evaluator_name == str(teacher)
    services.evaluation_revoke(evaluation=evaluation, actor=teacher, reason="评价表填错")
    assert Evaluation.objects.get(pk=evaluation.pk).status == "revoked"
    # and the teacher refuses a sign-off with a reason
    sign_off = services.competency_sign(placement=a.placement, competency=a.competencies[0], actor=a.mentor)
    services.sign_off_refuse(sign_off=sign_off, actor=teacher, reason="佐证不足")
    assert SignOff.objects.get(pk=sign_off.pk).refuse_reason == "佐证不足"


def test_a_teacher_sees_only_the_records_assigned_to_them_in_the_api_and_the_portal(client):
    # given two apprentices of the same school, a teacher assigned to the first only
    mine, theirs = Apprentice(), Apprentice()
    teacher = _assigned(mine)
    services.enrolment_ensure(mine.placement)
    services.enrolment_ensure(theirs.placement)
    sign_off = services.competency_sign(
        placement=theirs.placement, competency=theirs.competencies[0], actor=theirs.mentor
    )
    client.force_login(teacher)
    # when the teacher lists the records and opens each
    listed = client.get("/api/v1/training-records/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    # then only the assigned apprentice's record is there
    assert [r["id"] for r in rows] == [mine.placement.training.pk]
    page = client.get(f"/training/records/{mine.placement.training.pk}/")
    assert page.status_code == 200 and page.context["is_teacher"] and page.context["my_party"] == "teacher"
    assert client.get(f"/training/records/{theirs.placement.training.pk}/").status_code == 404
    # and confirming another apprentice's sign-off answers not found and changes nothing
    assert client.post(f"/api/v1/competency-sign-offs/{sign_off.pk}/confirm/").status_code == 404
    client.post(f"/training/sign-offs/{sign_off.pk}/confirm")
    assert SignOff.objects.get(pk=sign_off.pk).status == SignOffStatus.SIGNED


def test_the_teacher_confirms_on_the_record_page(client, apprentice):
    a = apprentice
    teacher = _assigned(a)
    sign_off = services.competency_sign(placement=a.placement, competency=a.competencies[0], actor=a.mentor)
    client.force_login(teacher)
    page = client.get(f"/training/records/{a.placement.training.pk}/")
    assert f'data-testid="confirm-{a.competencies[0].code}"' in page.content.decode()
    client.post(f"/training/sign-offs/{sign_off.pk}/confirm")
    assert SignOff.objects.get(pk=sign_off.pk).teacher_by == teacher
