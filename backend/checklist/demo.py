"""The demo's checklist: before each demo placement is activated, the school has visited and approved the company,
uploaded the pilot's plans, collected the consent, filed the placement and held the safety training, all through
the services (so the checklist pages show real rows and the gates pass)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from backend.placements.models import Placement

from . import services
from .models import (
    ConsentRecord,
    Filing,
    HostApproval,
    HostVisit,
    PilotDocument,
    PilotDocumentKind,
    ProvinceApproval,
    SafetyTraining,
)
from .selectors import school_province, site_province


def _pdf(title: str) -> SimpleUploadedFile:
    body = f"%PDF-1.4\n% {title}\n%%EOF\n".encode()
    return SimpleUploadedFile("plan.pdf", body, content_type="application/pdf")


def seed_checklist_demo(*, coordinator: Any, placement: Placement) -> None:
    """Idempotent: each item is recorded once for the pilot, the company or the placement."""
    pilot, company = placement.pilot, placement.post.company
    before = placement.start_date - datetime.timedelta(days=1)
    if not HostVisit.objects.filter(pilot__school=pilot.school, company=company).exists():
        services.host_visit_create(
            actor=coordinator,
            pilot=pilot,
            company=company,
            visited_on=placement.start_date - datetime.timedelta(days=60),
            visitors="李明老师、张校长",
            findings_safety="安全生产制度健全，设有专职安全员，岗前安全交底有记录",
            findings_posts="岗位与数控专业对口，无高处、井下等禁忌作业",
            findings_lodging="员工宿舍四人一间，配空调，食堂供应三餐",
        )
    if not HostApproval.objects.filter(school=pilot.school, company=company).exists():
        services.host_approval_record(
            actor=coordinator,
            school=pilot.school,
            company=company,
            approved_on=placement.start_date - datetime.timedelta(days=45),
            approver="张校长",
            reference=f"校企准〔{placement.start_date.year}〕{company.pk}号",
        )
    for kind in PilotDocumentKind:
        if not PilotDocument.objects.filter(pilot=pilot, kind=kind).exists():
            services.pilot_document_upload(
                actor=coordinator, pilot=pilot, kind=kind, title=str(kind.label), upload=_pdf(kind.value)
            )
    if not ConsentRecord.objects.filter(placement=placement).exists():
        services.consents_record(
            actor=coordinator,
            pilot=pilot,
            placements=[placement],
            student_signed_on=before - datetime.timedelta(days=10),
            guardian_signed_on=before - datetime.timedelta(days=10),
        )
    if not Filing.objects.filter(placements=placement).exists():
        services.filing_create(
            actor=coordinator,
            pilot=pilot,
            placements=[placement],
            reference=f"教职备〔{placement.start_date.year}〕{placement.pk}号",
            filed_on=before - datetime.timedelta(days=7),
            authority="区教育委员会职成科",
        )
    if not SafetyTraining.objects.filter(attendees=placement).exists():
        training = SafetyTraining.objects.filter(
            pilot=pilot, held_on=before - datetime.timedelta(days=3)
        ).first()
        if training is None:
            services.safety_training_create(
                actor=coordinator,
                pilot=pilot,
                placements=[placement],
                held_on=before - datetime.timedelta(days=3),
                hours=Decimal("4.0"),
                content="安全生产法规、数控设备操作规程、消防与应急疏散演练",
                trainer="企业安全员王工",
            )
        else:
            training.attendees.add(placement)
    home, site = school_province(placement), site_province(placement)
    if home and site and home != site and not ProvinceApproval.objects.filter(placements=placement).exists():
        services.province_approval_create(
            actor=coordinator,
            pilot=pilot,
            placements=[placement],
            department="市教育委员会",
            reference=f"教职批〔{placement.start_date.year}〕{placement.pk}号",
            approved_on=before - datetime.timedelta(days=5),
        )
