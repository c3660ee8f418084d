"""Named signatories, seal images and drawn signatures: set in the portal, checked before anything is written,
recorded with each signature, and painted into the sealed PDF's signature blocks."""

from __future__ import annotations

import base64
import dataclasses
import io
import os
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from backend.companies.models import Company
from backend.core.errors import ApplicationError
from backend.core.models import AuditEvent
from backend.schools.models import School
from backend.signing import marks
from backend.signing.models import OneTimeCode, Signature, SignatureRequest
from backend.signing.sealing import agreement_seal, get_sealer, verify_document
from backend.signing.services import signing_send
from contracts.samples import sample_drawing_png, sample_seal_png
from tests.contracts.sealing_support import flip_byte_in_content, pdfsig, pdftotext
from tests.factories.accounts import HrFactory
from tests.factories.companies import CompanyFactory
from tests.signing.conftest import NOW, last_code, last_link
from tests.signing.helpers import committed, make_agreement_revision

REPO = Path(__file__).resolve().parents[2]


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def png(width: int, height: int, *, ink: bool = True, noise: bool = False) -> bytes:
    if noise:
        image = Image.frombytes("RGBA", (width, height), os.urandom(width * height * 4))
    else:
        image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
        if ink:
            for x in range(10, width - 10):
                for dy in range(-3, 4):
                    image.putpixel((x, height // 2 + dy), (10, 10, 10, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def jpeg(width: int = 300, height: int = 120) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (0, 0, 0)).save(out, format="JPEG")
    return out.getvalue()


def media_files(prefix: str) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / prefix
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def is_png(data: bytes) -> bool:
    return Image.open(io.BytesIO(data)).format == "PNG"


def upload(data: bytes, name: str = "seal.png") -> ContentFile:
    return ContentFile(data, name=name)


# --- the named signatory and the seal image ----------------------------------------------------------------------


def test_hr_names_the_company_signatory_and_uploads_its_seal_in_the_portal(cast, client):
    # given
    company = cast.placement.post.company
    client.force_login(cast.hr)

    # when
    response = client.post(
        "/company/signatory/",
        {
            "signatory_name": " 张 伟 ",
            "signatory_title": "legal_representative",
            "seal": upload(sample_seal_png(company.name)),
        },
    )

    # then: stored through Django's storage under the company's own prefix, as a re-encoded PNG
    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.signatory_name, company.signatory_title) == ("张 伟", "legal_representative")
    assert company.seal_image.name.startswith(f"seals/company/{company.pk}/")
    assert is_png(marks.seal_bytes(company))
    seal = client.get("/company/seal.png")
    assert seal.status_code == 200 and seal["Content-Type"] == "image/png"
    assert seal.content == marks.seal_bytes(company)
    page = client.get("/company/signatory/").content.decode()
    assert "张 伟" in page and "法定代表人" in page
    assert AuditEvent.objects.filter(action="company.signatory_set").count() == 1


def test_the_coordinator_names_the_school_signatory_and_uploads_its_seal(cast, client):
    # given
    school = cast.placement.pilot.school
    client.force_login(cast.coordinator)

    # when
    response = client.post(
        "/school/signatory/",
        {
            "signatory_name": "周校长",
            "signatory_title": "authorised",
            "seal": upload(sample_seal_png(school.name)),
        },
    )

    # then
    assert response.status_code == 302
    school.refresh_from_db()
    assert (school.signatory_name, school.signatory_title) == ("周校长", "authorised")
    assert school.seal_image.name.startswith(f"seals/school/{school.pk}/")
    assert client.get("/school/seal.png").content == marks.seal_bytes(school)
    assert "周校长" in client.get("/school/").content.decode()


def test_hr_cannot_set_another_companys_signatory_or_seal_nor_see_its_seal(cast, client):
    # given: another company, with a seal of its own
    other = CompanyFactory()
    other_hr = HrFactory(company=other)
    marks.organisation_signatory_set(
        actor=other_hr,
        organisation=other,
        name="赵总",
        title="legal_representative",
        seal=sample_seal_png("乙"),
    )
    events, files = AuditEvent.objects.count(), media_files("seals")

    # when: HR of the first company (and the school's coordinator) aim at it
    refusals = []
    for actor, organisation in (
        (cast.hr, other),
        (cast.coordinator, other),
        (cast.hr, School.objects.get(pk=cast.placement.pilot.school_id)),
    ):
        with pytest.raises(ApplicationError) as exc:
            marks.organisation_signatory_set(
                actor=actor,
                organisation=organisation,
                name="冒名",
                title="authorised",
                seal=sample_seal_png("x"),
            )
        refusals.append((exc.value.code, exc.value.status))

    # then: refused, nothing written; and the portal has no way to name another company
    assert refusals == [("PERMISSION_DENIED", 403)] * 3
    other.refresh_from_db()
    assert other.signatory_name == "赵总"
    assert AuditEvent.objects.count() == events and media_files("seals") == files
    client.force_login(cast.hr)
    assert (
        client.get("/company/seal.png").status_code == 404
    )  # the first company has no seal; the other's is not served
    client.force_login(cast.coordinator)
    assert client.get("/company/seal.png").status_code == 403
    assert client.get("/company/signatory/").status_code == 403


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (jpeg(300, 300), "PNG"),
        (b"GIF89a" + b"\0" * 200, "PNG"),
        (png(60, 60), "尺寸"),
        (png(1200, 1200, noise=True), "过大"),
        (png(300, 300, ink=False), "空白"),
        (b"\x89PNG\r\n\x1a\n" + b"not really", "无法读取"),
    ],
    ids=["jpeg", "gif", "too-small", "too-large", "blank", "broken"],
)
def test_a_seal_that_is_not_a_usable_png_is_refused_with_nothing_written(cast, client, data, message):
    # given
    company = cast.placement.post.company
    client.force_login(cast.hr)
    events, files = AuditEvent.objects.count(), media_files("seals")

    # when
    response = client.post(
        "/company/signatory/",
        {"signatory_name": "张伟", "signatory_title": "legal_representative", "seal": upload(data)},
    )

    # then
    assert response.status_code == 200
    assert message in response.content.decode()
    company.refresh_from_db()
    assert (company.signatory_name, company.seal_image.name) == ("", "")
    assert AuditEvent.objects.count() == events and media_files("seals") == files


