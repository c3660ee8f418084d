import datetime as dt
from decimal import Decimal

import factory

from backend.core.clock import RULES_ZONE
from backend.journals.models import JournalEntry, JournalKind, JournalStatus, TeacherVisit


class JournalEntryFactory(factory.django.DjangoModelFactory):
    """A weekly journal of the week of 12 October 2026, submitted on time and waiting for review."""

    class Meta:
        model = JournalEntry

    class Params:
        approved = factory.Trait(status=JournalStatus.APPROVED)
        returned = factory.Trait(status=JournalStatus.RETURNED)
        late_one = factory.Trait(late=True)

    placement = factory.SubFactory("tests.factories.placements.PlacementFactory", active=True)
    student = factory.SelfAttribute("placement.student")
    kind = JournalKind.WEEKLY
    period_start = dt.date(2026, 10, 12)
    tasks = factory.LazyFunction(lambda: ["设备点检"])
    hours = Decimal("40.0")
    learned = "学会了设备点检"
    deadline = dt.datetime(2026, 10, 19, 12, 0, tzinfo=RULES_ZONE)
    submitted_at = dt.datetime(2026, 10, 18, 20, 0, tzinfo=RULES_ZONE)


class TeacherVisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeacherVisit

    teacher = factory.SubFactory("tests.factories.attendance.TeacherFactory")
    school = factory.SelfAttribute("teacher.school")
    company = factory.SubFactory("tests.factories.companies.CompanyFactory")
    visited_on = dt.date(2026, 10, 15)
    place = "一号厂区"
    met = "师傅、人事"
    findings = "在岗情况良好"
