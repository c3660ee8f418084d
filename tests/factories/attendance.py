import factory

from backend.accounts.models import Role
from backend.attendance import totp
from backend.attendance.models import TeacherAssignment, WorkSite, WorkSitePost

from .accounts import UserFactory


class TeacherFactory(UserFactory):
    role = Role.TEACHER
    school = factory.SubFactory("tests.factories.schools.SchoolFactory")
    display_name = factory.Sequence(lambda n: f"王老师{n}")
    phone = factory.Sequence(lambda n: f"135{n:08d}")


class WorkSiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkSite

    company = factory.SubFactory("tests.factories.companies.CompanyFactory")
    name = factory.Sequence(lambda n: f"一号厂区{n}")
    address = factory.SelfAttribute("company.address")
    secret = factory.LazyFunction(totp.new_secret)


class WorkSitePostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkSitePost

    site = factory.SubFactory(WorkSiteFactory)
    post = factory.SubFactory(
        "tests.factories.companies.PostFactory", company=factory.SelfAttribute("..site.company")
    )


class TeacherAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeacherAssignment

    placement = factory.SubFactory("tests.factories.placements.PlacementFactory")
    teacher = factory.SubFactory(TeacherFactory, school=factory.SelfAttribute("..placement.pilot.school"))
