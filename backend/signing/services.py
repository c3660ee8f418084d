"""Writes of the signing workflow: send, one-time codes, sign, decline, remind, expire, re-send, void.

Order is enforced here: only the lowest-position unsigned request is PENDING, links and notices go out only when a
request becomes PENDING, and every sign/decline re-checks the request under a row lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from backend.accounts.models import Role, User
from backend.agreements.models import AgreementStatus
from backend.core.audit import actor_user, audit_record
from backend.core.errors import ApplicationError
from backend.core.queue import enqueue_on_commit
from backend.notices.services import notice_send
from backend.placements.models import PlacementStatus
from backend.placements.services import placement_transition

from . import agreement_source as source
from . import marks
from .models import (
    LINK_PARTIES,
    EnvelopeStatus,
    OneTimeCode,
    Party,
    RequestStatus,
    Signature,
    SignatureRequest,
    SigningEnvelope,
    SigningLink,
    VerificationMethod,
)
from .sms import send_sms

logger = logging.getLogger(__name__)

PARTY_LABELS = {
    Party.STUDENT: ("学生", "student"),
    Party.GUARDIAN: ("监护人", "guardian"),
    Party.COMPANY: ("企业", "company"),
    Party.SCHOOL: ("学校", "school"),
}


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def link_days() -> int:
    return int(_setting("XUETU_SIGNING_LINK_DAYS", 7))


def code_minutes() -> int:
    return int(_setting("XUETU_SIGNING_CODE_MINUTES", 10))


def code_max_attempts() -> int:
    return int(_setting("XUETU_SIGNING_CODE_MAX_ATTEMPTS", 5))


def code_max_per_day() -> int:
    return int(_setting("XUETU_SIGNING_CODE_MAX_PER_DAY", 5))


def code_resend_seconds() -> int:
    return int(_setting("XUETU_SIGNING_CODE_RESEND_SECONDS", 60))


def reminder_hours() -> int:
    return int(_setting("XUETU_SIGNING_REMINDER_HOURS", 24))


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _code_hmac(request_id: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"signing-code:{request_id}:{code}".encode(), hashlib.sha256).hexdigest()


def normalise_name(name: str) -> str:
    """Full-width and half-width forms alike, no spaces or middle dots (维吾尔族 names are written with ·)."""
    text = unicodedata.normalize("NFKC", name or "")
    return "".join(ch for ch in text if not ch.isspace() and ch not in "·•．.").casefold()


def link_url(request: SignatureRequest, token: str) -> str:
    return f"{settings.XUETU_PUBLIC_URL}/sign/{request.pk}/{token}"


# --- who may act for the company and the school ---------------------------------------------------------------


def account_signers(request: SignatureRequest) -> list[User]:
    placement = source.placement_of(request.envelope.document)
    if request.party == Party.COMPANY:
        return list(User.objects.filter(role=Role.HR, company_id=placement.post.company_id, is_active=True))
    if request.party == Party.SCHOOL:
        return list(
            User.objects.filter(role=Role.COORDINATOR, school_id=placement.pilot.school_id, is_active=True)
        )
    return []


def link_signers(request: SignatureRequest) -> list[User]:
    """The portal accounts of the student or the guardian a link request is for (they may have none)."""
    placement = source.placement_of(request.envelope.document)
    if request.party == Party.STUDENT:
        return list(User.objects.filter(role=Role.STUDENT, student_id=placement.student_id, is_active=True))
    if request.party == Party.GUARDIAN:
        return list(
            User.objects.filter(
                role=Role.GUARDIAN,
                guardian__student_id=placement.student_id,
                guardian__name=request.signer_name,
                is_active=True,
            )
        )
    return []


@transaction.atomic
def signing_link_for_account(*, user: Any, request_id: int, now: dt.datetime) -> str:
    """A student or guardian signed in to the portal opens their request from the inbox: a fresh link (the SMS's
    link is replaced by it, as by a reminder), only for the person the request is for, only while it is open."""
    request = SignatureRequest.objects.select_for_update(of=("self",)).filter(pk=request_id).first()
    if request is None or not request.uses_link or not any(u.pk == user.pk for u in link_signers(request)):
        raise ApplicationError("NOT_FOUND", "未找到", "signature request not found", status=404)
    check_signable(request, now)
    token = _issue_link(request, now)
    audit_record(actor=user, action="signing.link_from_account", obj=request, changes={})
    return f"/sign/{request.pk}/{token}"


def coordinators(envelope: SigningEnvelope) -> list[User]:
    placement = source.placement_of(envelope.document)
    return list(
        User.objects.filter(role=Role.COORDINATOR, school_id=placement.pilot.school_id, is_active=True)
    )


def user_may_sign(user: Any, request: SignatureRequest) -> bool:
    if not getattr(user, "is_authenticated", False) or request.party in LINK_PARTIES:
        return False
    return any(u.pk == user.pk for u in account_signers(request))


def _require_coordinator(actor: Any, envelope_or_revision: Any) -> None:
    revision = (
        envelope_or_revision.document
        if isinstance(envelope_or_revision, SigningEnvelope)
        else envelope_or_revision
    )
    placement = source.placement_of(revision)
    if not (
        getattr(actor, "role", None) == Role.COORDINATOR and actor.school_id == placement.pilot.school_id
    ) and not getattr(actor, "is_superuser", False):
        raise ApplicationError(
            "PERMISSION_DENIED",
            "只有本校联络人可以执行此操作",
            "only a coordinator of the placement's school may do this",
            status=403,
        )


# --- sending and moving the turn along ----------------------------------------------------------------------------


@transaction.atomic
def signing_send(*, actor: Any, revision: Any, now: dt.datetime) -> SigningEnvelope:
    """Send an agreement revision for signing: one request per party, in the pilot's order."""
    _require_coordinator(actor, revision)
    if not source.revision_is_current(revision):
        raise ApplicationError(
            "REVISION_SUPERSEDED",
            "该协议版本已被新版本取代，请发送最新版本",
            "this revision has been superseded; send the latest one",
            status=409,
        )
    if source.agreement_of(revision).status != AgreementStatus.DRAFT:
        raise ApplicationError(
            "AGREEMENT_NOT_DRAFT",
            "只有未发出的协议可以发送签署",
            "only an agreement that has not been sent can be sent for signing",
            details={"status": source.agreement_of(revision).status},
            status=409,
        )
    if SigningEnvelope.objects.filter(revision=revision).exists():
        raise ApplicationError(
            "ALREADY_SENT", "该协议已发出签署", "this revision was already sent", status=409
        )
    agreement = source.agreement_of(revision)
    # Envelopes of older revisions (the agreement was regenerated while out for signing) are closed: their
    # links already fail as superseded; from now on they also stop being reminded.
    for stale in (
        SigningEnvelope.objects.select_for_update()
        .filter(revision__agreement=agreement, status=EnvelopeStatus.SIGNING)
        .exclude(revision=revision)
    ):
        _close(stale, now=now, reason=f"superseded by revision {revision.number}")
    active = SigningEnvelope.objects.filter(
        revision__agreement=agreement,
        status__in=[EnvelopeStatus.SIGNING, EnvelopeStatus.COMPLETED, EnvelopeStatus.SEALED],
    )
    if active.exists():
        raise ApplicationError(
            "AGREEMENT_IN_SIGNING",
            "该协议的上一版本仍在签署或已封存，请先作废",
            "an earlier revision of this agreement is still being signed or is sealed; void it first",
            status=409,
        )
    placement = source.placement_of(revision)
    placement.refresh_from_db(fields=["status"])
    envelope = _envelope_create(actor=actor, document=revision, revision=revision)
    # A replacement agreement (or a new revision after a decline) points the old envelopes to this one.
    old_agreement = source.replaced_agreement(agreement)
    SigningEnvelope.objects.filter(
        revision__agreement__in=[a for a in (agreement, old_agreement) if a is not None],
        status__in=[EnvelopeStatus.VOIDED, EnvelopeStatus.DECLINED],
        replaced_by__isnull=True,
    ).exclude(pk=envelope.pk).update(replaced_by=envelope)
    source.agreement_set_status(agreement=agreement, to=AgreementStatus.SENT, actor=actor)
    _advance(envelope, now)
    if placement.status == PlacementStatus.PROPOSED:
        placement_transition(
            placement=placement, to=PlacementStatus.SIGNING, actor=actor, note="agreement sent"
        )
    audit_record(actor=actor, action="signing.send", obj=envelope, changes={"order": envelope.signing_order})
    return envelope


