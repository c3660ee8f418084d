"""agreement_generate with real docxtpl, LibreOffice and PostgreSQL."""

import datetime
import hashlib
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from backend.agreements.models import Agreement, AgreementKind, AgreementRevision, AgreementStatus
from backend.agreements.services import (
    agreement_generate,
    agreement_replace,
    agreement_set_status,
    agreement_void,
)
from backend.core.errors import ApplicationError
from backend.core.models import AuditEvent
from tests.factories.agreements import complete_placement
from tests.factories.companies import MentorFactory

pytestmark = [pytest.mark.django_db, pytest.mark.libreoffice]

START = datetime.date(2026, 9, 1)


def _born(years: int, days: int) -> datetime.date:
    birthday = START + datetime.timedelta(days=days)
    return birthday.replace(year=birthday.year - years)


def _stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT) / "agreements"
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _pdf_text(revision: AgreementRevision) -> str:
    with revision.pdf.open("rb") as fh:
        data = fh.read()
    out = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return "".join(out.stdout.decode().split())


@pytest.mark.parametrize(
    ("birth", "kind"),
    [
        (_born(16, 0), AgreementKind.FOUR_PARTY),
        (_born(16, -1), AgreementKind.FOUR_PARTY),
        (_born(18, 1), AgreementKind.FOUR_PARTY),
        (_born(18, 0), AgreementKind.THREE_PARTY),
        (_born(18, -1), AgreementKind.THREE_PARTY),
    ],
    ids=[
        "16th-birthday-on-start",
        "16-the-day-before",
        "18th-birthday-the-day-after",
        "18th-on-start",
        "18-before",
    ],
)
def test_the_template_is_chosen_by_age_on_the_start_date_from_the_resident_id(birth, kind, coordinator):
    # given
    placement = complete_placement(birth=birth, start_date=START)

    # when
    agreement = agreement_generate(actor=coordinator, placement=placement)

    # then
    revision = agreement.current_revision
    assert agreement.kind == kind
    assert revision.template_version.kind == kind
    text = _pdf_text(revision)
    assert ("丁方（监护人）" in text) == (kind == AgreementKind.FOUR_PARTY)
    assert placement.student.name in text


def test_under_16_on_the_start_date_is_refused_with_age_min_and_no_file_written(coordinator):
    # given: the 16th birthday is the day after the start date
    placement = complete_placement(birth=_born(16, 1), start_date=START)
    before = _stored_files()

    # when
    with pytest.raises(ApplicationError) as refused:
        agreement_generate(actor=coordinator, placement=placement)

    # then
    assert refused.value.code == "AGE_MIN"
    assert Agreement.objects.count() == 0
    assert _stored_files() == before


def test_a_generated_agreement_stores_both_files_their_sha256_the_template_version_and_the_data(coordinator):
    # given
    placement = complete_placement(birth=_born(17, 0), start_date=START)

    # when
    agreement = agreement_generate(actor=coordinator, placement=placement)

    # then
    revision = agreement.current_revision
    with revision.pdf.open("rb") as pdf, revision.docx.open("rb") as docx:
        pdf_bytes, docx_bytes = pdf.read(), docx.read()
    assert pdf_bytes.startswith(b"%PDF-") and docx_bytes.startswith(b"PK")
    assert revision.pdf_sha256 == hashlib.sha256(pdf_bytes).hexdigest()
    assert revision.docx_sha256 == hashlib.sha256(docx_bytes).hexdigest()
    assert revision.template_version.number == 1 and revision.template_version.school is None
    assert revision.context["student"]["name"] == placement.student.name
    assert revision.context["guardian"]["name"] == placement.student.guardians.get().name
    assert revision.context["mentor"]["name"] == placement.mentor.name
    assert agreement.status == AgreementStatus.DRAFT
    assert AuditEvent.objects.filter(action="agreement.generate", object_id=str(agreement.pk)).exists()


