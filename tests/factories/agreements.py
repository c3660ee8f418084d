"""A placement with everything an agreement needs, and the agreements app's own rows."""

import datetime
from typing import Any

from backend.placements.models import InsuranceKind, Placement
from tests.factories.placements import InsurancePolicyFactory, PlacementFactory, PlacementStageFactory
from tests.factories.schools import GuardianFactory, StudentFactory


def complete_placement(
    *,
    birth: datetime.date = datetime.date(2007, 5, 12),
    guardian: bool = True,
    checklist: bool = True,
    **kwargs: Any,
) -> Placement:
    """A placement ready for its agreement: two stages, both insurances, a guardian on record, and (unless
    `checklist=False`) the "八个事先" checklist its activation needs."""
    if "student" not in kwargs and "pilot" in kwargs:
        from tests.factories.schools import CohortFactory

        cohort = CohortFactory(program=kwargs["pilot"].program, entry_year=2024)
        kwargs["student"] = StudentFactory(birth=birth, cohort=cohort)
    if "student" not in kwargs:
        kwargs["student__birth"] = birth
    placement = PlacementFactory(**kwargs)
    if guardian:
        GuardianFactory(student=placement.student)
    PlacementStageFactory(
        placement=placement,
        number=1,
        name="岗位认知",
        company_start=placement.start_date,
        company_end=placement.start_date + datetime.timedelta(days=30),
        content="安全教育与跟岗观摩",
    )
    PlacementStageFactory(
        placement=placement,
        number=2,
        name="岗位操作",
        school_months=3,
        company_start=placement.start_date + datetime.timedelta(days=90),
        company_end=placement.end_date,
    )
    for kind in (InsuranceKind.LIABILITY, InsuranceKind.WORK_INJURY):
        InsurancePolicyFactory(placement=placement, kind=kind)
    if checklist:
        from tests.factories.checklist import checklist_done

        checklist_done(placement)
    return placement


def agreement_rows(placement: Placement, *, tag: str, status: str, template_number: int) -> tuple[Any, str]:
    """The placement's agreement and its one revision as bare rows (no document is rendered: the agreements app's
    own tests do that), numbered TEST-<tag>-<placement>; returns (revision, the digest its files are given)."""
    import hashlib

    from backend.agreements.models import Agreement, AgreementRevision, TemplateVersion

    digest = hashlib.sha256(f"{tag.lower()}-{placement.pk}".encode()).hexdigest()
    template, _ = TemplateVersion.objects.get_or_create(
        kind="three_party",
        school=None,
        number=template_number,
        defaults={"file": "agreements/templates/test.docx", "sha256": "0" * 64},
    )
    agreement = Agreement.objects.create(
        placement=placement, kind="three_party", number=f"TEST-{tag}-{placement.pk}", status=status
    )
    revision = AgreementRevision.objects.create(
        agreement=agreement,
        number=1,
        template_version=template,
        context={},
        docx="agreements/docx/test.docx",
        docx_sha256=digest,
        pdf="agreements/pdf/test.pdf",
        pdf_sha256=digest,
    )
    return revision, digest
