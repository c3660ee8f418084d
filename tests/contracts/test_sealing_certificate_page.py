import datetime as dt
import io
import subprocess

import pytest
from pypdf import PdfReader

from contracts.sealing import (
    CertificatePageError,
    SignatureEvent,
    append_certificate_page,
    seal_agreement_pdf,
)
from contracts.sealing.certificate_page import render_certificate_page
from tests.contracts.sealing_support import (
    VERIFY_URL,
    agreement_pdf,
    make_seal_env,
    pdftotext,
    signing_record,
)


@pytest.fixture(scope="module")
def seal_env(tmp_path_factory):
    return make_seal_env(tmp_path_factory.mktemp("seal"))


def test_certificate_page_is_appended_after_the_agreement_pages(tmp_path):
    # given
    unsigned = agreement_pdf(pages=2)
    record = signing_record(unsigned)

    # when
    merged = append_certificate_page(unsigned, record)

    # then
    reader = PdfReader(io.BytesIO(merged))
    assert len(reader.pages) == 3
    first_page = reader.pages[0].extract_text()
    assert "第 1 页" in first_page
    assert "电子签署证书" in reader.pages[2].extract_text()


def test_certificate_page_text_is_extractable_in_chinese_and_english(tmp_path):
    # given
    unsigned = agreement_pdf()
    record = signing_record(unsigned)

    # when
    text = pdftotext(append_certificate_page(unsigned, record), tmp_path)

    # then: the headings, Chinese first and English below
    assert "电子签署证书" in text
    assert "Certificate of electronic signing" in text
    assert text.index("签署记录") < text.index("Signing history")
    # every party and every signature event, with time (Beijing), IP and verification method
    for name in (
        "李小明",
        "李建国",
        "苏州精工机械有限公司",
        "苏州工业职业技术学院",
        "王芳（人事）",
        "陈老师（联络人）",
    ):
        assert name in text
    assert "2026-09-01 10:15:30" in text
    assert "2026-09-01 13:15:30" in text
    for i in range(4):
        assert f"203.0.113.{10 + i}" in text
    assert "签署链接 + 短信验证码" in text
    assert "账号登录 + 短信验证码" in text
    assert "MicroMessenger" in text
    # the unsigned PDF's hash (printed in groups of 16), the template version and the verification URL
    digest = record.unsigned_pdf_sha256
    for group in (digest[i : i + 16] for i in range(0, 64, 16)):
        assert group in text
    assert record.events[0].agreed_text_sha256[:16] in text
    assert "four_party@2026.1" in text
    assert VERIFY_URL in text


def test_certificate_page_embeds_every_font(tmp_path):
    # given
    page = render_certificate_page(signing_record(agreement_pdf()))
    path = tmp_path / "page.pdf"
    path.write_bytes(page)

    # when
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout.decode()

    # then: only the WenQuanYi subset, embedded ("yes yes yes": emb, sub, uni)
    rows = fonts.strip().splitlines()[2:]
    assert rows, fonts
    for row in rows:
        assert "WenQuanYiZenHei" in row
        assert " yes yes yes " in row, row


def test_many_signature_events_flow_onto_further_pages(tmp_path):
    # given: an unusually long history (e.g. re-sent requests recorded as separate events)
    unsigned = agreement_pdf(pages=1)
    record = signing_record(unsigned)
    many = record.events * 4
    record = type(record)(**{**{f: getattr(record, f) for f in record.__dataclass_fields__}, "events": many})

    # when
    merged = append_certificate_page(unsigned, record)

    # then
    path = tmp_path / "m.pdf"
    path.write_bytes(merged)
    assert len(PdfReader(str(path)).pages) >= 3


def test_naive_signing_time_is_refused():
    # given / when / then
    with pytest.raises(ValueError, match="timezone-aware"):
        SignatureEvent(
            role="student",
            signer_name="李小明",
            signed_at=dt.datetime(2026, 9, 1, 10, 0),  # noqa: DTZ001
            ip_address="203.0.113.1",
            user_agent="x",
            verification_method="sms_link",
            agreed_text_sha256="0" * 64,
        )


def test_unreadable_agreement_pdf_gives_a_clear_error():
    # given
    record = signing_record(agreement_pdf())

    # when / then
    with pytest.raises(CertificatePageError, match="cannot be read"):
        append_certificate_page(b"%PDF-1.7 this is not really a pdf", record)


def test_sealing_refuses_a_record_made_for_another_pdf(seal_env):
    # given: the record's unsigned hash belongs to a different document
    record = signing_record(agreement_pdf(pages=1))
    other = agreement_pdf(pages=3)

    # when / then
    with pytest.raises(ValueError, match="does not match"):
        seal_agreement_pdf(other, record, seal_env.sealer)