# --- signing as the named signatory, with a drawn signature --------------------------------------------------------


def _send(cast):
    return committed(lambda: signing_send(actor=cast.coordinator, revision=cast.revision, now=NOW))


def _link_sign(client, phone: str, name: str, drawing: str | None):
    request_id, token = last_link(phone)
    committed(lambda: client.post(f"/sign/{request_id}/{token}/code"))
    data = {"code": last_code(phone), "typed_name": name, "agreed": "on"}
    if drawing is not None:
        data["drawing"] = drawing
    return committed(lambda: client.post(f"/sign/{request_id}/{token}/sign", data))


def _account_sign(client, user, name: str, drawing: str):
    request = SignatureRequest.objects.get(status="pending")
    client.force_login(user)
    page = client.get(f"/signing/requests/{request.pk}")
    assert page.status_code == 200, page.content
    committed(lambda: client.post(f"/signing/requests/{request.pk}/code"))
    return page, committed(
        lambda: client.post(
            f"/signing/requests/{request.pk}/sign",
            {"code": last_code(user.phone), "typed_name": name, "agreed": "on", "drawing": drawing},
        )
    )


@pytest.mark.parametrize(
    ("drawing", "code"),
    [
        ("", "SIGNATURE_DRAWING_REQUIRED"),
        (data_url(png(600, 200, ink=False)), "SIGNATURE_DRAWING_BLANK"),
        ("data:image/jpeg;base64," + base64.b64encode(jpeg()).decode(), "SIGNATURE_DRAWING_INVALID"),
        (data_url(jpeg()), "SIGNATURE_DRAWING_INVALID"),
        (data_url(png(1500, 900, noise=True)), "SIGNATURE_DRAWING_INVALID"),
        (data_url(png(3000, 200)), "SIGNATURE_DRAWING_INVALID"),
        ("data:image/png;base64,@@@not-base64@@@", "SIGNATURE_DRAWING_INVALID"),
    ],
    ids=["empty", "blank", "jpeg-url", "jpeg-in-png-url", "oversized", "too-wide", "not-base64"],
)
def test_a_blank_non_png_or_oversized_drawing_is_refused_with_nothing_written(cast, client, drawing, code):
    # given
    _send(cast)
    events = AuditEvent.objects.count()

    # when
    response = _link_sign(client, cast.student.phone, "李小明", drawing)

    # then: refused on the page, no signature, the code not spent, no audit row
    assert response.status_code == 400
    assert f'data-code="{code}"' in response.content.decode()
    assert Signature.objects.count() == 0
    assert SignatureRequest.objects.get(party="student").status == "pending"
    assert OneTimeCode.objects.filter(used_at__isnull=True).count() == 1
    assert AuditEvent.objects.count() == events