def _envelope_create(*, actor: Any, document: Any, **what: Any) -> SigningEnvelope:
    """The envelope of a document and one request per party on record, in the pilot's order (`what`: the
    envelope's field naming the document, `revision=` or `consent=`). Refused when a party's name or a link
    party's phone is missing."""
    parties = source.parties_on_record(document)
    problems = {}
    for party, record in parties.items():
        if not record.party_name:
            problems[party] = "missing"
        elif party in LINK_PARTIES and not record.phone:
            problems[party] = "no phone number"
    if problems:
        raise ApplicationError(
            "SIGNER_DATA_MISSING",
            "签署方信息不完整（姓名或手机号缺失）",
            "a signing party's name or phone number is missing",
            details=problems,
        )
    placement = source.placement_of(document)
    order = [p for p in placement.pilot.effective_signing_order if p in parties]
    envelope = SigningEnvelope.objects.create(signing_order=order, sent_by=actor_user(actor), **what)
    for position, party in enumerate(order, start=1):
        record = parties[party]
        SignatureRequest.objects.create(
            envelope=envelope,
            party=party,
            position=position,
            party_name=record.party_name,
            signer_name=record.signer_name,
            phone=record.phone,
        )
    return envelope


@transaction.atomic
def signing_send_consent(*, actor: Any, document: Any, now: dt.datetime) -> SigningEnvelope:
    """Send an informed-consent form (backend.checklist's ConsentDocument, a draft) to its signers, the student
    and the guardian, in the pilot's order, through the same requests, links and codes as an agreement. The
    placement's status does not move: the form is a checklist item, not the agreement."""
    _require_coordinator(actor, document)
    if not source.revision_is_current(document) or source.agreement_is_void(document):
        raise ApplicationError(
            "REVISION_SUPERSEDED",
            "该文件已被新版本取代，请发送最新版本",
            "this document has been superseded; send the latest one",
            status=409,
        )
    if document.status != AgreementStatus.DRAFT or SigningEnvelope.objects.filter(consent=document).exists():
        raise ApplicationError(
            "ALREADY_SENT", "该文件已发出签署", "this document was already sent", status=409
        )
    envelope = _envelope_create(actor=actor, document=document, consent=document)
    source.agreement_set_status(agreement=document, to=AgreementStatus.SENT, actor=actor)
    _advance(envelope, now)
    audit_record(actor=actor, action="signing.send", obj=envelope, changes={"order": envelope.signing_order})
    return envelope


