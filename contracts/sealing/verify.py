"""Check a PDF someone hands us: is it sealed by this platform, and is every byte as we sealed it?"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

logger = logging.getLogger(__name__)

# Reason codes (stable: the API and the /verify page show them).
VALID = "VALID"
NOT_A_PDF = "NOT_A_PDF"
NO_SIGNATURE = "NO_SIGNATURE"
UNKNOWN_SIGNER = "UNKNOWN_SIGNER"
SIGNATURE_BROKEN = "SIGNATURE_BROKEN"
MODIFIED_AFTER_SEALING = "MODIFIED_AFTER_SEALING"
UNTRUSTED_CERTIFICATE = "UNTRUSTED_CERTIFICATE"

MESSAGES: dict[str, tuple[str, str]] = {
    VALID: (
        "文件由本平台封存，签名有效，封存后未被修改。",
        "Sealed by this platform; the signature is valid and the file is unchanged since sealing.",
    ),
    NOT_A_PDF: ("无效：该文件不是可读取的 PDF。", "Not valid: the file is not a readable PDF."),
    NO_SIGNATURE: (
        "无效：文件中没有数字签名（可能从未封存，或签名已被去除）。",
        "Not valid: the file carries no digital signature (never sealed, or the signature was stripped).",
    ),
    UNKNOWN_SIGNER: (
        "无效：文件的签名不是本平台的封存签名。",
        "Not valid: the file is not signed with this platform's sealing certificate.",
    ),
    SIGNATURE_BROKEN: (
        "无效：文件内容与签名不符，封存后已被改动。",
        "Not valid: the content does not match the signature; the file was changed after sealing.",
    ),
    MODIFIED_AFTER_SEALING: (
        "无效：封存后文件被追加了修改。",
        "Not valid: changes were appended to the file after sealing.",
    ),
    UNTRUSTED_CERTIFICATE: (
        "无效：签名证书无法验证（过期、吊销或证书链不可信）。",
        "Not valid: the signing certificate cannot be validated (expired, revoked or untrusted chain).",
    ),
}


@dataclass(frozen=True)
class SealVerification:
    valid: bool
    reason: str
    document_sha256: str
    has_signature: bool = False
    signed_by_platform: bool = False
    intact: bool = False
    covers_whole_file: bool = False
    modification_level: str | None = None
    trusted: bool = False
    signer_subject: str | None = None
    signing_time: dt.datetime | None = None
    timestamp_time: dt.datetime | None = None

    @property
    def message(self) -> str:
        return MESSAGES[self.reason][0]

    @property
    def message_en(self) -> str:
        return MESSAGES[self.reason][1]


def _fingerprint(cert: asn1_x509.Certificate) -> str:
    return hashlib.sha256(cert.dump()).hexdigest()


def verify_sealed_pdf(
    pdf: bytes,
    *,
    platform_certificates: Iterable[asn1_x509.Certificate],
    trust_roots: Iterable[asn1_x509.Certificate],
) -> SealVerification:
    """Verify ``pdf`` against the platform's sealing certificate(s).

    ``platform_certificates``: every certificate the platform has sealed with (the current one, and older ones
    after a key rotation). ``trust_roots``: the CAs that issued them.
    """
    digest = hashlib.sha256(pdf).hexdigest()
    platform = {_fingerprint(c) for c in platform_certificates}

    def result(reason: str, **kwargs) -> SealVerification:
        return SealVerification(valid=reason == VALID, reason=reason, document_sha256=digest, **kwargs)

    if b"%PDF-" not in pdf[:1024]:
        return result(NOT_A_PDF)
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = list(reader.embedded_signatures)
    except Exception:
        logger.info("verify: unreadable PDF %s", digest, exc_info=True)
        return result(NOT_A_PDF)
    if not signatures:
        return result(NO_SIGNATURE)

    ours = []
    for sig in signatures:
        try:
            cert = sig.signer_cert
        except Exception:  # the CMS blob itself is damaged
            logger.info("verify: unreadable signature container in %s", digest, exc_info=True)
            return result(SIGNATURE_BROKEN, has_signature=True)
        if _fingerprint(cert) in platform:
            ours.append(sig)
    if not ours:
        return result(UNKNOWN_SIGNER, has_signature=True)

    # The platform seals once; if several platform signatures exist, the last one must cover the file.
    sig = ours[-1]
    context = ValidationContext(trust_roots=list(trust_roots), allow_fetching=False)
    try:
        status = validate_pdf_signature(sig, signer_validation_context=context)
    except Exception:
        logger.info("verify: signature validation failed on %s", digest, exc_info=True)
        return result(SIGNATURE_BROKEN, has_signature=True, signed_by_platform=True)

    level = status.modification_level
    # The platform never appends anything after its seal (no LTV updates), so the signed byte range must
    # reach the last byte of the file: pyHanko tolerates trailing bytes and some "harmless" incremental
    # updates (a new document title, for instance), and a court file must not carry either.
    byte_range = list(sig.sig_object["/ByteRange"])
    signed_to_end = byte_range[2] + byte_range[3] == len(pdf)
    facts = dict(
        has_signature=True,
        signed_by_platform=True,
        intact=bool(status.intact and status.valid),
        covers_whole_file=signed_to_end
        and status.coverage is not None
        and status.coverage.name == "ENTIRE_FILE",
        modification_level=level.name if level is not None else None,
        trusted=bool(status.trusted),
        signer_subject=status.signing_cert.subject.human_friendly,
        signing_time=status.signer_reported_dt,
        timestamp_time=status.timestamp_validity.timestamp if status.timestamp_validity else None,
    )
    if not (status.intact and status.valid):
        return result(SIGNATURE_BROKEN, **facts)
    if not facts["covers_whole_file"] or level != ModificationLevel.NONE or status.docmdp_ok is False:
        return result(MODIFIED_AFTER_SEALING, **facts)
    if not status.trusted:
        return result(UNTRUSTED_CERTIFICATE, **facts)
    return result(VALID, **facts)


__all__ = ["MESSAGES", "SealVerification", "verify_sealed_pdf"]
