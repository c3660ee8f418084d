"""Shared helpers for the sealing tests: a throw-away platform certificate, an NSS database that trusts it,
an agreement PDF and a signing record. Nothing here mocks pyHanko, poppler or the fonts."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import subprocess
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from contracts.sealing import (
    Sealer,
    SignatureEvent,
    SigningParty,
    SigningRecord,
    create_dev_certificate,
    load_sealer,
)
from contracts.sealing.certificate_page import register_font

PASSPHRASE = "test-passphrase"
VERIFY_URL = "https://xuetu.example.cn/verify?sha256=0f3c"
SIGNED_AT = dt.datetime(2026, 9, 1, 2, 15, 30, tzinfo=dt.UTC)  # 10:15:30 in Beijing


@dataclass(frozen=True)
class SealEnv:
    directory: Path
    sealer: Sealer
    ca_pem: Path
    nss_dir: str  # "sql:/path", for pdfsig -nssdir


def make_seal_env(directory: Path) -> SealEnv:
    cert = create_dev_certificate(directory, passphrase=PASSPHRASE)
    nss = directory / "nss"
    nss.mkdir()
    subprocess.run(
        ["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, capture_output=True
    )
    subprocess.run(
        [
            "certutil",
            "-A",
            "-d",
            f"sql:{nss}",
            "-n",
            "xuetu-dev-ca",
            "-t",
            "CT,C,C",
            "-i",
            str(cert.ca_pem_path),
        ],
        check=True,
        capture_output=True,
    )
    return SealEnv(
        directory=directory,
        sealer=load_sealer(cert.pkcs12_path, PASSPHRASE),
        ca_pem=cert.ca_pem_path,
        nss_dir=f"sql:{nss}",
    )


def agreement_pdf(pages: int = 2) -> bytes:
    """A stand-in for the generated agreement (the LibreOffice one is used in the backend end-to-end test)."""
    font = register_font()
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    for number in range(1, pages + 1):
        pdf.setFont(font, 14)
        pdf.drawString(72, 760, f"现代学徒制四方协议 第 {number} 页")
        pdf.setFont(font, 10)
        pdf.drawString(72, 730, "甲方（学校）、乙方（企业）、丙方（学生）、丁方（监护人）")
        pdf.showPage()
    pdf.save()
    assert font in pdfmetrics.getRegisteredFontNames()
    return buf.getvalue()


def signing_record(
    unsigned_pdf: bytes, *, roles=("student", "guardian", "company", "school")
) -> SigningRecord:
    names = {
        "student": ("student", "李小明", "李小明", "sms_link"),
        "guardian": ("guardian", "李建国", "李建国", "sms_link"),
        "company": ("company", "苏州精工机械有限公司", "王芳（人事）", "account_sms"),
        "school": ("school", "苏州工业职业技术学院", "陈老师（联络人）", "account_sms"),
    }
    parties = tuple(SigningParty(role=names[r][0], name=names[r][1]) for r in roles)
    events = tuple(
        SignatureEvent(
            role=names[r][0],
            signer_name=names[r][2],
            signed_at=SIGNED_AT + dt.timedelta(hours=i),
            ip_address=f"203.0.113.{10 + i}",
            user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) MicroMessenger/8.0.49",
            verification_method=names[r][3],
            agreed_text_sha256=hashlib.sha256(f"agreed-{r}".encode()).hexdigest(),
        )
        for i, r in enumerate(roles)
    )
    return SigningRecord(
        agreement_reference="XT-2026-000123",
        agreement_title="现代学徒制四方协议",
        template_version="four_party@2026.1",
        unsigned_pdf_sha256=hashlib.sha256(unsigned_pdf).hexdigest(),
        verification_url=VERIFY_URL,
        parties=parties,
        events=events,
        sealed_at=SIGNED_AT + dt.timedelta(hours=5),
    )


def pdftotext(pdf: bytes, directory: Path) -> str:
    path = directory / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, timeout=60
    )
    return out.stdout.decode()


def pdfsig(pdf: bytes, directory: Path, nss_dir: str | None) -> str:
    path = directory / "sig.pdf"
    path.write_bytes(pdf)
    args = ["pdfsig"] + (["-nssdir", nss_dir] if nss_dir else []) + [str(path)]
    out = subprocess.run(args, capture_output=True, timeout=60)
    return out.stdout.decode() + out.stderr.decode()


def flip_byte_in_content(pdf: bytes) -> bytes:
    """Change one byte inside the first page's content stream (inside the signed byte range)."""
    marker = pdf.index(b"stream", pdf.index(b"/Length"))
    position = marker + 40
    changed = bytearray(pdf)
    changed[position] = changed[position] ^ 0x01
    return bytes(changed)