def _advance(envelope: SigningEnvelope, now: dt.datetime) -> None:
    """Open the next request, or mark the envelope completed and queue the seal."""
    nxt = envelope.requests.filter(status=RequestStatus.WAITING).order_by("position").first()
    if nxt is not None:
        _open(nxt, now)
        return
    if envelope.requests.exclude(status=RequestStatus.SIGNED).exists():
        return
    envelope.status = EnvelopeStatus.COMPLETED
    envelope.save(update_fields=["status", "updated_at"])
    source.agreement_set_status(
        agreement=source.agreement_of(envelope.document), to=AgreementStatus.SIGNED, actor=None
    )
    enqueue_on_commit("documents.signing.seal", envelope.pk)


def _open(request: SignatureRequest, now: dt.datetime) -> None:
    request.status = RequestStatus.PENDING
    request.sent_at = now
    request.expires_at = now + dt.timedelta(days=link_days())
    request.save(update_fields=["status", "sent_at", "expires_at", "updated_at"])
    _notify_turn(request, now, reminder=False)


def _notify_turn(request: SignatureRequest, now: dt.datetime, *, reminder: bool) -> None:
    revision = request.envelope.document
    agreement = source.agreement_of(revision)
    title = source.agreement_title(agreement)
    prefix = "提醒：" if reminder else ""
    if request.uses_link:
        token = _issue_link(request, now)
        url = link_url(request, token)
        text = (
            f"【学徒】{prefix}{request.signer_name}您好，请签署《{title}》"
            f"（{source.agreement_reference(agreement)}）：{url} 链接{link_days()}天内有效，仅限本人使用。"
        )
        phone = request.phone
        transaction.on_commit(lambda: send_sms(phone=phone, text=text))
        if source.is_agreement(agreement):
            return
        # the consent form: also in the student's or guardian's portal inbox, when they have an account
        recipients, heading, link = (
            link_signers(request),
            f"{prefix}请签署《{title}》",
            f"/me/sign/{request.pk}",
        )
        body = f"{source.agreement_reference(agreement)}：请点击本通知签署，或使用短信中的签署链接。"
    else:
        recipients, heading, link = (
            account_signers(request),
            f"{prefix}请签署《{title}》（{request.party_name}）",
            f"/signing/requests/{request.pk}",
        )
        body = (
            f"轮到{PARTY_LABELS[Party(request.party)][0]}签署协议 {source.agreement_reference(agreement)}。"
        )
    notice_send(
        recipients=recipients,
        kind="signing_reminder" if reminder else "signing_request",
        title=heading,
        body=body,
        link=link,
        dedupe_key=f"signing:{request.pk}:{request.reminder_count}:{int((request.sent_at or now).timestamp())}",
    )


