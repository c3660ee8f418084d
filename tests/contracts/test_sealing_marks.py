"""Each party's marks in the agreement's signature blocks: name, capacity, Beijing time, drawn signature and seal,
painted into the real LibreOffice agreement before the platform signs, so that they are part of the signed bytes."""

import dataclasses
import io
import subprocess

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from contracts.context import AgreementKind
from contracts.render import render_docx
from contracts.samples import sample_context, sample_drawing_png, sample_seal_png
from contracts.sealing import find_signature_blocks, seal_agreement_pdf, verify_sealed_pdf
from tests.contracts.sealing_support import (
    agreement_pdf,
    flip_byte_in_content,
    make_seal_env,
    pdfsig,
    pdftotext,
    signing_record,
)

TITLES = {"company": "legal_representative", "school": "authorised"}


def pdfimages_list(pdf: bytes, directory) -> list[dict[str, str]]:
    path = directory / "images.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True)
    rows = []
    for line in out.stdout.splitlines()[2:]:
        cols = line.split()
        rows.append({"page": cols[0], "type": cols[2], "width": cols[3], "height": cols[4]})
    return rows


def marked_record(unsigned: bytes):
    record = signing_record(unsigned)
    events = tuple(
        dataclasses.replace(
            event,
            signer_title=TITLES.get(event.role, ""),
            drawing_png=sample_drawing_png(index, width=500 + index, height=180),
            seal_png=sample_seal_png(event.signer_name, size=300 + index) if event.role in TITLES else b"",
        )
        for index, event in enumerate(record.events)
    )
    return dataclasses.replace(record, events=events)


@pytest.fixture(scope="module")
def seal_env(tmp_path_factory):
    return make_seal_env(tmp_path_factory.mktemp("marks"))


@pytest.fixture(scope="module")
def four_party_pdf(converter_pool, template_bytes):
    docx = render_docx(template_bytes("four_party"), sample_context(AgreementKind.FOUR_PARTY))
    return converter_pool.convert(docx)


@pytest.fixture(scope="module")
def sealed(seal_env, four_party_pdf):
    record = marked_record(four_party_pdf)
    return record, seal_agreement_pdf(four_party_pdf, record, seal_env.sealer)


@pytest.mark.libreoffice
def test_the_blocks_of_every_party_are_found_on_the_signature_page(four_party_pdf):
    # when
    blocks = find_signature_blocks(four_party_pdf)

    # then: four blocks on the last page, two columns, each with its labels
    assert set(blocks) == {"school", "company", "student", "guardian"}
    last_page = int(PdfFileReader(io.BytesIO(four_party_pdf)).root["/Pages"]["/Count"]) - 1
    assert {b.page_index for b in blocks.values()} == {last_page}
    assert blocks["school"].heading.x < blocks["company"].heading.x
    assert blocks["company"].seal is not None and blocks["school"].seal is not None
    assert blocks["student"].seal is None
    for block in blocks.values():
        assert block.date is not None
        assert block.date.y < block.sign.y < block.heading.y


@pytest.mark.libreoffice
def test_pdftotext_finds_every_signatory_with_capacity_and_beijing_time(sealed, tmp_path):
    # given
    record, result = sealed

    # when
    (signature_page,) = [p for p in pdftotext(result.pdf, tmp_path).split("\f") if "（四方）签署页" in p]

    # then: the names and capacities are in the blocks of the agreement page itself
    for name in ("李小明", "李建国", "王芳（人事）", "陈老师（联络人）"):
        assert name in signature_page
    for capacity in ("学生本人", "监护人", "法定代表人", "授权签字人"):
        assert capacity in signature_page
    # 02:15 UTC is 10:15 in Beijing; the others follow an hour apart
    for hour in ("10:15", "11:15", "12:15", "13:15"):
        assert f"2026-09-01 {hour}（北京时间）" in signature_page


