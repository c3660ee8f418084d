"""In Chromium: a mentor and the school's teacher sign off the last competency and the coordinator sees the claim
accrue with its evidence (the apprentice's page on a phone-sized screen)."""

import datetime

import pytest

from backend.subsidy.models import Claim
from backend.training import services
from tests.factories.training import complete_rotation
from tests.portal.conftest import PHONE, screenshot

from .conftest import Apprentice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_mentor_and_teacher_sign_off_the_last_competency_and_the_coordinator_sees_the_claim(
    live_server, new_page, login
):
    # given an apprentice with everything done but the last competency
    a = Apprentice()
    complete_rotation(a.placement, a.plan, datetime.date(2026, 9, 1))
    for party, user in (("mentor", a.mentor), ("teacher", a.teacher), ("company", a.hr)):
        services.evaluation_record(placement=a.placement, party=party, grade="good", actor=user)
    first, last = a.competencies
    services.sign_off_confirm(
        sign_off=services.competency_sign(placement=a.placement, competency=first, actor=a.mentor),
        actor=a.teacher,
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
    # and the teacher (the school's coordinator) confirms it
    teacher = login(new_page(), a.teacher)
    teacher.goto(url)
    with teacher.expect_navigation():
        teacher.click(f'[data-testid="confirm-{last.code}"]')
    # then the coordinator sees the standard reached and the claim with its evidence
    assert "已达到培养标准" in teacher.locator('[data-testid="standard-state"]').inner_text()
    claim = teacher.locator('[data-testid="claim"]').inner_text()
    assert "5000.00" in claim and last.name in claim
    screenshot(teacher, "training-claim-accrued")
    assert Claim.objects.count() == 1
