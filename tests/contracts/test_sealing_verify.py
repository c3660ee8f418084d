"""verify_sealed_pdf: a sealed file passes; a changed byte, a stripped signature, a foreign signer, an
appended change and an unknown file each fail with their own reason code."""

import io

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pypdf import PdfReader, PdfWriter

from contracts.sealing import append_certificate_page, seal_agreement_pdf, verify_sealed_pdf
from contracts.sealing.verify import (
    MESSAGES,
    MODIFIED_AFTER_SEALING,
    NO_SIGNATURE,
    NOT_A_PDF,
    SIGNATURE_BROKEN,
    UNKNOWN_SIGNER,
    UNTRUSTED_CERTIFICATE,
    VALID,
)
from tests.contracts.sealing_support import agreement_pdf, flip_byte_in_content, make_seal_env, signing_record


@pytest.fixture(scope="module")
def seal_env(tmp_path_factory):
    return make_seal_env(tmp_path_factory.mktemp("seal"))


@pytest.fixture(scope="module")
def other_env(tmp_path_factory):
    """Somebody else's certificate (e.g. a forger's self-made 'xuetu development seal')."""
    return make_seal_env(tmp_path_factory.mktemp("other"))


@pytest.fixture(scope="module")
def unsigned():
    return agreement_pdf()


@pytest.fixture(scope="module")
def sealed(seal_env, unsigned):
    return seal_agreement_pdf(unsigned, signing_record(unsigned), seal_env.sealer)


def verify(pdf, env):
    return verify_sealed_pdf(
        pdf, platform_certificates=[env.sealer.certificate], trust_roots=env.sealer.chain
    )


def test_a_sealed_agreement_is_valid(seal_env, sealed):
    # when
    result = verify(sealed.pdf, seal_env)

    # then
    assert result.valid
    assert result.reason == VALID
    assert result.document_sha256 == sealed.sha256
    assert result.has_signature and result.signed_by_platform and result.intact and result.trusted
    assert result.covers_whole_file
    assert result.modification_level == "NONE"
    assert "xuetu development seal" in result.signer_subject
    assert result.signing_time is not None


def test_one_changed_byte_breaks_the_seal(seal_env, sealed):
    # when
    result = verify(flip_byte_in_content(sealed.pdf), seal_env)

    # then
    assert not result.valid
    assert result.reason == SIGNATURE_BROKEN
    assert result.has_signature and result.signed_by_platform and not result.intact


def test_a_stripped_signature_is_reported(seal_env, sealed):
    # given: the sealed file rewritten without its signature (pages and text kept)
    reader = PdfReader(io.BytesIO(sealed.pdf))
    writer = PdfWriter()
    for page in reader.pages:
        page.pop("/Annots", None)
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    stripped = out.getvalue()
    assert "电子签署证书" in PdfReader(io.BytesIO(stripped)).pages[-1].extract_text()

    # when
    result = verify(stripped, seal_env)

    # then
    assert not result.valid
    assert result.reason == NO_SIGNATURE


def test_an_unsealed_agreement_has_no_signature(seal_env, unsigned):
    # given
    with_page = append_certificate_page(unsigned, signing_record(unsigned))

    # when
    result = verify(with_page, seal_env)

    # then
    assert (result.valid, result.reason) == (False, NO_SIGNATURE)


def test_a_file_sealed_with_another_certificate_is_refused(seal_env, other_env, unsigned):
    # given
    forged = seal_agreement_pdf(unsigned, signing_record(unsigned), other_env.sealer)

    # when
    result = verify(forged.pdf, seal_env)

    # then
    assert (result.valid, result.reason) == (False, UNKNOWN_SIGNER)
    assert result.has_signature and not result.signed_by_platform


def test_a_change_appended_after_sealing_is_refused(seal_env, sealed):
    # given: an incremental update (a changed document title) added after the signature
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed.pdf))
    writer.set_info(
        generic.DictionaryObject({generic.NameObject("/Title"): generic.TextStringObject("改过的协议")})
    )
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)

    # when
    result = verify(out.getvalue(), seal_env)

    # then: the signed revision is still intact, but it no longer covers the file
    assert not result.valid
    assert result.reason == MODIFIED_AFTER_SEALING
    assert result.intact and not result.covers_whole_file


def test_bytes_appended_after_the_end_are_refused(seal_env, sealed):
    # when
    result = verify(sealed.pdf + b"\n% trailing garbage\n", seal_env)

    # then
    assert not result.valid
    assert result.reason == MODIFIED_AFTER_SEALING


@pytest.mark.parametrize("content", [b"", b"hello", b"PK\x03\x04 a zip, not a pdf", b"%PDF-1.7\n garbage"])
def test_an_unknown_file_is_not_valid(seal_env, content):
    # when
    result = verify(content, seal_env)

    # then
    assert not result.valid
    assert result.reason in {NOT_A_PDF, NO_SIGNATURE}
    assert result.message and result.message_en


def test_an_untrusted_chain_is_reported(seal_env, sealed):
    # given: the platform certificate is known but its CA is not a trust root (misconfiguration or expiry)
    result = verify_sealed_pdf(
        sealed.pdf, platform_certificates=[seal_env.sealer.certificate], trust_roots=[]
    )

    # then
    assert (result.valid, result.reason) == (False, UNTRUSTED_CERTIFICATE)


def test_every_reason_has_chinese_and_english_messages():
    for code, (zh, en) in MESSAGES.items():
        assert zh and en, code
