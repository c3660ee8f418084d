"""Sealing a fully signed agreement (runs on the "documents" queue) and verifying a file someone hands us."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F

from backend.core.audit import audit_record
from backend.core.errors import ApplicationError
from backend.notices.services import notice_send
from contracts.sealing import (
    Sealer,
    SignatureEvent,
    SigningParty,
    SigningRecord,
    load_sealer,
    seal_agreement_pdf,
    verify_sealed_pdf,
)

from . import agreement_source as source
from .models import EnvelopeStatus, RequestStatus, SealedAgreement, Signature, SigningEnvelope
from .sms import send_sms

logger = logging.getLogger(__name__)


def get_sealer() -> Sealer:
    """The platform's sealer, loaded once per process (contracts.sealing caches it by file and passphrase)."""
    path = getattr(settings, "XUETU_SEALING_PKCS12", "")
    if not path or not Path(path).exists():
        raise ApplicationError(
            "SEALING_NOT_CONFIGURED",
            "平台签名证书未配置",
            f"the platform's sealing certificate (XUETU_SEALING_PKCS12={path!r}) is missing",
            status=503,
        )
    return load_sealer(
        path,
        getattr(settings, "XUETU_SEALING_PASSPHRASE", ""),
        timestamp_url=getattr(settings, "XUETU_SEALING_TIMESTAMP_URL", "") or None,
    )


def _past_certificates() -> list[asn1_x509.Certificate]:
    """Certificates the platform sealed with before a key rotation (PEM files listed in settings)."""
    certs = []
    for path in getattr(settings, "XUETU_SEALING_PAST_CERTIFICATES", []) or []:
        data = Path(path).read_bytes()
        for _type, _headers, der in pem.unarmor(data, multiple=True):
            certs.append(asn1_x509.Certificate.load(der))
    return certs


def verification_url(sha256: str = "") -> str:
    return f"{settings.XUETU_PUBLIC_URL}/verify" + (f"?sha256={sha256}" if sha256 else "")


def signing_record_for(envelope: SigningEnvelope, *, unsigned_sha256: str, now: dt.datetime) -> SigningRecord:
    revision = envelope.document
    agreement = source.agreement_of(revision)
    requests = list(envelope.requests.order_by("position"))
    signatures = {s.request_id: s for s in Signature.objects.filter(request__envelope=envelope)}
    return SigningRecord(
        agreement_reference=source.agreement_reference(agreement),
        agreement_title=source.agreement_title(agreement),
        template_version=source.template_version(revision),
        unsigned_pdf_sha256=unsigned_sha256,
        verification_url=verification_url(),
        parties=tuple(SigningParty(role=r.party, name=r.party_name) for r in requests),
        events=tuple(
            SignatureEvent(
                role=r.party,
                signer_name=signatures[r.pk].typed_name,
                signed_at=signatures[r.pk].signed_at,
                ip_address=signatures[r.pk].ip_address or "",
                user_agent=signatures[r.pk].user_agent,
                verification_method=signatures[r.pk].verification_method,
                agreed_text_sha256=signatures[r.pk].agreed_text_sha256,
                signer_title=signatures[r.pk].signer_title,
                drawing_png=bytes(signatures[r.pk].drawing_png or b""),
                seal_png=bytes(signatures[r.pk].seal_png or b""),
            )
            for r in requests
            if r.pk in signatures
        ),
        sealed_at=now,
    )


SEALABLE = (EnvelopeStatus.COMPLETED, EnvelopeStatus.SEAL_FAILED)

# What other apps do when an envelope seals, inside the sealing transaction (backend/changes applies a change when
# its supplementary agreement seals). A hook records its own refusals; an exception undoes the seal (to be retried).
SealedHook = Callable[[SigningEnvelope, dt.datetime], None]
_SEALED_HOOKS: list[SealedHook] = []


def register_sealed_hook(hook: SealedHook) -> SealedHook:
    if hook not in _SEALED_HOOKS:
        _SEALED_HOOKS.append(hook)
    return hook


# Failures that outlived the seal task's retries, or that no retry can fix by itself.
SEAL_FAILURE_MESSAGES: dict[str, str] = {
    "DATABASE_UNAVAILABLE": "封存时数据库暂时不可用，系统将自动重试。",
    "STORAGE_UNAVAILABLE": "封存文件无法写入存储，系统将自动重试。",
    "BROKER_UNAVAILABLE": "封存时任务队列暂时不可用，系统将自动重试。",
    "SEAL_ERROR": "封存时发生意外错误，系统将自动重试；如持续失败请联系管理员。",
}


