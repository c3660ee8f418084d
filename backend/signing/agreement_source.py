"""Everything signing needs to know about an agreement (backend.agreements, owned by the documents work), in one
place: which parties sign, the revision's PDF and hash, whether a revision is still the current one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from backend.agreements.models import Agreement, AgreementRevision

from .models import Party


@dataclass(frozen=True)
class PartyOnRecord:
    party: str
    party_name: str
    signer_name: str  # the name the signer must type; blank: the signing account's name
    phone: str


def agreement_of(revision: AgreementRevision) -> Agreement:
    return revision.agreement


def placement_of(revision: AgreementRevision) -> Any:
    return revision.agreement.placement


def is_four_party(agreement: Agreement) -> bool:
    return str(agreement.kind).startswith("four")


def parties_on_record(revision: AgreementRevision) -> dict[str, PartyOnRecord]:
    agreement = revision.agreement
    placement = agreement.placement
    student = placement.student
    parties = {
        Party.STUDENT: PartyOnRecord(Party.STUDENT, student.name, student.name, student.phone),
        Party.COMPANY: PartyOnRecord(Party.COMPANY, placement.post.company.name, "", ""),
        Party.SCHOOL: PartyOnRecord(Party.SCHOOL, placement.pilot.school.name, "", ""),
    }
    if is_four_party(agreement):
        guardian = student.guardians.order_by("-is_primary", "id").first()
        if guardian is not None:
            parties[Party.GUARDIAN] = PartyOnRecord(Party.GUARDIAN, guardian.name, guardian.name, guardian.phone)
        else:
            parties[Party.GUARDIAN] = PartyOnRecord(Party.GUARDIAN, "", "", "")
    return parties


def revision_pdf_bytes(revision: AgreementRevision) -> bytes:
    with revision.pdf.open("rb") as handle:
        return handle.read()


def revision_pdf_sha256(revision: AgreementRevision) -> str:
    return revision.pdf_sha256 or hashlib.sha256(revision_pdf_bytes(revision)).hexdigest()


def revision_is_current(revision: AgreementRevision) -> bool:
    latest = revision.agreement.revisions.order_by("-number").values_list("pk", flat=True).first()
    return latest == revision.pk


def agreement_reference(agreement: Agreement) -> str:
    return f"XT-{agreement.pk:08d}"


def agreement_title(agreement: Agreement) -> str:
    return "现代学徒制四方协议" if is_four_party(agreement) else "现代学徒制三方协议"


def template_version(revision: AgreementRevision) -> str:
    return str(revision.template_version)
