"""The portal's training pages: a mentor and the school's teacher sign off the last competency and the coordinator
sees the claim accrue with its evidence; each role reaches only its own records."""

import datetime

import pytest
from django.test import Client

from backend.subsidy.models import Claim
from backend.training import services
from backend.training.models import Evaluation, SignOff
from tests.factories.accounts import CoordinatorFactory, HrFactory, StudentUserFactory
from tests.factories.training import complete_rotation

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_mentor_and_teacher_sign_off_the_last_competency_and_the_coordinator_sees_the_claim(apprentice):
    a = apprentice
    complete_rotation(a.placement, a.plan, datetime.date(2026, 9, 1))
    for party, user in (("mentor", a.mentor), ("teacher", a.teacher), ("company", a.hr)):
        services.evaluation_record(placement=a.placement, party=party, grade="good", actor=user)
    first, last = a.competencies
    services.sign_off_confirm(
        sign_off=services.competency_sign(placement=a.placement, competency=first, actor=a.mentor),
        actor=a.teacher,
    )
    record = a.placement.training
    url = f"/training/records/{record.pk}/"
    # the mentor signs the last competency on the page
    mentor = _client(a.mentor)
    assert f'data-testid="sign-{last.code}"' in mentor.get(url).content.decode()
    mentor.post(f"{url}sign", {"competency": last.pk, "evidence_text": "独立完成"})
    sign_off = SignOff.objects.get(competency=last)
    # the teacher (the school's coordinator) confirms it
    teacher = _client(a.teacher)
    assert f'data-testid="confirm-{last.code}"' in teacher.get(url).content.decode()
    teacher.post(f"/training/sign-offs/{sign_off.pk}/confirm")
    # the coordinator's page shows the standard reached and the claim with its evidence
    page = teacher.get(url).content.decode()
    assert "已达到培养标准" in page
    assert 'data-testid="claim"' in page and "5000.00" in page and last.name in page
    assert Claim.objects.count() == 1


def test_the_apprentice_self_evaluates_on_the_phone_page(apprentice):
    services.enrolment_ensure(apprentice.placement)
    student = StudentUserFactory(student=apprentice.placement.student)
    client = _client(student)
    record = apprentice.placement.training
    assert "提交自评" in client.get(f"/training/records/{record.pk}/").content.decode()
    client.post(f"/training/records/{record.pk}/evaluate", {"grade": "good", "comments": "收获很大"})
    assert Evaluation.objects.get().party == "self"


def test_hr_approves_on_the_plan_page_and_every_page_is_closed_to_others(apprentice):
    services.enrolment_ensure(apprentice.placement)
    record = apprentice.placement.training
    pages = [f"/training/plans/{apprentice.plan.pk}/", f"/training/records/{record.pk}/"]
    for insider in (apprentice.teacher, apprentice.hr, apprentice.mentor):
        assert all(_client(insider).get(p).status_code == 200 for p in pages)
    for outsider in (CoordinatorFactory(), HrFactory(), StudentUserFactory()):
        client = _client(outsider)
        assert all(client.get(p).status_code == 404 for p in pages)
        assert apprentice.placement.student.name not in client.get("/training/").content.decode()
    zh = _client(apprentice.hr).get("/training/").content.decode()
    assert "人才培养方案" in zh


def test_the_pages_are_in_english_when_english_is_chosen(apprentice):
    services.enrolment_ensure(apprentice.placement)
    client = _client(apprentice.teacher)
    client.cookies["django_language"] = "en"
    page = client.get("/training/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Training plans" in page


def test_an_active_apprentice_not_yet_rotating_is_started_from_the_training_page_on_a_past_day(apprentice):
    """Issue 12: a newly activated apprentice had no training record, so neither the mentor nor the teacher could
    reach it; the coordinator or HR now starts the rotation from /training/ on the day the apprentice began, and the
    hours worked since count toward the post."""
    from backend.core.clock import local_today
    from backend.training.models import RotationAssignment, TrainingEnrolment
    from tests.factories.training import work

    a = apprentice
    day = max(a.placement.start_date, local_today() - datetime.timedelta(days=7))
    work(a.placement, day)
    hr = _client(a.hr)
    # given: listed as not started, with the start form
    page = hr.get("/training/").content.decode()
    assert f'data-testid="not-started-{a.placement.pk}"' in page and a.placement.student.name in page
    # when HR starts it on that day
    response = hr.post(f"/training/placements/{a.placement.pk}/start", {"on": day.isoformat()}, follow=True)
    # then the record exists, the first post began that day and its hours count
    enrolment = TrainingEnrolment.objects.get(placement=a.placement)
    assert response.redirect_chain[-1][0] == f"/training/records/{enrolment.pk}/"
    assert RotationAssignment.objects.get(enrolment=enrolment).started_on == day
    assert "8.00 / 8.00" in response.content.decode()
    assert f'data-testid="not-started-{a.placement.pk}"' not in hr.get("/training/").content.decode()
    # and the mentor finds it on the training page
    assert f"/training/records/{enrolment.pk}/" in _client(a.mentor).get("/training/").content.decode()


def test_a_rotation_move_in_the_future_or_before_the_placement_writes_nothing(apprentice):
    from backend.core.clock import local_today
    from backend.training.models import RotationAssignment

    a = apprentice
    client = _client(a.teacher)  # the coordinator
    for bad in (
        local_today() + datetime.timedelta(days=1),
        a.placement.start_date - datetime.timedelta(days=1),
    ):
        response = client.post(
            f"/training/placements/{a.placement.pk}/start", {"on": bad.isoformat()}, follow=True
        )
        assert "轮岗日期须在" in response.content.decode()
    assert RotationAssignment.objects.count() == 0
    # a mentor, a student or another school's coordinator cannot start it
    for outsider in (a.mentor, StudentUserFactory(student=a.placement.student), CoordinatorFactory()):
        assert _client(outsider).post(f"/training/placements/{a.placement.pk}/start").status_code in (
            403,
            404,
        )
    assert RotationAssignment.objects.count() == 0


def test_moving_on_takes_the_day_given_and_the_finished_rotation_offers_no_more_moves(apprentice):
    from backend.core.clock import local_today
    from backend.training.models import RotationAssignment, RotationStatus

    a = apprentice
    start = max(a.placement.start_date, local_today() - datetime.timedelta(days=10))
    services.rotation_move(placement=a.placement, actor=None, on=start)
    record = a.placement.training
    client = _client(a.hr)
    assert 'data-testid="rotation-move"' in client.get(f"/training/records/{record.pk}/").content.decode()
    finished = start + datetime.timedelta(days=3)
    page = client.post(f"/training/records/{record.pk}/move", {"on": finished.isoformat()}, follow=True)
    step = RotationAssignment.objects.get(enrolment=record)
    assert step.status == RotationStatus.DONE and step.ended_on == finished
    body = page.content.decode()
    assert 'data-testid="rotation-move"' not in body and "已完成" in body
