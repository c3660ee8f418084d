import datetime

import factory

from backend.core.ids import compose_resident_id
from backend.schools.models import Cohort, Guardian, GuardianRelation, Program, School, Student

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "秀英",
    "建华",
    "志强",
    "晓东",
    "雨萱",
]


def chinese_name(n: int) -> str:
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)]


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"第{n + 1}职业技术学校")
    code = factory.Sequence(lambda n: f"41{n:08d}")
    region = "北京市朝阳区"


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"数控技术应用{n}")
    years = 3


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort
        django_get_or_create = ("program", "entry_year")

    program = factory.SubFactory(ProgramFactory)
    entry_year = 2024


def birth_date_for_age(age: int, on: datetime.date, days_after_birthday: int = 30) -> datetime.date:
    """A birth date making someone `age` on `on` (their birthday `days_after_birthday` days before)."""
    day = on - datetime.timedelta(days=days_after_birthday)
    try:
        return day.replace(year=day.year - age)
    except ValueError:  # 29 February
        return day.replace(year=day.year - age, day=28)


class StudentFactory(factory.django.DjangoModelFactory):
    """Birth date and sex are derived from the resident ID, as the service does; pass `birth=` to choose the birth date."""

    class Meta:
        model = Student

    class Params:
        birth = datetime.date(2007, 5, 12)

    cohort = factory.SubFactory(CohortFactory)
    school = factory.SelfAttribute("cohort.program.school")
    name = factory.Sequence(chinese_name)
    resident_id = factory.LazyAttributeSequence(lambda o, n: compose_resident_id("110105", o.birth, n + 1))
    birth_date = factory.SelfAttribute("birth")
    sex = factory.LazyAttribute(lambda o: "M" if int(o.resident_id[16]) % 2 else "F")
    phone = factory.Sequence(lambda n: f"139{n:08d}")


class GuardianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardian

    student = factory.SubFactory(StudentFactory)
    name = factory.Sequence(lambda n: chinese_name(n + 7) + "父")
    relation = GuardianRelation.FATHER
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    resident_id = factory.LazyAttributeSequence(
        lambda o, n: compose_resident_id("110105", datetime.date(1978, 3, 1), n + 1)
    )