def _issue_link(request: SignatureRequest, now: dt.datetime) -> str:
    """A fresh link; earlier links of this request stop working (the newest SMS is the one to use)."""
    request.links.filter(used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason="replaced"
    )
    token = secrets.token_urlsafe(32)
    SigningLink.objects.create(
        request=request, token_sha256=token_sha256(token), expires_at=request.expires_at or now
    )
    return token


# --- checks shared by every way in ---------------------------------------------------------------------------------

_STATUS_ERRORS = {
    RequestStatus.WAITING: ("NOT_YOUR_TURN", "尚未轮到您签署", "it is not yet your turn to sign", 409),
    RequestStatus.SIGNED: ("ALREADY_SIGNED", "您已签署，无需重复操作", "this party has already signed", 409),
    RequestStatus.DECLINED: ("AGREEMENT_DECLINED", "该协议已被拒签", "this agreement was declined", 409),
    RequestStatus.EXPIRED: (
        "REQUEST_EXPIRED",
        "签署请求已过期，请联系学校重新发送",
        "the request expired",
        410,
    ),
    RequestStatus.VOIDED: (
        "AGREEMENT_VOIDED",
        "该协议已作废，此链接不再有效",
        "this agreement was voided",
        410,
    ),
}


def _check_actor(request: SignatureRequest, user: Any, via_link: bool) -> None:
    """Students and guardians act through their link; company and school through an account of theirs."""
    if request.uses_link != via_link or (not via_link and not user_may_sign(user, request)):
        raise ApplicationError("NOT_FOUND", "未找到", "signature request not found", status=404)


def check_signable(request: SignatureRequest, now: dt.datetime) -> None:
    envelope = request.envelope
    if envelope.status == EnvelopeStatus.VOIDED or source.agreement_is_void(
        source.agreement_of(envelope.document)
    ):
        raise ApplicationError(*_STATUS_ERRORS[RequestStatus.VOIDED][:3], status=410)
    if envelope.status == EnvelopeStatus.DECLINED and request.status != RequestStatus.DECLINED:
        raise ApplicationError(*_STATUS_ERRORS[RequestStatus.DECLINED][:3], status=409)
    if not source.revision_is_current(envelope.document):
        raise ApplicationError(
            "REVISION_SUPERSEDED",
            "该协议版本已被新版本取代，此链接不再有效",
            "this revision was superseded; the link no longer works",
            status=410,
        )
    if request.status in _STATUS_ERRORS:
        code, zh, en, status = _STATUS_ERRORS[RequestStatus(request.status)]
        raise ApplicationError(code, zh, en, status=status)
    if request.expires_at and request.expires_at <= now:
        raise ApplicationError(*_STATUS_ERRORS[RequestStatus.EXPIRED][:3], status=410)


_REVOKED_ERRORS: dict[str, tuple[str, str, str, int]] = {
    "replaced": (
        "LINK_REPLACED",
        "已向您发送新的签署链接，请使用最新短信中的链接",
        "a newer link was sent; use the link in the latest message",
        410,
    ),
    "voided": (*_STATUS_ERRORS[RequestStatus.VOIDED][:3], 410),
    "declined": (*_STATUS_ERRORS[RequestStatus.DECLINED][:3], 410),
    "expired": (*_STATUS_ERRORS[RequestStatus.EXPIRED][:3], 410),
    "signed": ("LINK_USED", "该链接已使用过，不能再次签署", "this link was already used", 410),
}


def link_resolve(*, request_id: int, token: str, now: dt.datetime) -> SignatureRequest:
    """The request a link opens, or a clear refusal. A token only ever opens its own request."""
    link = (
        SigningLink.objects.select_related("request__envelope__revision")
        .filter(token_sha256=token_sha256(token or ""), request_id=request_id)
        .first()
    )
    if link is None:
        raise ApplicationError("LINK_INVALID", "签署链接无效", "this signing link is not valid", status=404)
    if link.used_at is not None:
        raise ApplicationError(
            "LINK_USED", "该链接已使用过，不能再次签署", "this link was already used", status=410
        )
    if link.revoked_at is not None:
        code, zh, en, status = _REVOKED_ERRORS.get(link.revoked_reason, _REVOKED_ERRORS["replaced"])
        raise ApplicationError(code, zh, en, status=status)
    if link.expires_at <= now:
        raise ApplicationError(
            "LINK_EXPIRED", "签署链接已过期，请联系学校重新发送", "the link expired", status=410
        )
    check_signable(link.request, now)
    return link.request


# --- one-time codes -------------------------------------------------------------------------------------------------


