"""Plain values describing what happened during signing; the certificate page is drawn from these.

Django-free: the backend builds a ``SigningRecord`` from its rows and hands it to ``contracts.sealing``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# Labels of the parties and verification methods, Chinese first, English second.
PARTY_ROLE_LABELS: dict[str, tuple[str, str]] = {
    "student": ("学生（学徒）", "Student (apprentice)"),
    "guardian": ("监护人", "Guardian"),
    "company": ("企业", "Company"),
    "school": ("学校", "School"),
}

VERIFICATION_METHOD_LABELS: dict[str, tuple[str, str]] = {
    "sms_link": ("签署链接 + 短信验证码", "signing link + SMS one-time code"),
    "account_sms": ("账号登录 + 短信验证码", "account login + SMS one-time code"),
}


@dataclass(frozen=True, slots=True)
class SigningParty:
    """One party to the agreement: ``role`` is student / guardian / company / school."""

    role: str
    name: str
    # For a company or school: the person who signed on its behalf is in the SignatureEvent.


@dataclass(frozen=True, slots=True)
class SignatureEvent:
    role: str
    signer_name: str
    signed_at: dt.datetime  # timezone-aware
    ip_address: str
    user_agent: str
    verification_method: str
    agreed_text_sha256: str
    # What the signature block shows (contracts.sealing.marks): the capacity of a company's or school's signatory
    # (legal_representative / authorised), the signature drawn on the screen and the organisation's seal (PNG).
    signer_title: str = ""
    drawing_png: bytes = b""
    seal_png: bytes = b""

    def __post_init__(self) -> None:
        if self.signed_at.tzinfo is None:
            raise ValueError("signed_at must be timezone-aware")


@dataclass(frozen=True, slots=True)
class SigningRecord:
    agreement_reference: str  # e.g. the agreement number shown to people
    agreement_title: str
    template_version: str
    unsigned_pdf_sha256: str
    verification_url: str
    parties: tuple[SigningParty, ...]
    events: tuple[SignatureEvent, ...]
    sealed_at: dt.datetime  # timezone-aware

    def __post_init__(self) -> None:
        if self.sealed_at.tzinfo is None:
            raise ValueError("sealed_at must be timezone-aware")
        if len(self.unsigned_pdf_sha256) != 64:
            raise ValueError("unsigned_pdf_sha256 must be a hex SHA-256 digest")