def envelope_seal(*, envelope_id: int, now: dt.datetime) -> str:
    """The seal task's one service: seal, or record why not. Returns the sealed SHA-256, or the error code.

    An application error (no certificate, a changed PDF, a party missing) marks the envelope seal_failed with its
    code and tells the coordinators; the seal sweep retries it. Infrastructure errors propagate, for the task's
    retries (and, after the last one, `envelope_seal_failed` from the task)."""
    try:
        sealed = agreement_seal(envelope_id=envelope_id, now=now)
    except ApplicationError as exc:
        envelope_seal_failed(envelope_id=envelope_id, code=exc.code, message=exc.message, now=now)
        return exc.code
    return sealed.sha256 if sealed else ""


def envelope_seal_failed(*, envelope_id: int, code: str, message: str = "", now: dt.datetime) -> bool:
    """Mark a fully signed envelope's seal as failed, visibly: its code and message on the envelope, one notice to
    the school's coordinators per kind of failure (the sweep's retries do not repeat it)."""
    message = message or SEAL_FAILURE_MESSAGES.get(code, SEAL_FAILURE_MESSAGES["SEAL_ERROR"])
    with transaction.atomic():
        envelope = (
            SigningEnvelope.objects.select_for_update(of=("self",))
            .select_related("revision__agreement")
            .filter(pk=envelope_id)
            .first()
        )
        if envelope is None or envelope.status not in SEALABLE:
            return False
        before = envelope.status
        envelope.status = EnvelopeStatus.SEAL_FAILED
        envelope.seal_error_code, envelope.seal_error_message = code[:50], message
        envelope.save(update_fields=["status", "seal_error_code", "seal_error_message", "updated_at"])
        audit_record(
            actor=None,
            action="signing.seal_failed",
            obj=envelope,
            changes={"status": [before, envelope.status], "code": code, "attempts": envelope.seal_attempts},
        )
        from .services import coordinators

        reference = source.agreement_reference(source.agreement_of(envelope.document))
        notice_send(
            recipients=coordinators(envelope),
            kind="agreement_seal_failed",
            title=f"协议封存失败：{reference}（{code}）",
            body=f"{message} 各方签署已完成，系统每10分钟自动重试封存。",
            link=f"/signing/envelopes/{envelope.pk}",
            dedupe_key=f"agreement-seal-failed:{envelope.pk}:{code}",
        )
    logger.warning("envelope %s: seal failed with %s (attempt %s)", envelope_id, code, envelope.seal_attempts)
    return True