@pytest.mark.parametrize(
    ("break_it", "field", "label"),
    [
        (lambda p: p.student.guardians.all().delete(), "guardian", "监护人"),
        (lambda p: type(p).objects.filter(pk=p.pk).update(mentor=None), "mentor", "企业师傅"),
        (
            lambda p: type(p).objects.filter(pk=p.pk).update(supervising_teacher=""),
            "supervising_teacher",
            "学校指导教师",
        ),
        (lambda p: p.stages.all().delete(), "stages", "培养阶段"),
        (
            lambda p: p.insurance_policies.filter(kind="work_injury").delete(),
            "insurance.work_injury",
            "工伤保险",
        ),
    ],
    ids=["no-guardian-four-party", "no-mentor", "no-teacher", "no-stages", "no-work-injury-insurance"],
)
def test_missing_data_is_refused_naming_the_field_and_nothing_is_stored(break_it, field, label, coordinator):
    # given: a 17-year-old (four-party) with one fact missing
    placement = complete_placement(birth=_born(17, 0), start_date=START)
    break_it(placement)
    before = _stored_files()

    # when
    with pytest.raises(ApplicationError) as refused:
        agreement_generate(actor=coordinator, placement=placement)

    # then
    assert refused.value.code == "AGREEMENT_DATA_MISSING"
    assert refused.value.details["fields"] == [field]
    assert label in refused.value.message
    assert Agreement.objects.count() == 0 and AgreementRevision.objects.count() == 0
    assert _stored_files() == before


def test_an_adult_without_a_guardian_gets_a_three_party_agreement(coordinator):
    # given
    placement = complete_placement(birth=_born(19, 0), start_date=START, guardian=False)

    # when
    agreement = agreement_generate(actor=coordinator, placement=placement)

    # then
    assert agreement.kind == AgreementKind.THREE_PARTY


def test_pay_below_80_percent_of_the_post_wage_is_refused(coordinator):
    # given
    placement = complete_placement(birth=_born(19, 0), start_date=START, monthly_pay="3999.99")

    # when / then
    with pytest.raises(ApplicationError) as refused:
        agreement_generate(actor=coordinator, placement=placement)
    assert refused.value.code == "PAY_FLOOR"


def test_regenerating_an_unsigned_agreement_makes_a_new_revision_of_the_same_agreement(coordinator):
    # given
    placement = complete_placement(birth=_born(19, 0), start_date=START)
    first = agreement_generate(actor=coordinator, placement=placement)
    agreement_set_status(actor=coordinator, agreement=first, to=AgreementStatus.SENT)
    new_mentor = MentorFactory(company=placement.post.company, post=placement.post, name="新师傅")
    type(placement).objects.filter(pk=placement.pk).update(mentor=new_mentor)

    # when
    second = agreement_generate(actor=coordinator, placement=placement)

    # then
    assert second.pk == first.pk
    assert [r.number for r in second.revisions.order_by("number")] == [1, 2]
    assert second.current_revision.context["mentor"]["name"] == "新师傅"
    assert second.revisions.get(number=1).context["mentor"]["name"] != "新师傅"  # the old one stays as it was
    assert second.status == AgreementStatus.DRAFT


def test_a_signed_agreement_is_never_regenerated_only_voided_and_replaced(coordinator):
    # given
    placement = complete_placement(birth=_born(19, 0), start_date=START)
    agreement = agreement_generate(actor=coordinator, placement=placement)
    agreement_set_status(actor=coordinator, agreement=agreement, to=AgreementStatus.SENT)
    agreement_set_status(actor=coordinator, agreement=agreement, to=AgreementStatus.SIGNED)
    before = _stored_files()

    # when
    with pytest.raises(ApplicationError) as refused:
        agreement_generate(actor=coordinator, placement=placement)

    # then
    assert refused.value.code == "AGREEMENT_SIGNED"
    assert agreement.revisions.count() == 1 and _stored_files() == before

    # when: voided and replaced
    replacement = agreement_replace(actor=coordinator, agreement=agreement, reason="岗位变更")

    # then
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.VOID and agreement.void_reason == "岗位变更"
    assert replacement.pk != agreement.pk and replacement.replaces_id == agreement.pk
    assert replacement.number != agreement.number
    assert agreement.revisions.count() == 1  # the signed document is kept as it was


def test_a_void_agreement_cannot_be_voided_again(coordinator):
    # given
    placement = complete_placement(birth=_born(19, 0), start_date=START)
    agreement = agreement_generate(actor=coordinator, placement=placement)
    agreement_void(actor=coordinator, agreement=agreement, reason="重新安排")

    # when / then
    with pytest.raises(ApplicationError) as refused:
        agreement_void(actor=coordinator, agreement=agreement, reason="again")
    assert refused.value.code == "AGREEMENT_STATUS"