@pytest.mark.libreoffice
def test_pdfimages_lists_the_four_drawings_and_the_two_seals_on_the_signature_page(
    sealed, four_party_pdf, tmp_path
):
    # given
    record, result = sealed
    signature_page = int(PdfFileReader(io.BytesIO(four_party_pdf)).root["/Pages"]["/Count"])  # 1-based

    # when
    images = [i for i in pdfimages_list(result.pdf, tmp_path) if i["type"] == "image"]

    # then: on the agreement's last page (the signature page), each drawing and seal; the certificate page
    # after it shows them again
    on_block_page = {(i["width"], i["height"]) for i in images if int(i["page"]) == signature_page}
    on_certificate = {(i["width"], i["height"]) for i in images if int(i["page"]) > signature_page}
    assert {("500", "180"), ("501", "180"), ("502", "180"), ("503", "180")} <= on_block_page
    assert {("302", "302"), ("303", "303")} <= on_block_page  # the company's and the school's seals
    assert on_certificate == on_block_page


@pytest.mark.libreoffice
def test_the_stamped_file_is_validly_sealed_and_one_changed_byte_breaks_it(sealed, seal_env, tmp_path):
    # given
    record, result = sealed

    # when
    report = pdfsig(result.pdf, tmp_path, seal_env.nss_dir)
    (signature,) = PdfFileReader(io.BytesIO(result.pdf)).embedded_signatures
    context = ValidationContext(trust_roots=list(seal_env.sealer.chain), allow_fetching=False)
    status = validate_pdf_signature(signature, signer_validation_context=context)
    ours = verify_sealed_pdf(
        result.pdf,
        platform_certificates=[seal_env.sealer.certificate],
        trust_roots=list(seal_env.sealer.chain),
    )
    tampered = flip_byte_in_content(result.pdf)

    # then
    assert "Signature Validation: Signature is Valid." in report
    assert "Total document signed" in report
    assert status.bottom_line and status.coverage.name == "ENTIRE_FILE"
    assert status.modification_level.name == "NONE"
    assert ours.valid
    assert "Digest Mismatch" in pdfsig(tampered, tmp_path, seal_env.nss_dir)
    assert not verify_sealed_pdf(
        tampered, platform_certificates=[seal_env.sealer.certificate], trust_roots=list(seal_env.sealer.chain)
    ).valid


@pytest.mark.libreoffice
def test_the_agreement_bytes_the_parties_agreed_to_are_the_sealed_files_first_bytes(sealed, four_party_pdf):
    # given
    record, result = sealed

    # then: the marks are an incremental update; the agreement itself is untouched
    assert result.pdf.startswith(four_party_pdf)


def test_a_template_without_signature_blocks_is_still_sealed_with_the_marks_on_the_certificate_only(
    seal_env, tmp_path
):
    # given: a made-up agreement with none of the labels
    unsigned = agreement_pdf()

    # when
    result = seal_agreement_pdf(unsigned, marked_record(unsigned), seal_env.sealer)

    # then
    assert find_signature_blocks(unsigned) == {}
    assert "Signature is Valid" in pdfsig(result.pdf, tmp_path, seal_env.nss_dir)


def _with_blank_date_lines(docx: bytes) -> bytes:
    """The signature blocks as the first shipped templates had them: 日期：　　　年　　月　　日 to fill in."""
    import zipfile

    source, out = zipfile.ZipFile(io.BytesIO(docx)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace("签署时间：".encode(), "日期：　　　年　　月　　日".encode())
            target.writestr(item, data)
    return out.getvalue()


@pytest.mark.libreoffice
def test_an_agreement_of_the_earlier_template_gets_its_date_blanks_filled_in(
    converter_pool, template_bytes, seal_env, tmp_path
):
    # given: an agreement generated from the first template version (still stored in existing deployments)
    docx = render_docx(template_bytes("four_party"), sample_context(AgreementKind.FOUR_PARTY))
    unsigned = converter_pool.convert(_with_blank_date_lines(docx))

    # when
    result = seal_agreement_pdf(unsigned, marked_record(unsigned), seal_env.sealer)

    # then: the date written into the blanks, the Beijing time after 日, the signature still valid
    (signature_page,) = [p for p in pdftotext(result.pdf, tmp_path).split("\f") if "（四方）签署页" in p]
    flat = "".join(signature_page.split())
    for hour in ("10:15", "11:15", "12:15", "13:15"):
        assert f"日期：2026年9月1日{hour}（北京时间）" in flat
    assert "Signature is Valid" in pdfsig(result.pdf, tmp_path, seal_env.nss_dir)