def agreement_seal(*, envelope_id: int, now: dt.datetime) -> SealedAgreement | None:
    """Append the certificate page and sign with the platform certificate. Idempotent: a sealed envelope is
    returned as it is; anything but a completed one (or one whose seal failed before) is left alone."""
    # The attempt is counted and committed before the work, whatever becomes of it.
    SigningEnvelope.objects.filter(pk=envelope_id, status__in=SEALABLE).update(
        seal_attempts=F("seal_attempts") + 1
    )
    with transaction.atomic():
        envelope = (
            SigningEnvelope.objects.select_for_update(of=("self",))
            .select_related("revision")
            .filter(pk=envelope_id)
            .first()
        )
        if envelope is None:
            return None
        if envelope.status == EnvelopeStatus.SEALED:
            return envelope.sealed
        if envelope.status not in SEALABLE:
            logger.info("envelope %s is %s; not sealing", envelope_id, envelope.status)
            return None
        if envelope.requests.exclude(status=RequestStatus.SIGNED).exists():
            raise ApplicationError(
                "NOT_FULLY_SIGNED", "尚有签署方未签署", "not every party has signed", status=409
            )
        started = time.perf_counter()
        unsigned = source.revision_pdf_bytes(envelope.document)
        unsigned_sha = hashlib.sha256(unsigned).hexdigest()
        expected = source.revision_pdf_sha256(envelope.document)
        if unsigned_sha != expected:
            raise ApplicationError(
                "UNSIGNED_PDF_CHANGED",
                "待封存的协议文件与签署时的文件不一致",
                "the stored agreement PDF no longer matches the hash the parties agreed to",
                details={"expected": expected, "actual": unsigned_sha},
                status=409,
            )
        sealer = get_sealer()
        record = signing_record_for(envelope, unsigned_sha256=unsigned_sha, now=now)
        sealed_pdf = seal_agreement_pdf(unsigned, record, sealer)
        sealed = SealedAgreement(
            envelope=envelope,
            sha256=sealed_pdf.sha256,
            unsigned_sha256=unsigned_sha,
            certificate_sha256=sealer.certificate_sha256,
            sealed_at=now,
            seconds=time.perf_counter() - started,
        )
        sealed.pdf.save(
            f"{source.agreement_reference(source.agreement_of(envelope.document))}-sealed.pdf",
            ContentFile(sealed_pdf.pdf),
            save=False,
        )
        sealed.save()
        envelope.status = EnvelopeStatus.SEALED
        envelope.seal_error_code = envelope.seal_error_message = ""
        envelope.save(update_fields=["status", "seal_error_code", "seal_error_message", "updated_at"])
        audit_record(
            actor=None,
            action="signing.seal",
            obj=envelope,
            changes={"sha256": sealed.sha256, "unsigned": unsigned_sha},
        )
        for hook in _SEALED_HOOKS:
            hook(envelope, now)
        from .services import account_signers, coordinators

        company_request = envelope.requests.filter(party="company").first()
        recipients = coordinators(envelope) + (account_signers(company_request) if company_request else [])
        notice_send(
            recipients=recipients,
            kind="agreement_sealed",
            title=f"协议已全部签署并封存：{record.agreement_reference}",
            body=f"封存文件 SHA-256：{sealed.sha256}",
            link=f"/signing/envelopes/{envelope.pk}",
            dedupe_key=f"agreement-sealed:{envelope.pk}",
        )
        # Students and guardians have no inbox: they get the fingerprint and where to check it by SMS.
        text = (
            f"【学徒】《{record.agreement_title}》（{record.agreement_reference}）已由各方签署并封存。"
            f"核验：{verification_url(sealed.sha256)}"
        )
        link_parties = envelope.requests.filter(party__in=["student", "guardian"])
        phones = [p for p in link_parties.values_list("phone", flat=True) if p]

        def tell() -> None:
            for phone in phones:
                send_sms(phone=phone, text=text)

        transaction.on_commit(tell)
    return sealed


# --- verification ----------------------------------------------------------------------------------------------------

NOT_ON_RECORD = "NOT_ON_RECORD"
VOIDED_AFTER_SEALING = "VOIDED_AFTER_SEALING"
_EXTRA_MESSAGES = {
    NOT_ON_RECORD: (
        "无效：本平台没有该文件的封存记录。",
        "Not valid: this platform has no record of sealing this file.",
    ),
    VOIDED_AFTER_SEALING: (
        "文件为本平台封存且未被修改，但该协议已于封存后作废。",
        "Sealed by this platform and unchanged, but the agreement was voided after sealing.",
    ),
}


@dataclass
class VerifyAnswer:
    valid: bool
    reason: str
    message: str
    message_en: str
    document_sha256: str
    checked: str  # "file" or "hash"
    signature: dict[str, Any] | None = None
    agreement: dict[str, Any] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    record: dict[str, Any] | None = None  # another sealed document than an agreement (SealedDocument.record)