@transaction.atomic
def signing_code_send(
    *, request: SignatureRequest, now: dt.datetime, user: Any = None, via_link: bool = False
) -> OneTimeCode:
    request = (
        SignatureRequest.objects.select_for_update(of=("self",))
        .select_related("envelope__revision")
        .get(pk=request.pk)
    )
    _check_actor(request, user, via_link)
    check_signable(request, now)
    phone = request.phone if request.uses_link else getattr(user, "phone", "")
    if not phone:
        raise ApplicationError(
            "NO_PHONE", "账号未登记手机号，无法发送验证码", "no phone number on the account for the code"
        )
    recent = request.codes.filter(created_at__gte=now - dt.timedelta(days=1))
    last = recent.first()
    if last is not None and last.created_at > now - dt.timedelta(seconds=code_resend_seconds()):
        raise ApplicationError(
            "CODE_TOO_SOON",
            "验证码发送过于频繁，请稍后再试",
            "wait a minute before asking for a new code",
            status=429,
        )
    if recent.count() >= code_max_per_day():
        raise ApplicationError(
            "CODE_LIMIT",
            "今日验证码次数已用完，请明天再试",
            "no more codes today for this request",
            status=429,
        )
    request.codes.filter(used_at__isnull=True).update(used_at=now)  # only the newest code counts
    code = f"{secrets.randbelow(1_000_000):06d}"
    otp = OneTimeCode.objects.create(
        request=request,
        code_hmac=_code_hmac(request.pk, code),
        phone=phone,
        expires_at=now + dt.timedelta(minutes=code_minutes()),
    )
    # created_at is set by the database clock; keep the service's clock for the rate limits.
    OneTimeCode.objects.filter(pk=otp.pk).update(created_at=now)
    text = f"【学徒】验证码 {code}，用于签署协议，{code_minutes()}分钟内有效。如非本人操作，请忽略。"
    transaction.on_commit(lambda: send_sms(phone=phone, text=text))
    return otp


