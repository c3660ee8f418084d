import factory

from backend.accounts.models import Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.ADMIN
    password = factory.PostGenerationMethodCall("set_password", "pass-1234")

    @factory.post_generation
    def _save(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class CoordinatorFactory(UserFactory):
    role = Role.COORDINATOR
    school = factory.SubFactory("tests.factories.schools.SchoolFactory")


class HrFactory(UserFactory):
    role = Role.HR
    company = factory.SubFactory("tests.factories.companies.CompanyFactory")


class MentorUserFactory(UserFactory):
    role = Role.MENTOR
    mentor = factory.SubFactory("tests.factories.companies.MentorFactory")
    company = factory.SelfAttribute("mentor.company")


class StudentUserFactory(UserFactory):
    role = Role.STUDENT
    student = factory.SubFactory("tests.factories.schools.StudentFactory")
    school = factory.SelfAttribute("student.school")


class GuardianUserFactory(UserFactory):
    role = Role.GUARDIAN
    guardian = factory.SubFactory("tests.factories.schools.GuardianFactory")


class BureauFactory(UserFactory):
    role = Role.BUREAU