def test_a_drawing_is_stored_with_the_signature(cast, client):
    # given
    _send(cast)

    # when
    response = _link_sign(client, cast.student.phone, "李小明", data_url(sample_drawing_png(3)))

    # then
    assert response.status_code == 200
    signature = Signature.objects.get(party="student")
    drawn = Image.open(io.BytesIO(bytes(signature.drawing_png)))
    assert drawn.format == "PNG" and drawn.size == (600, 200)
    assert signature.seal_png == b"" and signature.signer_title == ""


def test_hr_signs_as_the_companys_named_signatory_not_as_the_account(cast, client):
    # given: the company names its legal representative and uploads its seal
    company = cast.placement.post.company
    marks.organisation_signatory_set(
        actor=cast.hr,
        organisation=company,
        name="张伟",
        title="legal_representative",
        seal=sample_seal_png("甲"),
    )
    _send(cast)
    _link_sign(client, cast.student.phone, "李小明", data_url(sample_drawing_png(1)))
    _link_sign(client, cast.guardian.phone, "李建国", data_url(sample_drawing_png(2)))

    # when: the account's display name is not who signs
    page, refused = _account_sign(client, cast.hr, "王芳", data_url(sample_drawing_png(3)))
    _, signed = _account_sign(client, cast.hr, "张伟", data_url(sample_drawing_png(3)))

    # then
    assert "张伟" in page.content.decode() and "法定代表人" in page.content.decode()
    assert 'data-testid="signatory"' in page.content.decode()
    assert 'data-testid="signatory-seal"' in page.content.decode()
    assert refused.status_code == 400 and 'data-code="NAME_MISMATCH"' in refused.content.decode()
    assert signed.status_code == 200
    signature = Signature.objects.get(party="company")
    assert (signature.typed_name, signature.signer_title, signature.user) == (
        "张伟",
        "legal_representative",
        cast.hr,
    )
    assert bytes(signature.seal_png) == marks.seal_bytes(Company.objects.get(pk=company.pk))
    assert "本人张伟，作为企业" in signature.agreed_text


# --- the sealed PDF ------------------------------------------------------------------------------------------------


def _real_four_party_pdf(cast) -> bytes:
    from contracts.context import AgreementKind, Guardian
    from contracts.convert import convert_cold
    from contracts.render import render_docx
    from contracts.samples import sample_context

    context = sample_context(
        AgreementKind.FOUR_PARTY, number="XT-MARKS-000001", student_name=cast.student.name
    )
    context = dataclasses.replace(
        context, guardian=Guardian(name=cast.guardian.name, relation="父亲", phone=cast.guardian.phone)
    )
    template = (REPO / "templates" / "agreements" / "four_party.docx").read_bytes()
    return convert_cold(render_docx(template, context))


def _images_on(pdf: bytes, directory: Path) -> list[tuple[int, str, str, str]]:
    path = directory / "images.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True).stdout
    return [(int(c[0]), c[2], c[3], c[4]) for c in (line.split() for line in out.splitlines()[2:])]


