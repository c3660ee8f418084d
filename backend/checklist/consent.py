"""The informed-consent form (知情同意书) as its own signed document: what it prints (from the placement), and what
signing needs to know of it (`consent_signing_source`, registered with backend.signing.agreement_source from
ChecklistConfig.ready). The writes are in services.py (`consent_documents_send`, `consent_document_set_status`,
`consent_document_sealed_hook`)."""

from __future__ import annotations

import datetime
import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

from backend.companies.models import HazardTag
from backend.core.errors import ApplicationError
from backend.core.ids import InvalidId, age_on, parse_resident_id
from backend.placements.models import InsuranceKind, Placement
from backend.rules.policy import Policy

from .models import ConsentDocument, ConsentStatus

# The shipped template (templates/agreements/build_consent.py). A new wording is a new file and a new name here;
# each form keeps the name and SHA-256 of the template it was made from.
CONSENT_TEMPLATE = "consent_v1.docx"
TITLE = "学生实习知情同意书"
BLANK = "________"


def template_path() -> Path:
    return Path(settings.BASE_DIR) / "templates" / "agreements" / CONSENT_TEMPLATE


@cache
def template_bytes() -> tuple[bytes, str]:
    data = template_path().read_bytes()
    return data, hashlib.sha256(data).hexdigest()


def _date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def primary_guardian(placement: Placement) -> Any:
    guardians = sorted(placement.student.guardians.all(), key=lambda g: (not g.is_primary, g.pk))
    return guardians[0] if guardians else None


def guardian_required(placements: list[Placement]) -> None:
    """Every student's consent form is signed by a guardian, adult or minor: refuse the ones without."""
    without = [p for p in placements if primary_guardian(p) is None]
    if without:
        raise no_guardian_error(without)


def no_guardian_error(without: list[Placement]) -> ApplicationError:
    """GUARDIAN_REQUIRED, naming the students (the online form's and the paper form's refusal alike)."""
    return ApplicationError(
        "GUARDIAN_REQUIRED",
        "以下学生没有监护人记录，知情同意书须由监护人签署：" + "、".join(p.student.name for p in without),
        "the informed consent is signed by a guardian; these students have none on record: "
        + ", ".join(p.student.name for p in without),
        details={"placements": [p.pk for p in without]},
    )


def _masked(resident_id: str) -> str:
    return f"{resident_id[:6]}********{resident_id[-4:]}" if len(resident_id) == 18 else BLANK


def _policy_text(policies: dict[str, Any], kind: str) -> str:
    policy = policies.get(kind)
    if policy is None:
        return "上岗前投保"
    return f"{policy.insurer} 保单号 {policy.policy_number}（{policy.start_date:%Y-%m-%d}至{policy.end_date:%Y-%m-%d}）"


def consent_context(placement: Placement, *, number: str, as_of: datetime.date) -> dict[str, Any]:
    """What the form prints. The guardian is the student's primary guardian on record (GUARDIAN_REQUIRED)."""
    guardian_required([placement])
    guardian = primary_guardian(placement)
    student, post, mentor = placement.student, placement.post, placement.mentor
    company, school = post.company, placement.pilot.school
    try:
        birth_date = parse_resident_id(student.resident_id, today=placement.start_date).birth_date
        age: Any = age_on(birth_date, placement.start_date)
    except InvalidId:
        age = BLANK
    hazards = [str(HazardTag(t).label) for t in post.hazard_tags or [] if t in HazardTag.values]
    policies: dict[str, Any] = {}
    for policy in sorted(placement.insurance_policies.all(), key=lambda p: p.start_date):
        policies.setdefault(policy.kind, policy)
    rules = Policy()
    return {
        "number": number,
        "date": _date(as_of),
        "pilot_name": placement.pilot.name,
        "internship_type": placement.get_internship_type_display(),
        "school": {
            "name": school.name,
            "address": school.address or BLANK,
            "phone": school.phone or BLANK,
            "supervising_teacher": placement.supervising_teacher or BLANK,
        },
        "company": {
            "name": company.name,
            "credit_code": company.credit_code or BLANK,
            "address": company.address or BLANK,
        },
        "post": {
            "title": post.title,
            "location": post.location or company.address or BLANK,
            "hazards": "、".join(hazards) if hazards else "岗位未登记危险或禁忌作业",
        },
        "mentor": {"name": mentor.name if mentor else BLANK},
        "student": {
            "name": student.name,
            "id_masked": _masked(student.resident_id or ""),
            "phone": student.phone or BLANK,
            "age": age,
        },
        "guardian": {
            "name": guardian.name,
            "relation": guardian.get_relation_display(),
            "phone": guardian.phone or BLANK,
        },
        "start_date": _date(placement.start_date),
        "end_date": _date(placement.end_date),
        "daily_hours": rules.max_daily_minutes // 60,
        "weekly_hours": rules.max_weekly_minutes // 60,
        "pay": f"每月{placement.monthly_pay}元" if placement.monthly_pay else BLANK,
        "insurance": {
            "liability": _policy_text(policies, InsuranceKind.LIABILITY),
            "work_injury": _policy_text(policies, InsuranceKind.WORK_INJURY),
        },
    }


# -- what signing asks of a consent form (backend.signing.agreement_source.DocumentSource) -------------------------


def _printed(document: ConsentDocument, who: str) -> str:
    value = (document.context or {}).get(who) or {}
    return str(value.get("name") or "").strip() if isinstance(value, dict) else ""


def consent_parties(document: ConsentDocument) -> dict[str, Any]:
    """The student and the guardian, by the names printed on the form; phones as they are on record now."""
    from backend.signing.agreement_source import PartyOnRecord
    from backend.signing.models import Party

    student = document.placement.student
    student_name = _printed(document, "student") or student.name
    guardian_name = _printed(document, "guardian")
    guardians = student.guardians.order_by("-is_primary", "id")
    guardian = guardians.filter(name=guardian_name).first() or guardians.first()
    guardian_name = guardian_name or (guardian.name if guardian else "")
    return {
        Party.STUDENT: PartyOnRecord(Party.STUDENT, student_name, student_name, student.phone or ""),
        Party.GUARDIAN: PartyOnRecord(
            Party.GUARDIAN, guardian_name, guardian_name, guardian.phone if guardian else ""
        ),
    }


def consent_is_current(document: ConsentDocument) -> bool:
    if document.status == ConsentStatus.VOID:
        return False
    newest = (
        ConsentDocument.objects.filter(placement_id=document.placement_id)
        .order_by("-version")
        .values_list("pk", flat=True)
        .first()
    )
    return newest == document.pk


def consent_signing_source() -> Any:
    from backend.signing.agreement_source import DocumentSource

    from .services import consent_document_set_status

    return DocumentSource(
        placement=lambda d: d.placement,
        parties=consent_parties,
        title=lambda d: TITLE,
        template_version=lambda d: f"{d.template_name} (sha256 {d.template_sha256[:16]})",
        is_current=consent_is_current,
        is_void=lambda d: d.status == ConsentStatus.VOID,
        set_status=consent_document_set_status,
    )
