"""Competency sign-off: the mentor signs, the school confirms; refusals need a reason; withdrawal is recorded."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.core.errors import ApplicationError
from backend.training import services
from backend.training.models import SignOff, SignOffStatus
from backend.training.selectors import enrolment_standard
from tests.factories.accounts import CoordinatorFactory, MentorUserFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 10, 1)


def _confirmed_codes(apprentice):
    standard, _ = enrolment_standard(apprentice.placement.training, today=TODAY)
    return standard.missing_competencies


def test_a_competency_signed_by_the_mentor_alone_does_not_count(apprentice):
    first = apprentice.competencies[0]
    # when the mentor signs it off
    sign_off = services.competency_sign(
        placement=apprentice.placement, competency=first, actor=apprentice.mentor
    )
    # then it is still missing from the standard
    assert sign_off.status == SignOffStatus.SIGNED
    assert first.code in _confirmed_codes(apprentice)
    # when the school's teacher confirms it, it counts
    services.sign_off_confirm(sign_off=sign_off, actor=apprentice.teacher)
    sign_off.refresh_from_db()
    assert sign_off.status == SignOffStatus.CONFIRMED and sign_off.teacher_at and sign_off.mentor_at
    assert first.code not in _confirmed_codes(apprentice)


def test_only_the_apprentices_mentor_signs_and_only_its_school_confirms(apprentice):
    first = apprentice.competencies[0]
    with pytest.raises(ApplicationError) as exc:
        services.competency_sign(placement=apprentice.placement, competency=first, actor=MentorUserFactory())
    assert exc.value.status == 403
    assert SignOff.objects.count() == 0
    sign_off = services.competency_sign(
        placement=apprentice.placement, competency=first, actor=apprentice.mentor
    )
    with pytest.raises(ApplicationError) as exc:
        services.sign_off_confirm(sign_off=sign_off, actor=CoordinatorFactory())  # another school
    assert exc.value.status == 403
    sign_off.refresh_from_db()
    assert sign_off.status == SignOffStatus.SIGNED


def test_the_teacher_refuses_with_a_reason_and_the_mentor_may_sign_again(apprentice):
    first = apprentice.competencies[0]
    sign_off = services.competency_sign(
        placement=apprentice.placement, competency=first, actor=apprentice.mentor
    )
    with pytest.raises(ApplicationError):
        services.sign_off_refuse(sign_off=sign_off, actor=apprentice.teacher, reason="  ")
    services.sign_off_refuse(sign_off=sign_off, actor=apprentice.teacher, reason="操作不规范, 需再练习")
    sign_off.refresh_from_db()
    assert sign_off.status == SignOffStatus.REFUSED and sign_off.refuse_reason == "操作不规范, 需再练习"
    again = services.competency_sign(
        placement=apprentice.placement, competency=first, actor=apprentice.mentor
    )
    assert again.pk != sign_off.pk
    assert SignOff.objects.filter(competency=first).count() == 2


def test_a_competency_is_signed_once_while_a_sign_off_stands(apprentice):
    first = apprentice.competencies[0]
    services.competency_sign(placement=apprentice.placement, competency=first, actor=apprentice.mentor)
    with pytest.raises(ApplicationError) as exc:
        services.competency_sign(placement=apprentice.placement, competency=first, actor=apprentice.mentor)
    assert exc.value.code == "SIGN_OFF_EXISTS"
    assert SignOff.objects.count() == 1


def test_withdrawal_is_recorded_never_deleted(apprentice):
    first = apprentice.competencies[0]
    sign_off = services.competency_sign(
        placement=apprentice.placement, competency=first, actor=apprentice.mentor
    )
    services.sign_off_confirm(sign_off=sign_off, actor=apprentice.teacher)
    services.sign_off_withdraw(sign_off=sign_off, actor=apprentice.teacher, reason="复核发现记录有误")
    sign_off.refresh_from_db()
    assert SignOff.objects.count() == 1
    assert sign_off.status == SignOffStatus.WITHDRAWN and sign_off.withdrawn_at is not None
    assert first.code in _confirmed_codes(apprentice)


def test_evidence_is_stored_through_the_storage_api_and_checked(apprentice, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    first, second = apprentice.competencies
    photo = SimpleUploadedFile("work.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="image/png")
    sign_off = services.competency_sign(
        placement=apprentice.placement,
        competency=first,
        actor=apprentice.mentor,
        evidence_file=photo,
        evidence_text="加工零件一件, 尺寸合格",
    )
    assert sign_off.evidence_file.storage.exists(sign_off.evidence_file.name)
    assert sign_off.evidence_file.read().startswith(b"\x89PNG")
    fake = SimpleUploadedFile("work.png", b"MZ not an image", content_type="image/png")
    with pytest.raises(ApplicationError) as exc:
        services.competency_sign(
            placement=apprentice.placement, competency=second, actor=apprentice.mentor, evidence_file=fake
        )
    assert exc.value.code == "EVIDENCE_TYPE"
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (services.EVIDENCE_MAX_BYTES + 1))
    with pytest.raises(ApplicationError) as exc:
        services.competency_sign(
            placement=apprentice.placement, competency=second, actor=apprentice.mentor, evidence_file=big
        )
    assert exc.value.code == "EVIDENCE_TOO_LARGE"
    assert SignOff.objects.count() == 1


def test_a_competency_of_another_plan_version_is_refused(apprentice):
    from tests.factories.placements import PlacementFactory
    from tests.factories.training import approved_plan, competencies

    other = PlacementFactory(active=True)
    foreign = competencies(approved_plan(other.pilot, [other.post]))[0]
    with pytest.raises(ApplicationError) as exc:
        services.competency_sign(placement=apprentice.placement, competency=foreign, actor=apprentice.mentor)
    assert exc.value.code == "COMPETENCY_NOT_IN_PLAN"