def _verify_code(*, request_id: int, code: str, now: dt.datetime) -> int:
    """Check the newest code; a wrong guess is counted and committed even though the caller then refuses."""
    error: ApplicationError | None = None
    with transaction.atomic():
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(request_id=request_id, used_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        if otp is None:
            error = ApplicationError("CODE_REQUIRED", "请先获取短信验证码", "request a one-time code first")
        elif otp.failed_attempts >= code_max_attempts():
            error = ApplicationError(
                "CODE_LOCKED",
                "验证码错误次数过多，请重新获取",
                "too many wrong codes; request a new one",
                status=429,
            )
        elif otp.expires_at <= now:
            error = ApplicationError(
                "CODE_EXPIRED", "验证码已过期，请重新获取", "the code expired; request a new one"
            )
        elif not hmac.compare_digest(otp.code_hmac, _code_hmac(request_id, (code or "").strip())):
            otp.failed_attempts += 1
            otp.save(update_fields=["failed_attempts"])
            left = max(code_max_attempts() - otp.failed_attempts, 0)
            error = ApplicationError(
                "CODE_WRONG",
                f"验证码错误，还可尝试 {left} 次",
                f"wrong code; {left} attempts left",
                details={"attempts_left": left},
            )
    if error is not None:
        if otp is None:
            # The code may have just been consumed by a concurrent submit: report the request's state instead.
            check_signable(
                SignatureRequest.objects.select_related("envelope__revision").get(pk=request_id), now
            )
        raise error
    assert otp is not None
    return otp.pk


# --- signing and declining ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    ip_address: str | None
    user_agent: str


def agreed_text(request: SignatureRequest, typed_name: str) -> str:
    revision = request.envelope.document
    agreement = source.agreement_of(revision)
    zh, en = PARTY_LABELS[Party(request.party)]
    sha = source.revision_pdf_sha256(revision)
    title = source.agreement_title(agreement)
    ref = source.agreement_reference(agreement)
    return (
        f"本人{typed_name}，作为{zh}（{request.party_name}），已完整阅读《{title}》"
        f"（编号 {ref}，文件 SHA-256：{sha}），同意其全部条款，并以电子方式签署。\n"
        f"I, {typed_name}, as the {en} ({request.party_name}), have read the agreement {ref} "
        f"(file SHA-256 {sha}) in full, agree to all of its terms and sign it electronically."
    )


def _expected_name(request: SignatureRequest, user: Any) -> str:
    if request.uses_link:
        return request.signer_name
    signatory = marks.signatory_for(request, user)  # the company's or school's named signatory
    return signatory.name if signatory else ""


def _check_name(request: SignatureRequest, typed_name: str, user: Any) -> None:
    expected = _expected_name(request, user)
    if not expected or normalise_name(typed_name) != normalise_name(expected):
        raise ApplicationError(
            "NAME_MISMATCH",
            "输入的姓名与登记的姓名不一致",
            "the name typed does not match the name on record",
        )


def _lock_and_check(request_id: int, now: dt.datetime) -> SignatureRequest:
    request = (
        SignatureRequest.objects.select_for_update(of=("self",))
        .select_related("envelope__revision")
        .get(pk=request_id)
    )
    check_signable(request, now)
    return request


def signing_sign(
    *,
    request: SignatureRequest,
    code: str,
    typed_name: str,
    agreed: bool,
    evidence: Evidence,
    now: dt.datetime,
    user: Any = None,
    token: str | None = None,
    drawing: str | None = None,
) -> Signature:
    """Record one party's signature. Exactly one per request, whatever the concurrency. `drawing` is the signature
    drawn on the signing page (a PNG data: URL; the portal always sends it, so there a blank pad is refused)."""
    _check_actor(request, user, token is not None)
    check_signable(request, now)
    if not agreed:
        raise ApplicationError(
            "CONSENT_REQUIRED", "请确认已阅读并同意协议全部条款", "confirm that you agree to the agreement"
        )
    _check_name(request, typed_name, user)
    drawing_png = marks.drawing_from_data_url(drawing) if drawing is not None else b""
    code_id = _verify_code(request_id=request.pk, code=code, now=now)
    try:
        with transaction.atomic():
            locked = _lock_and_check(request.pk, now)
            consumed = OneTimeCode.objects.filter(pk=code_id, used_at__isnull=True).update(used_at=now)
            if not consumed:
                raise ApplicationError(
                    "CODE_USED", "验证码已使用，请重新获取", "this code was already used", status=409
                )
            text = agreed_text(locked, typed_name.strip())
            signatory = marks.signatory_for(locked, user, with_seal=True)
            signature = Signature.objects.create(
                request=locked,
                party=locked.party,
                typed_name=typed_name.strip(),
                user=actor_user(user),
                agreed_text=text,
                agreed_text_sha256=hashlib.sha256(text.encode()).hexdigest(),
                signed_at=now,
                ip_address=evidence.ip_address,
                user_agent=(evidence.user_agent or "")[:500],
                verification_method=(
                    VerificationMethod.SMS_LINK if locked.uses_link else VerificationMethod.ACCOUNT_SMS
                ),
                signer_title=signatory.title if signatory else "",
                drawing_png=drawing_png,
                seal_png=signatory.seal_png if signatory else b"",
            )
            locked.status = RequestStatus.SIGNED
            locked.save(update_fields=["status", "updated_at"])
            if token is not None:
                locked.links.filter(token_sha256=token_sha256(token)).update(used_at=now)
            locked.links.filter(used_at__isnull=True, revoked_at__isnull=True).update(
                revoked_at=now, revoked_reason="signed"
            )
            audit_record(
                actor=user,
                action="signing.sign",
                obj=locked,
                changes={
                    "party": locked.party,
                    "typed_name": signature.typed_name,
                    "ip": evidence.ip_address,
                },
            )
            _advance(locked.envelope, now)
    except IntegrityError as exc:  # the unique request constraint: a concurrent submit won
        raise ApplicationError(*_STATUS_ERRORS[RequestStatus.SIGNED][:3], status=409) from exc
    return signature


def signing_decline(
    *,
    request: SignatureRequest,
    code: str,
    reason: str,
    evidence: Evidence,
    now: dt.datetime,
    user: Any = None,
    via_link: bool = False,
) -> SignatureRequest:
    """A party refuses: the agreement stops and the school's coordinators are told."""
    _check_actor(request, user, via_link)
    check_signable(request, now)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("REASON_REQUIRED", "请填写拒签理由", "give a reason for declining")
    code_id = _verify_code(request_id=request.pk, code=code, now=now)
    with transaction.atomic():
        locked = _lock_and_check(request.pk, now)
        if not OneTimeCode.objects.filter(pk=code_id, used_at__isnull=True).update(used_at=now):
            raise ApplicationError(
                "CODE_USED", "验证码已使用，请重新获取", "this code was already used", status=409
            )
        locked.status = RequestStatus.DECLINED
        locked.declined_at = now
        locked.decline_reason = reason[:2000]
        locked.save(update_fields=["status", "declined_at", "decline_reason", "updated_at"])
        envelope = SigningEnvelope.objects.select_for_update().get(pk=locked.envelope_id)
        envelope.status = EnvelopeStatus.DECLINED
        envelope.declined_reason = reason[:2000]
        envelope.save(update_fields=["status", "declined_reason", "updated_at"])
        SigningLink.objects.filter(
            request__envelope=envelope, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now, revoked_reason="declined")
        agreement = source.agreement_of(envelope.document)
        notice_send(
            recipients=coordinators(envelope),
            kind="agreement_declined",
            title=f"协议被拒签：{source.agreement_reference(agreement)}（{locked.party_name}）",
            body=f"{PARTY_LABELS[Party(locked.party)][0]}拒绝签署。理由：{reason}",
            link=f"/signing/envelopes/{envelope.pk}",
        )
        source.agreement_set_status(agreement=agreement, to=AgreementStatus.DRAFT, actor=user)
        placement = source.placement_of(envelope.document)
        placement.refresh_from_db(fields=["status"])
        if placement.status == PlacementStatus.SIGNING and source.is_agreement(agreement):
            placement_transition(
                placement=placement, to=PlacementStatus.PROPOSED, actor=user, note="agreement declined"
            )
        audit_record(
            actor=user,
            action="signing.decline",
            obj=locked,
            changes={"reason": reason, "ip": evidence.ip_address, "user_agent": evidence.user_agent[:200]},
        )
    return locked


# --- reminders, expiry, re-send, void --------------------------------------------------------------------------------


@transaction.atomic
def signing_remind(*, request_id: int, now: dt.datetime) -> bool:
    """Remind the party whose turn it is, at most once per interval. Returns whether a reminder went out."""
    request = SignatureRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None or request.status != RequestStatus.PENDING:
        return False
    if request.envelope.status != EnvelopeStatus.SIGNING or (
        request.expires_at and request.expires_at <= now
    ):
        return False
    last = request.last_reminded_at or request.sent_at
    if last and last > now - dt.timedelta(hours=reminder_hours()):
        return False
    request.reminder_count += 1
    request.last_reminded_at = now
    request.save(update_fields=["reminder_count", "last_reminded_at", "updated_at"])
    _notify_turn(request, now, reminder=True)
    audit_record(actor=None, action="signing.remind", obj=request, changes={"count": request.reminder_count})
    return True


@transaction.atomic
def signing_expire(*, request_id: int, now: dt.datetime) -> bool:
    request = SignatureRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None or request.status != RequestStatus.PENDING or not request.expires_at:
        return False
    if request.expires_at > now:
        return False
    request.status = RequestStatus.EXPIRED
    request.save(update_fields=["status", "updated_at"])
    request.links.filter(used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason="expired"
    )
    agreement = source.agreement_of(request.envelope.document)
    notice_send(
        recipients=coordinators(request.envelope),
        kind="signing_expired",
        title=f"签署请求已过期：{source.agreement_reference(agreement)}（{request.party_name}）",
        body="可在签署页面重新发送。",
        link=f"/signing/envelopes/{request.envelope_id}",
        dedupe_key=f"signing-expired:{request.pk}:{int(request.expires_at.timestamp())}",
    )
    audit_record(actor=None, action="signing.expire", obj=request, changes={})
    return True


@transaction.atomic
def signing_resend(*, actor: Any, request: SignatureRequest, now: dt.datetime) -> SignatureRequest:
    """Give an expired request a new period (and a new link)."""
    request = SignatureRequest.objects.select_for_update().get(pk=request.pk)
    _require_coordinator(actor, request.envelope)
    if request.envelope.status != EnvelopeStatus.SIGNING:
        raise ApplicationError(*_STATUS_ERRORS[RequestStatus.VOIDED][:3], status=409)
    if request.status != RequestStatus.EXPIRED:
        raise ApplicationError(
            "NOT_EXPIRED",
            "只有已过期的签署请求可以重新发送",
            "only an expired request can be re-sent",
            status=409,
        )
    request.reminder_count = 0
    request.last_reminded_at = None
    request.save(update_fields=["reminder_count", "last_reminded_at", "updated_at"])
    _open(request, now)
    audit_record(actor=actor, action="signing.resend", obj=request, changes={})
    return request


def _close(envelope: SigningEnvelope, *, now: dt.datetime, reason: str) -> None:
    """Void an envelope's open requests and links (the agreement's own status is handled by the caller)."""
    envelope.status = EnvelopeStatus.VOIDED
    envelope.voided_reason = reason
    envelope.save(update_fields=["status", "voided_reason", "updated_at"])
    envelope.requests.filter(
        status__in=[RequestStatus.WAITING, RequestStatus.PENDING, RequestStatus.EXPIRED]
    ).update(status=RequestStatus.VOIDED)
    SigningLink.objects.filter(
        request__envelope=envelope, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now, revoked_reason="voided")


def signing_close_agreement(*, actor: Any, agreement: Any, reason: str, now: dt.datetime) -> int:
    """The one way signing ends when its agreement is voided or replaced, whoever voids it (the agreements API,
    the portal, `signing_void`, a regeneration that changes the kind): every envelope of the agreement is voided,
    its open requests with it (no reminder goes out for them), every unused link dies with AGREEMENT_VOIDED, and a
    placement out for signing goes back to proposed. Called inside the voiding transaction; returns how many
    envelopes it closed."""
    closed = 0
    for envelope in (
        SigningEnvelope.objects.select_for_update()
        .filter(revision__agreement=agreement)
        .exclude(status=EnvelopeStatus.VOIDED)
    ):
        before = envelope.status
        _close(envelope, now=now, reason=reason)
        audit_record(
            actor=actor, action="signing.void", obj=envelope, changes={"from": before, "reason": reason}
        )
        closed += 1
    placement = agreement.placement
    placement.refresh_from_db(fields=["status"])
    if placement.status == PlacementStatus.SIGNING:
        placement_transition(
            placement=placement, to=PlacementStatus.PROPOSED, actor=actor, note="agreement voided"
        )
    return closed


# Envelopes whose signing has not ended in a seal: a placement that ends closes them.
OPEN_ENVELOPES = (
    EnvelopeStatus.SIGNING,
    EnvelopeStatus.DECLINED,
    EnvelopeStatus.COMPLETED,
    EnvelopeStatus.SEAL_FAILED,
)


@transaction.atomic
def signing_close_placement(*, actor: Any, placement: Any, reason: str, now: dt.datetime) -> int:
    """A placement ends (terminated): every agreement of it still in signing (an envelope not sealed and not
    voided; a supplementary agreement too) is voided through the agreements app, which closes its envelopes,
    requests and links (`signing_close_agreement`; a placement out for signing goes back to proposed on the way).
    Sealed agreements stay as they are: they are the record of what was agreed. Returns how many envelopes were
    closed."""
    reason = (reason or "").strip() or "学徒安排终止 / placement terminated"
    open_envelopes = SigningEnvelope.objects.filter(
        revision__agreement__placement=placement, status__in=OPEN_ENVELOPES
    )
    closed = open_envelopes.count()
    agreement_ids = set(open_envelopes.values_list("revision__agreement_id", flat=True))
    for agreement in source.agreements_of_placement(placement).filter(pk__in=agreement_ids):
        if source.agreement_is_void(agreement):
            signing_close_agreement(actor=actor, agreement=agreement, reason=reason, now=now)
        else:
            source.agreement_set_status(
                agreement=agreement, to=AgreementStatus.VOID, actor=actor, reason=reason
            )
    for envelope in SigningEnvelope.objects.select_for_update().filter(
        consent__placement=placement, status__in=OPEN_ENVELOPES
    ):  # an informed-consent form still out: voided with its links
        _close_document(envelope, actor=actor, reason=reason, now=now)
        closed += 1
    return closed


def _close_document(envelope: SigningEnvelope, *, actor: Any, reason: str, now: dt.datetime) -> None:
    """Void a document that is not an agreement (the consent form) and its envelope, requests and links."""
    before = envelope.status
    _close(envelope, now=now, reason=reason)
    source.agreement_set_status(
        agreement=envelope.document, to=AgreementStatus.VOID, actor=actor, reason=reason
    )
    audit_record(actor=actor, action="signing.void", obj=envelope, changes={"from": before, "reason": reason})


@transaction.atomic
def signing_void(*, actor: Any, envelope: SigningEnvelope, reason: str, now: dt.datetime) -> SigningEnvelope:
    """Void the agreement being signed, from its envelope: the agreement is voided through the agreements app,
    which closes its signing through `signing_close_agreement` (every open link dies with a clear message). A
    replacement revision is then generated and sent as usual; the voided envelope points to it."""
    envelope = SigningEnvelope.objects.select_for_update().get(pk=envelope.pk)
    _require_coordinator(actor, envelope)
    if not envelope.can_move_to(EnvelopeStatus.VOIDED):
        raise ApplicationError("ALREADY_VOIDED", "该协议已作废", "already voided", status=409)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("REASON_REQUIRED", "请填写作废理由", "give a reason for voiding")
    agreement = source.agreement_of(envelope.document)
    if not source.is_agreement(agreement):
        _close_document(envelope, actor=actor, reason=reason, now=now)
    elif source.agreement_is_void(agreement):
        signing_close_agreement(actor=actor, agreement=agreement, reason=reason, now=now)
    else:
        source.agreement_set_status(agreement=agreement, to=AgreementStatus.VOID, actor=actor, reason=reason)
    envelope.refresh_from_db()
    return envelope
