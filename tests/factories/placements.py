import datetime
from decimal import Decimal

import factory

from backend.placements.models import (
    HealthCheck,
    HospitalLevel,
    InsuranceKind,
    InsurancePolicy,
    PilotProject,
    Placement,
    PlacementStage,
    PlacementStatus,
)

from .companies import MentorFactory, PostFactory
from .schools import CohortFactory, StudentFactory


class PilotProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PilotProject
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"现代学徒制试点项目{n}")
    program = factory.SubFactory("tests.factories.schools.ProgramFactory")
    school = factory.SelfAttribute("program.school")
    year = 2026

    @factory.post_generation
    def companies(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.companies.set(extracted)


class PlacementFactory(factory.django.DjangoModelFactory):
    """A consistent placement: the student is in the pilot's program, the post's company is in the pilot."""

    class Meta:
        model = Placement
        skip_postgeneration_save = True

    class Params:
        active = factory.Trait(status=PlacementStatus.ACTIVE)
        signing = factory.Trait(status=PlacementStatus.SIGNING)

    pilot = factory.SubFactory(PilotProjectFactory)
    student = factory.SubFactory(
        StudentFactory,
        cohort=factory.SubFactory(
            CohortFactory, program=factory.SelfAttribute("...pilot.program"), entry_year=2024
        ),
    )
    post = factory.SubFactory(PostFactory)
    mentor = factory.SubFactory(
        MentorFactory, company=factory.SelfAttribute("..post.company"), post=factory.SelfAttribute("..post")
    )
    status = PlacementStatus.PROPOSED
    start_date = datetime.date(2026, 9, 1)
    end_date = datetime.date(2027, 1, 31)
    monthly_pay = Decimal("4200.00")
    supervising_teacher = "李老师"
    supervising_teacher_phone = "13600000000"
    board_and_lodging = "企业提供员工宿舍和工作餐"

    @factory.post_generation
    def link_company(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.pilot.companies.add(self.post.company)

    @factory.post_generation
    def checklist(self, create: bool, extracted: object, **kwargs: object) -> None:
        """A placement made out for signing or active has its "八个事先" checklist done (`checklist=False` leaves
        it out; `checklist__leave_out=("CONSENT",)` leaves out single items)."""
        if (
            create
            and extracted is not False
            and self.status in (PlacementStatus.SIGNING, PlacementStatus.ACTIVE)
        ):
            from .checklist import checklist_done

            checklist_done(self, leave_out=tuple(kwargs.get("leave_out", ())))  # type: ignore[arg-type]


class PlacementStageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlacementStage

    placement = factory.SubFactory(PlacementFactory)
    number = 1
    name = "岗位认知"
    school_months = 4
    company_start = factory.SelfAttribute("placement.start_date")
    company_end = factory.LazyAttribute(lambda o: o.company_start + datetime.timedelta(days=30))


class HealthCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HealthCheck

    student = factory.SubFactory(StudentFactory)
    hospital = "北京市朝阳区人民医院"
    level = HospitalLevel.COUNTY
    date = datetime.date(2026, 7, 1)


class InsurancePolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InsurancePolicy

    placement = factory.SubFactory(PlacementFactory)
    kind = InsuranceKind.LIABILITY
    insurer = "中国人民财产保险股份有限公司"
    policy_number = factory.Sequence(lambda n: f"PICC2026{n:06d}")
    start_date = factory.SelfAttribute("placement.start_date")
    end_date = factory.SelfAttribute("placement.end_date")