def _public_record(sealed: SealedAgreement) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What anyone holding the file may learn: no ID numbers, no phone numbers, no IP addresses."""
    envelope = sealed.envelope
    agreement = source.agreement_of(envelope.document)
    requests = list(envelope.requests.order_by("position"))
    signatures = {s.request_id: s for s in Signature.objects.filter(request__envelope=envelope)}
    info = {
        "reference": source.agreement_reference(agreement),
        "title": source.agreement_title(agreement),
        "template_version": source.template_version(envelope.document),
        "status": envelope.status,
        "sealed_at": sealed.sealed_at.isoformat(),
        "sealed_sha256": sealed.sha256,
        "unsigned_sha256": sealed.unsigned_sha256,
        "parties": [{"party": r.party, "name": r.party_name} for r in requests],
    }
    history = [
        {
            "party": r.party,
            "signer_name": signatures[r.pk].typed_name,
            "signed_at": signatures[r.pk].signed_at.isoformat(),
            "verification_method": signatures[r.pk].verification_method,
        }
        for r in requests
        if r.pk in signatures
    ]
    return info, history


# Other documents the platform seals with the same certificate (backend.training's apprentice record,
# backend.attendance's attendance record) answer /verify through one registry: each app registers, from its
# ready(), a lookup from the sealed file's SHA-256 to what anyone holding the file may learn of it (or None when
# the digest is not theirs).
@dataclass(frozen=True)
class SealedDocument:
    """What /verify shows of another sealed document: in the agreement's shape (`agreement` and `history`, as
    _public_record gives them) or as a record of its own kind (`record`, with its own title and fields)."""

    agreement: dict[str, Any] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    record: dict[str, Any] | None = None


SealedLookup = Callable[[str], SealedDocument | None]
_SEALED_LOOKUPS: list[SealedLookup] = []


def register_sealed_lookup(lookup: SealedLookup) -> SealedLookup:
    if lookup not in _SEALED_LOOKUPS:
        _SEALED_LOOKUPS.append(lookup)
    return lookup


def _answer_from_other_documents(digest: str, base: dict[str, Any]) -> VerifyAnswer | None:
    from contracts.sealing.verify import MESSAGES, VALID

    for lookup in _SEALED_LOOKUPS:
        found = lookup(digest)
        if found is not None:
            zh, en = MESSAGES[VALID]
            return VerifyAnswer(
                valid=True,
                reason=VALID,
                message=zh,
                message_en=en,
                agreement=found.agreement,
                history=list(found.history),
                record=found.record,
                **base,
            )
    return None


def _answer_from_record(sealed: SealedAgreement | None, base: dict[str, Any]) -> VerifyAnswer:
    if sealed is None:
        answer = _answer_from_other_documents(base["document_sha256"], base)
        if answer is not None:
            return answer
        zh, en = _EXTRA_MESSAGES[NOT_ON_RECORD]
        return VerifyAnswer(valid=False, reason=NOT_ON_RECORD, message=zh, message_en=en, **base)
    info, history = _public_record(sealed)
    if sealed.envelope.status == EnvelopeStatus.VOIDED:
        zh, en = _EXTRA_MESSAGES[VOIDED_AFTER_SEALING]
        return VerifyAnswer(
            valid=False,
            reason=VOIDED_AFTER_SEALING,
            message=zh,
            message_en=en,
            agreement=info,
            history=history,
            **base,
        )
    from contracts.sealing.verify import MESSAGES, VALID

    zh, en = MESSAGES[VALID]
    return VerifyAnswer(
        valid=True, reason=VALID, message=zh, message_en=en, agreement=info, history=history, **base
    )


def verify_document(*, pdf: bytes | None = None, sha256: str | None = None) -> VerifyAnswer:
    """Answer the public /verify: by file (signature checked, then the record) or by SHA-256 (the record)."""
    if pdf is None:
        digest = (sha256 or "").strip().lower()
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ApplicationError(
                "BAD_SHA256", "请输入 64 位十六进制的 SHA-256", "enter a 64-hex-digit SHA-256"
            )
        sealed = SealedAgreement.objects.select_related("envelope__revision").filter(sha256=digest).first()
        return _answer_from_record(sealed, {"document_sha256": digest, "checked": "hash"})

    sealer = get_sealer()
    result = verify_sealed_pdf(
        pdf,
        platform_certificates=[sealer.certificate, *_past_certificates()],
        trust_roots=list(sealer.chain),
    )
    base: dict[str, Any] = {
        "document_sha256": result.document_sha256,
        "checked": "file",
        "signature": {
            "has_signature": result.has_signature,
            "signed_by_platform": result.signed_by_platform,
            "intact": result.intact,
            "covers_whole_file": result.covers_whole_file,
            "trusted": result.trusted,
            "signer": result.signer_subject,
            "signing_time": result.signing_time.isoformat() if result.signing_time else None,
            "timestamp": result.timestamp_time.isoformat() if result.timestamp_time else None,
        },
    }
    if not result.valid:
        return VerifyAnswer(
            valid=False, reason=result.reason, message=result.message, message_en=result.message_en, **base
        )
    sealed = (
        SealedAgreement.objects.select_related("envelope__revision")
        .filter(sha256=result.document_sha256)
        .first()
    )
    return _answer_from_record(sealed, base)
