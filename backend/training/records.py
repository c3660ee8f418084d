"""The apprentice's record (学徒档案) as a JSON document in the Open Badges 3.0 / Comprehensive Learner Record
shape, signed as a VC-JWT (the JSON Web Token proof format of Open Badges 3.0): a compact JWS, RS256, by the
platform's sealing key (the same PKCS#12 that seals agreements), its certificate in the header (x5c), so another
school or an employer can check it without asking us. Any changed field breaks the signature."""

from __future__ import annotations

import base64
import datetime
import json
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings

from backend.core.errors import ApplicationError

from .models import Evaluation, EvaluationStatus, SignOff, SignOffStatus, TrainingEnrolment
from .selectors import rotation_progress

CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    path = Path(getattr(settings, "XUETU_SEALING_PKCS12", ""))
    if not path.is_file():
        raise ApplicationError(
            "SEALING_NOT_CONFIGURED",
            "平台签名证书未配置",
            "the platform's sealing certificate is missing",
            status=503,
        )
    key, cert, _ = pkcs12.load_key_and_certificates(
        path.read_bytes(), (getattr(settings, "XUETU_SEALING_PASSPHRASE", "") or "").encode() or None
    )
    if not isinstance(key, rsa.RSAPrivateKey) or cert is None:
        raise ApplicationError(
            "SEALING_KEY_TYPE", "平台签名证书须为RSA", "the sealing key must be RSA", status=503
        )
    return key, cert


def record_credential(
    enrolment: TrainingEnrolment, *, today: datetime.date, issued: datetime.datetime
) -> dict[str, Any]:
    """The record as a CLR 2.0 ClrCredential: one AchievementSubject, one assertion per signed-off competency and
    per evaluation, the rotation with hours per post, the plan version and the agreement's number."""
    placement = enrolment.placement
    student = placement.student
    agreement = getattr(placement, "agreements", None)
    number = (
        agreement.order_by("-id").values_list("number", flat=True).first() if agreement is not None else None
    )
    base = f"urn:xuetu:record:{enrolment.pk}"
    confirmed = SignOff.objects.filter(enrolment=enrolment, status=SignOffStatus.CONFIRMED).select_related(
        "competency"
    )
    evaluations = Evaluation.objects.filter(enrolment=enrolment, status=EvaluationStatus.RECORDED)
    assertions = [
        {
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "id": f"{base}:competency:{s.competency.code}",
            "issuer": {"id": "urn:xuetu:platform", "type": ["Profile"], "name": "xuetu 学徒"},
            "validFrom": (s.teacher_at or issued).isoformat(),
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "achievement": {
                    "id": f"urn:xuetu:competency:{s.competency_id}",
                    "type": ["Achievement"],
                    "achievementType": "Competency",
                    "name": s.competency.name,
                    "humanCode": s.competency.code,
                    "criteria": {"narrative": s.competency.level},
                },
                "result": [{"type": ["Result"], "status": "Completed"}],
                "endorsements": [
                    {
                        "role": "mentor",
                        "name": s.mentor_name,
                        "at": s.mentor_at.isoformat() if s.mentor_at else None,
                    },
                    {
                        "role": "teacher",
                        "name": s.teacher_name,
                        "at": s.teacher_at.isoformat() if s.teacher_at else None,
                    },
                ],
            },
        }
        for s in confirmed
    ]
    return {
        "@context": CONTEXTS,
        "id": base,
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": "urn:xuetu:platform", "type": ["Profile"], "name": "xuetu 学徒"},
        "name": f"学徒档案 {student.name}",
        "validFrom": issued.isoformat(),
        "credentialSubject": {
            "type": ["ClrSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "identityHash": student.name,
                    "hashed": False,
                }
            ],
            "verifiableCredential": assertions,
            "evaluations": [
                {
                    "party": e.party,
                    "grade": e.grade,
                    "points": str(e.points) if e.points is not None else None,
                    "evaluator": e.evaluator_name,
                    "certificateNumber": e.certificate_number,
                }
                for e in evaluations
            ],
            "rotation": [
                {
                    "post": p["post"].title,
                    "plannedHours": str(p["planned_hours"]),
                    "doneHours": str(p["done_hours"]),
                }
                for p in rotation_progress(enrolment, today=today)
            ],
            "plan": {"title": enrolment.plan.title, "version": enrolment.plan.version},
            "agreementNumber": number,
            "standardReachedAt": enrolment.standard_reached_at.isoformat()
            if enrolment.standard_reached_at
            else None,
        },
    }


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def record_sign(credential: dict[str, Any]) -> str:
    """The credential as a compact JWS (VC-JWT, RS256) with the platform certificate in `x5c`."""
    key, cert = _key()
    header = {
        "alg": "RS256",
        "typ": "JWT",
        "x5c": [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()],
    }
    payload = {**credential, "iss": credential["issuer"]["id"], "jti": credential["id"]}
    signing_input = f"{_b64(_canonical(header))}.{_b64(_canonical(payload))}".encode()
    signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input.decode()}.{_b64(signature)}"


def record_verify(token: str) -> dict[str, Any] | None:
    """The credential when the signature verifies against the certificate in the header (and that certificate is
    the platform's own), else None."""
    try:
        header_b64, payload_b64, signature_b64 = token.split(".")
        header = json.loads(_unb64(header_b64))
        cert = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
        public = cert.public_key()
        assert isinstance(public, rsa.RSAPublicKey) and header.get("alg") == "RS256"
        public.verify(
            _unb64(signature_b64), f"{header_b64}.{payload_b64}".encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (ValueError, KeyError, AssertionError, InvalidSignature, json.JSONDecodeError):
        return None
    _, own = _key()
    if cert.fingerprint(hashes.SHA256()) != own.fingerprint(hashes.SHA256()):
        return None
    return json.loads(_unb64(payload_b64))
