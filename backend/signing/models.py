"""Online signing of an agreement revision: one request per party, in order; links, one-time codes, signatures;
and the sealed PDF."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.core.models import TimeStampedModel


class Party(models.TextChoices):
    STUDENT = "student", _("学生")
    GUARDIAN = "guardian", _("监护人")
    COMPANY = "company", _("企业")
    SCHOOL = "school", _("学校")


# Students and guardians sign through a link sent by SMS; HR and coordinators sign from their accounts.
LINK_PARTIES = frozenset({Party.STUDENT, Party.GUARDIAN})


class EnvelopeStatus(models.TextChoices):
    SIGNING = "signing", _("签署中")
    DECLINED = "declined", _("已拒签")
    COMPLETED = "completed", _("已全部签署，待封存")
    SEALED = "sealed", _("已封存")
    SEAL_FAILED = "seal_failed", _("封存失败，等待重试")
    VOIDED = "voided", _("已作废")


class SigningEnvelope(TimeStampedModel):
    """The signing of one agreement revision: created when the coordinator sends it."""

    ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
        EnvelopeStatus.SIGNING: frozenset(
            {EnvelopeStatus.DECLINED, EnvelopeStatus.COMPLETED, EnvelopeStatus.VOIDED}
        ),
        EnvelopeStatus.DECLINED: frozenset({EnvelopeStatus.VOIDED}),
        EnvelopeStatus.COMPLETED: frozenset(
            {EnvelopeStatus.SEALED, EnvelopeStatus.SEAL_FAILED, EnvelopeStatus.VOIDED}
        ),
        # The seal sweep retries a failed seal; the coordinator was told what failed (seal_error_code).
        EnvelopeStatus.SEAL_FAILED: frozenset(
            {EnvelopeStatus.SEALED, EnvelopeStatus.SEAL_FAILED, EnvelopeStatus.VOIDED}
        ),
        EnvelopeStatus.SEALED: frozenset({EnvelopeStatus.VOIDED}),
        EnvelopeStatus.VOIDED: frozenset(),
    }

    # What is signed: an agreement revision, or another document kind (the informed-consent form of
    # backend.checklist); exactly one of them. `document` is whichever it is.
    revision = models.OneToOneField(
        "agreements.AgreementRevision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signing_envelope",
    )
    consent = models.OneToOneField(
        "checklist.ConsentDocument",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signing_envelope",
    )
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=EnvelopeStatus.choices,
        default=EnvelopeStatus.SIGNING,
        db_index=True,
    )
    signing_order = models.JSONField(_("签署顺序"), default=list)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    declined_reason = models.TextField(_("拒签理由"), blank=True)
    voided_reason = models.TextField(_("作废理由"), blank=True)
    seal_error_code = models.CharField(_("封存失败代码"), max_length=50, blank=True)
    seal_error_message = models.TextField(_("封存失败原因"), blank=True)
    seal_attempts = models.PositiveSmallIntegerField(default=0)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(revision__isnull=False, consent__isnull=True)
                | models.Q(revision__isnull=True, consent__isnull=False),
                name="signing_envelope_one_document",
            ),
        ]
        verbose_name = _("签署流程")
        verbose_name_plural = _("签署流程")

    def __str__(self) -> str:
        return f"envelope #{self.pk} ({self.status})"

    @property
    def document(self) -> Any:
        """The document signed: the agreement revision, or the other kind's row (see agreement_source)."""
        return self.revision if self.revision_id is not None else self.consent

    def can_move_to(self, status: str) -> bool:
        return status in self.ALLOWED_TRANSITIONS.get(self.status, frozenset())


class RequestStatus(models.TextChoices):
    WAITING = "waiting", _("等待前序签署")
    PENDING = "pending", _("待签署")
    SIGNED = "signed", _("已签署")
    DECLINED = "declined", _("已拒签")
    EXPIRED = "expired", _("已过期")
    VOIDED = "voided", _("已作废")


