"""In Chromium: a mentor and the school's supervising teacher (role teacher, assigned to the placement) sign off the
last competency and the coordinator sees the claim accrue with its evidence (the mentor on a phone-sized screen)."""

import datetime

import pytest

from backend.subsidy.models import Claim
from backend.training import services
from tests.factories.attendance import TeacherAssignmentFactory
from tests.factories.training import complete_rotation
from tests.portal.conftest import PHONE, screenshot

from .conftest import Apprentice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_mentor_and_teacher_sign_off_the_last_competency_and_the_coordinator_sees_the_claim(
    live_server, new_page, login
):
    # given an apprentice with everything done but the last competency
    a = Apprentice()
    coordinator = a.teacher  # the Apprentice's school coordinator; the placement now has its own teacher
    teacher_user = TeacherAssignmentFactory(placement=a.placement).teacher
    complete_rotation(a.placement, a.plan, datetime.date(2026, 9, 1))
    for party, user in (("mentor", a.mentor), ("teacher", teacher_user), ("company", a.hr)):
        services.evaluation_record(placement=a.placement, party=party, grade="good", actor=user)
    first, last = a.competencies
    services.sign_off_confirm(
        sign_off=services.competency_sign(placement=a.placement, competency=first, actor=a.mentor),
        actor=teacher_user,
    )
    url = f"{live_server.url}/training/records/{a.placement.training.pk}/"
    # when the mentor signs the last competency on a phone
    mentor = login(new_page(viewport=PHONE), a.mentor)
    mentor.goto(url)
    mentor.fill(f'[data-testid="competency-{last.code}"] input[name=evidence_text]', "独立完成首件检验")
    with mentor.expect_navigation():
        mentor.click(f'[data-testid="sign-{last.code}"]')
    assert "师傅已签认" in mentor.locator(f'[data-testid="competency-{last.code}"]').inner_text()
    assert Claim.objects.count() == 0
    # and the coordinator, the placement having its own teacher, is offered no confirmation
    school = login(new_page(), coordinator)
    school.goto(url)
    assert school.locator(f'[data-testid="confirm-{last.code}"]').count() == 0
    # when the assigned teacher confirms it
    teacher = login(new_page(), teacher_user)
    teacher.goto(url)
    with teacher.expect_navigation():
        teacher.click(f'[data-testid="confirm-{last.code}"]')
    assert "已达到培养标准" in teacher.locator('[data-testid="standard-state"]').inner_text()
    # then the coordinator sees the standard reached and the claim with its evidence
    school.goto(url)
    assert "已达到培养标准" in school.locator('[data-testid="standard-state"]').inner_text()
    claim = school.locator('[data-testid="claim"]').inner_text()
    assert "5000.00" in claim and last.name in claim
    screenshot(school, "training-claim-accrued")
    assert Claim.objects.count() == 1
