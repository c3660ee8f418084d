"""The "八个事先" checklist's rows. `checklist_done(placement)` records every item a placement needs to become
active (idempotent: the pilot's and the company's items are made once); `leave_out` names the codes to skip, so a
test can leave exactly one item missing."""

import datetime
from decimal import Decimal

import factory
from django.core.files.base import ContentFile

from backend.checklist.models import (
    ConsentDocument,
    ConsentRecord,
    Filing,
    HostApproval,
    HostVisit,
    PilotDocument,
    PilotDocumentKind,
    ProvinceApproval,
    SafetyTraining,
)
from backend.placements.models import Placement

PDF_BYTES = b"%PDF-1.4\n% xuetu test document\n%%EOF\n"


class HostVisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HostVisit

    pilot = factory.SubFactory("tests.factories.placements.PilotProjectFactory")
    company = factory.SubFactory("tests.factories.companies.CompanyFactory")
    visited_on = datetime.date(2026, 6, 15)
    visitors = "李明老师、王校长"
    findings_safety = "安全生产制度健全，岗前有安全交底"
    findings_posts = "岗位与专业对口，无高危作业"
    findings_lodging = "员工宿舍四人一间，食堂供应三餐"


class HostApprovalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HostApproval
        django_get_or_create = ("school", "company")

    school = factory.SubFactory("tests.factories.schools.SchoolFactory")
    company = factory.SubFactory("tests.factories.companies.CompanyFactory")
    approved_on = datetime.date(2026, 6, 30)
    approver = "王校长"
    reference = factory.Sequence(lambda n: f"校企准〔2026〕{n}号")


class PilotDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PilotDocument

    pilot = factory.SubFactory("tests.factories.placements.PilotProjectFactory")
    kind = PilotDocumentKind.INTERNSHIP_PLAN
    version = 1
    title = factory.LazyAttribute(lambda o: str(PilotDocumentKind(o.kind).label))
    file = factory.LazyFunction(lambda: ContentFile(PDF_BYTES, name="plan.pdf"))
    sha256 = "0" * 64


class ConsentRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentRecord

    placement = factory.SubFactory("tests.factories.placements.PlacementFactory")
    student_signed_on = datetime.date(2026, 8, 20)
    guardian_name = "李建国"
    guardian_signed_on = datetime.date(2026, 8, 20)


class ConsentDocumentFactory(factory.django.DjangoModelFactory):
    """A consent form as bare rows (a stand-in PDF, not sent): the real one is rendered by the service."""

    class Meta:
        model = ConsentDocument

    placement = factory.SubFactory("tests.factories.placements.PlacementFactory")
    version = 1
    number = factory.Sequence(lambda n: f"ZQ-TEST-{n:06d}")
    template_name = "consent_v1.docx"
    template_sha256 = "0" * 64
    docx = factory.LazyFunction(lambda: ContentFile(b"PK\x03\x04", name="consent.docx"))
    pdf = factory.LazyFunction(lambda: ContentFile(PDF_BYTES, name="consent.pdf"))
    pdf_sha256 = "0" * 64


class FilingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Filing
        skip_postgeneration_save = True

    pilot = factory.SubFactory("tests.factories.placements.PilotProjectFactory")
    reference = factory.Sequence(lambda n: f"教职备〔2026〕{n}号")
    filed_on = datetime.date(2026, 8, 25)
    authority = "市教育局职成科"

    @factory.post_generation
    def placements(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.placements.set(extracted)


class SafetyTrainingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SafetyTraining
        skip_postgeneration_save = True

    pilot = factory.SubFactory("tests.factories.placements.PilotProjectFactory")
    held_on = datetime.date(2026, 8, 28)
    hours = Decimal("4.0")
    content = "安全生产法规、岗位操作规程、应急疏散演练"
    trainer = "企业安全员张工"

    @factory.post_generation
    def attendees(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.attendees.set(extracted)


class ProvinceApprovalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProvinceApproval
        skip_postgeneration_save = True

    pilot = factory.SubFactory("tests.factories.placements.PilotProjectFactory")
    department = "省教育厅"
    reference = factory.Sequence(lambda n: f"教职批〔2026〕{n}号")
    approved_on = datetime.date(2026, 8, 26)

    @factory.post_generation
    def placements(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.placements.set(extracted)


def checklist_done(placement: Placement, *, leave_out: tuple[str, ...] = ()) -> Placement:
    """Every checklist item the placement needs to become active, except the codes in `leave_out`."""
    pilot, company = placement.pilot, placement.post.company
    if (
        "HOST_VISIT" not in leave_out
        and not HostVisit.objects.filter(pilot__school=pilot.school, company=company).exists()
    ):
        HostVisitFactory(pilot=pilot, company=company)
    if "HOST_APPROVED" not in leave_out:
        HostApprovalFactory(school=pilot.school, company=company)
    if "PLACEMENT_PLAN" not in leave_out:
        for kind in PilotDocumentKind.values:
            if not PilotDocument.objects.filter(pilot=pilot, kind=kind).exists():
                PilotDocumentFactory(pilot=pilot, kind=kind)
    if "CONSENT" not in leave_out and not ConsentRecord.objects.filter(placement=placement).exists():
        ConsentRecordFactory(placement=placement)
    if "FILING" not in leave_out:
        FilingFactory(pilot=pilot, placements=[placement])
    if "SAFETY_TRAINING" not in leave_out:
        SafetyTrainingFactory(pilot=pilot, attendees=[placement])
    if "OUT_OF_PROVINCE" not in leave_out:
        ProvinceApprovalFactory(pilot=pilot, placements=[placement])
    return placement
