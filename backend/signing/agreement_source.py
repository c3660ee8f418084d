"""Everything signing needs to know about an agreement (backend.agreements, owned by the documents work), in one
place: which parties sign, the revision's PDF and hash, whether a revision is still the current one.

Another kind of document signed the same way (the informed-consent form, backend.checklist) registers a
`DocumentSource` for its model (`register_document_source`, from its app's ready()); every function below then
answers for it too. Such a document is its own "revision" and its own "agreement": it has `number`, `pdf` and
`pdf_sha256` like a revision, and its source says the rest."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backend.agreements.models import FOUR_PARTY_KINDS, Agreement, AgreementRevision, AgreementStatus

from .models import Party


@dataclass(frozen=True)
class PartyOnRecord:
    party: str
    party_name: str
    signer_name: str  # the name the signer must type; blank: the signing account's name
    phone: str


@dataclass(frozen=True)
class DocumentSource:
    """What signing asks of a document that is not an agreement."""

    placement: Callable[[Any], Any]
    parties: Callable[[Any], dict[str, PartyOnRecord]]
    title: Callable[[Any], str]
    template_version: Callable[[Any], str]
    is_current: Callable[[Any], bool]
    is_void: Callable[[Any], bool]
    set_status: Callable[..., None]  # (document, to=, actor=, reason=): draft, sent, signed, void


_SOURCES: dict[type, DocumentSource] = {}


def register_document_source(model: type, document_source: DocumentSource) -> None:
    _SOURCES[model] = document_source


def _other(document: Any) -> DocumentSource | None:
    """The source of a document that is not an agreement (nor an agreement revision); None for an agreement."""
    if isinstance(document, Agreement | AgreementRevision):
        return None
    return _SOURCES[type(document)]


def is_agreement(document: Any) -> bool:
    return _other(document) is None


def agreement_of(revision: AgreementRevision) -> Any:
    """The agreement of a revision; another kind's document is its own agreement."""
    return revision.agreement if _other(revision) is None else revision


def placement_of(revision: AgreementRevision) -> Any:
    other = _other(revision)
    return revision.agreement.placement if other is None else other.placement(revision)


def is_four_party(agreement: Agreement) -> bool:
    return _other(agreement) is None and agreement.kind in FOUR_PARTY_KINDS


def _printed(revision: AgreementRevision, who: str, key: str) -> str:
    """A value as printed on the agreement (the revision's context snapshot), if it is there."""
    context = revision.context if isinstance(revision.context, dict) else {}
    value = (context.get(who) or {}).get(key) if isinstance(context.get(who), dict) else None
    return str(value).strip() if value else ""


def parties_on_record(revision: AgreementRevision) -> dict[str, PartyOnRecord]:
    """Names as printed on the agreement (what the signer must type); phones as they are on record now."""
    other = _other(revision)
    if other is not None:
        return other.parties(revision)
    agreement = revision.agreement
    placement = agreement.placement
    student = placement.student
    student_name = _printed(revision, "student", "name") or student.name
    parties: dict[str, PartyOnRecord] = {
        Party.STUDENT: PartyOnRecord(
            Party.STUDENT, student_name, student_name, student.phone or _printed(revision, "student", "phone")
        ),
        Party.COMPANY: PartyOnRecord(
            Party.COMPANY, _printed(revision, "company", "name") or placement.post.company.name, "", ""
        ),
        Party.SCHOOL: PartyOnRecord(
            Party.SCHOOL, _printed(revision, "school", "name") or placement.pilot.school.name, "", ""
        ),
    }
    if is_four_party(agreement):
        guardians = student.guardians.order_by("-is_primary", "id")
        printed_name = _printed(revision, "guardian", "name")
        guardian = (
            guardians.filter(name=printed_name).first() if printed_name else None
        ) or guardians.first()
        name = printed_name or (guardian.name if guardian else "")
        phone = (guardian.phone if guardian else "") or _printed(revision, "guardian", "phone")
        parties[Party.GUARDIAN] = PartyOnRecord(Party.GUARDIAN, name, name, phone)
    return parties


def revision_pdf_bytes(revision: AgreementRevision) -> bytes:
    with revision.pdf.open("rb") as handle:
        return handle.read()


def revision_pdf_sha256(revision: AgreementRevision) -> str:
    return revision.pdf_sha256 or hashlib.sha256(revision_pdf_bytes(revision)).hexdigest()


def revision_is_current(revision: AgreementRevision) -> bool:
    """The newest revision of an agreement that is not void."""
    other = _other(revision)
    if other is not None:
        return other.is_current(revision)
    agreement = revision.agreement
    if agreement.status == AgreementStatus.VOID:
        return False
    latest = agreement.revisions.order_by("-number").values_list("pk", flat=True).first()
    return latest == revision.pk


def agreement_reference(agreement: Agreement) -> str:
    return agreement.number


def agreement_title(agreement: Agreement) -> str:
    other = _other(agreement)
    if other is not None:
        return other.title(agreement)
    if agreement.supplements_id is not None:  # 补充协议 of a change (backend/changes)
        return (
            "现代学徒制学徒培养协议补充协议（四方）"
            if is_four_party(agreement)
            else "现代学徒制学徒培养协议补充协议（三方）"
        )
    return "现代学徒制四方协议" if is_four_party(agreement) else "现代学徒制三方协议"


def template_version(revision: AgreementRevision) -> str:
    other = _other(revision)
    if other is not None:
        return other.template_version(revision)
    version = revision.template_version
    owner = version.school.name if version.school is not None else "默认 default"
    return f"{version.kind} v{version.number} ({owner}; sha256 {version.sha256[:16]})"


def replaced_agreement(agreement: Agreement) -> Agreement | None:
    return agreement.replaces if _other(agreement) is None else None


def agreement_set_status(*, agreement: Agreement, to: str, actor: Any, reason: str = "") -> None:
    """Move the agreement's status as signing progresses, through the agreements app's own services."""
    from backend.agreements import services as agreements

    other = _other(agreement)
    if other is not None:
        other.set_status(agreement, to=to, actor=actor, reason=reason)
        return
    agreement.refresh_from_db(fields=["status"])
    if agreement.status == to:
        return
    if to == AgreementStatus.VOID:
        agreements.agreement_void(actor=actor, agreement=agreement, reason=reason or "作废 / voided")
    else:
        agreements.agreement_set_status(actor=actor, agreement=agreement, to=to)


def agreements_of_placement(placement: Any) -> Any:
    return Agreement.objects.filter(placement=placement).order_by("pk")


def agreement_is_void(agreement: Agreement) -> bool:
    other = _other(agreement)
    return agreement.status == AgreementStatus.VOID if other is None else other.is_void(agreement)