@pytest.mark.libreoffice
def test_the_sealed_pdf_shows_every_signatory_drawing_and_seal_and_stays_valid(cast, client, tmp_path):
    # given: a real agreement; the company and the school have named signatories and seals
    unsigned = _real_four_party_pdf(cast)
    cast.revision = make_agreement_revision(
        cast.placement, four_party=True, pdf=unsigned, agreement=cast.revision.agreement
    )
    company, school = cast.placement.post.company, School.objects.get(pk=cast.placement.pilot.school_id)
    marks.organisation_signatory_set(
        actor=cast.hr,
        organisation=company,
        name="张伟",
        title="legal_representative",
        seal=sample_seal_png(company.name),
    )
    marks.organisation_signatory_set(
        actor=cast.coordinator,
        organisation=school,
        name="周校长",
        title="authorised",
        seal=sample_seal_png(school.name, size=360),
    )
    envelope = _send(cast)

    # when: every party signs with a drawing of its own size (to tell them apart in the PDF), then it is sealed
    _link_sign(client, cast.student.phone, "李小明", data_url(sample_drawing_png(1, width=610)))
    _link_sign(client, cast.guardian.phone, "李建国", data_url(sample_drawing_png(2, width=620)))
    _account_sign(client, cast.hr, "张伟", data_url(sample_drawing_png(3, width=630)))
    _account_sign(client, cast.coordinator, "周校长", data_url(sample_drawing_png(4, width=640)))
    sealed = committed(lambda: agreement_seal(envelope_id=envelope.pk, now=NOW))
    data = sealed.pdf.read()

    # then: the names, capacities and the drawings and seals are on the agreement's signature page
    signature_page_number = int(PdfFileReader(io.BytesIO(unsigned)).root["/Pages"]["/Count"])
    (signature_page,) = [p for p in pdftotext(data, tmp_path).split("\f") if "（四方）签署页" in p]
    for text in ("李小明", "李建国", "张伟", "周校长", "法定代表人", "授权签字人", "（北京时间）"):
        assert text in signature_page
    images = {
        (w, h)
        for page, kind, w, h in _images_on(data, tmp_path)
        if page == signature_page_number and kind == "image"
    }
    assert {("610", "200"), ("620", "200"), ("630", "200"), ("640", "200")} <= images
    assert {("400", "400"), ("360", "360")} <= images
    # the agreement the parties agreed to is the sealed file's first bytes; the signature covers everything
    assert data.startswith(unsigned)
    assert "Signature Validation: Signature is Valid." in pdfsig(data, tmp_path, None)
    (embedded,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
    status = validate_pdf_signature(
        embedded,
        signer_validation_context=ValidationContext(
            trust_roots=list(get_sealer().chain), allow_fetching=False
        ),
    )
    assert status.bottom_line and status.coverage.name == "ENTIRE_FILE"
    assert verify_document(pdf=data).valid
    tampered = flip_byte_in_content(data)
    assert "Digest Mismatch" in pdfsig(tampered, tmp_path, None)
    assert not verify_document(pdf=tampered).valid


@pytest.mark.libreoffice
def test_the_demo_signs_as_named_signatories_with_drawings_and_seals(transactional_db, tmp_path):
    # given
    from django.core.management import call_command

    from backend.signing.models import SealedAgreement

    # when
    call_command("seed_demo")

    # then: every demo school and company has a signatory and a seal; the sealed PDFs show them
    assert not School.objects.filter(signatory_name="").exists()
    assert not Company.objects.filter(signatory_name="").exists()
    assert all(is_png(marks.seal_bytes(o)) for o in [*School.objects.all(), *Company.objects.all()])
    sealed = SealedAgreement.objects.select_related("envelope").order_by("id").first()
    signatures = Signature.objects.filter(request__envelope=sealed.envelope)
    company_signature = signatures.get(party="company")
    assert company_signature.signer_title == "legal_representative" and company_signature.seal_png
    assert all(s.drawing_png for s in signatures)
    text = pdftotext(sealed.pdf.read(), tmp_path)
    for signature in signatures:
        assert signature.typed_name in text


def test_large_seals_and_drawings_are_stored_at_a_bounded_size(cast):
    # given: a 1600x1600 seal and a 2000x800 drawing, both acceptable
    seal = sample_seal_png("大图公章", size=1600)
    drawing = data_url(png(2000, 800))

    # when
    company = marks.organisation_signatory_set(
        actor=cast.hr, organisation=cast.placement.post.company, name="张伟", title="authorised", seal=seal
    )
    stored_drawing = marks.drawing_from_data_url(drawing)

    # then: what sealing will stamp is bounded (aspect kept), so sealing stays fast whatever was uploaded
    assert Image.open(io.BytesIO(marks.seal_bytes(company))).size == (600, 600)
    assert Image.open(io.BytesIO(stored_drawing)).size == (800, 320)