class VerificationMethod(models.TextChoices):
    SMS_LINK = "sms_link", _("签署链接 + 短信验证码")
    ACCOUNT_SMS = "account_sms", _("账号登录 + 短信验证码")


class SignatureRequest(TimeStampedModel):
    """One party's turn to sign. Only the lowest-position unsigned request is ever PENDING."""

    envelope = models.ForeignKey(SigningEnvelope, on_delete=models.CASCADE, related_name="requests")
    party = models.CharField(_("签署方"), max_length=20, choices=Party.choices)
    position = models.PositiveSmallIntegerField(_("顺序"))
    status = models.CharField(
        _("状态"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.WAITING, db_index=True
    )
    party_name = models.CharField(_("签署方名称"), max_length=200)
    # The person expected to type their name (student, guardian); blank for company/school: the signing user.
    signer_name = models.CharField(_("签署人姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(default=0)
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(_("拒签理由"), blank=True)

    class Meta:
        ordering = ["envelope", "position"]
        constraints = [
            models.UniqueConstraint(fields=["envelope", "party"], name="signing_one_request_per_party"),
            models.UniqueConstraint(fields=["envelope", "position"], name="signing_unique_position"),
        ]
        verbose_name = _("签署请求")
        verbose_name_plural = _("签署请求")

    def __str__(self) -> str:
        return f"{self.get_party_display()} · {self.party_name} ({self.status})"

    @property
    def uses_link(self) -> bool:
        return self.party in LINK_PARTIES


class SigningLink(models.Model):
    """A link for a student or guardian. Only the SHA-256 of its token is stored."""

    request = models.ForeignKey(SignatureRequest, on_delete=models.CASCADE, related_name="links")
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"link for request {self.request_id} ({self.token_sha256[:8]}…)"


class OneTimeCode(models.Model):
    """A six-digit code sent by SMS before signing or declining. Stored as an HMAC; expires; few attempts."""

    request = models.ForeignKey(SignatureRequest, on_delete=models.CASCADE, related_name="codes")
    code_hmac = models.CharField(max_length=64)
    phone = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"code for request {self.request_id}"


class Signature(models.Model):
    """What a party did, as evidence: who, the text agreed and its hash, when, from where, verified how."""

    request = models.OneToOneField(SignatureRequest, on_delete=models.PROTECT, related_name="signature")
    party = models.CharField(max_length=20, choices=Party.choices)
    typed_name = models.CharField(_("签署人输入的姓名"), max_length=50)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agreed_text = models.TextField(_("同意的文本"))
    agreed_text_sha256 = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    verification_method = models.CharField(max_length=20, choices=VerificationMethod.choices)
    # What the sealed PDF shows in the party's signature block (backend.signing.marks): the capacity of a company's
    # or school's signatory, the signature drawn on the screen (PNG) and, for an organisation, its seal image as it
    # was when it signed.
    signer_title = models.CharField(_("签字人身份"), max_length=30, blank=True)
    drawing_png = models.BinaryField(_("手写签名"), blank=True, default=b"")
    seal_png = models.BinaryField(_("印章图片"), blank=True, default=b"")

    class Meta:
        ordering = ["signed_at"]
        verbose_name = _("签名记录")
        verbose_name_plural = _("签名记录")

    def __str__(self) -> str:
        return f"{self.get_party_display()} {self.typed_name} @ {self.signed_at:%Y-%m-%d %H:%M}"


class SealedAgreement(models.Model):
    """The sealed PDF: the revision's PDF, the certificate page, the platform's signature."""

    envelope = models.OneToOneField(SigningEnvelope, on_delete=models.PROTECT, related_name="sealed")
    pdf = models.FileField(upload_to="agreements/sealed/%Y/%m/")
    sha256 = models.CharField(max_length=64, unique=True)
    unsigned_sha256 = models.CharField(max_length=64)
    certificate_sha256 = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()
    seconds = models.FloatField(default=0)

    class Meta:
        verbose_name = _("封存协议")
        verbose_name_plural = _("封存协议")

    def __str__(self) -> str:
        return f"sealed {self.sha256[:12]}…"
