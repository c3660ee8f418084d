"""Sealing a fully signed agreement: certificate page + the platform's PAdES signature; and verifying it.

Django-free. The backend builds a ``SigningRecord``, loads the ``Sealer`` once per process with
``load_sealer`` and calls ``seal_agreement_pdf``; ``verify_sealed_pdf`` answers the public /verify page.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from contracts.sealing.certificate_page import (
    CertificatePageError,
    add_certificate_pages,
    append_certificate_page,
    open_agreement,
    render_certificate_page,
)
from contracts.sealing.devcert import DevCertificate, create_dev_certificate
from contracts.sealing.marks import find_signature_blocks, stamp_signature_marks
from contracts.sealing.records import SignatureEvent, SigningParty, SigningRecord
from contracts.sealing.signer import Sealer, SealingKeyError, load_sealer, sign_pdf
from contracts.sealing.verify import MESSAGES, SealVerification, verify_sealed_pdf


@dataclass(frozen=True)
class SealedPdf:
    pdf: bytes
    sha256: str


def seal_agreement_pdf(unsigned_pdf: bytes, record: SigningRecord, sealer: Sealer) -> SealedPdf:
    """Paint each party's marks in its signature block, append the certificate page and sign the whole file with
    the platform's certificate, all in one incremental update."""
    actual = hashlib.sha256(unsigned_pdf).hexdigest()
    if actual != record.unsigned_pdf_sha256:
        raise ValueError(
            "签署记录中的哈希与待封存文件不一致 / the record's SHA-256 does not match the unsigned PDF "
            f"({record.unsigned_pdf_sha256} != {actual})"
        )
    writer = open_agreement(unsigned_pdf)
    stamp_signature_marks(writer, unsigned_pdf, record.events)
    add_certificate_pages(writer, render_certificate_page(record))
    signed = sign_pdf(writer, sealer)
    return SealedPdf(pdf=signed, sha256=hashlib.sha256(signed).hexdigest())


__all__ = [
    "MESSAGES",
    "CertificatePageError",
    "DevCertificate",
    "SealVerification",
    "SealedPdf",
    "Sealer",
    "SealingKeyError",
    "SignatureEvent",
    "SigningParty",
    "SigningRecord",
    "append_certificate_page",
    "create_dev_certificate",
    "find_signature_blocks",
    "load_sealer",
    "seal_agreement_pdf",
    "sign_pdf",
    "stamp_signature_marks",
    "verify_sealed_pdf",
]
