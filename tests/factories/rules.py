import datetime
from zoneinfo import ZoneInfo

import factory

from backend.rules.models import PolicyVersion, Shift, ShiftException, ShiftKind, Violation

from .placements import PlacementFactory

SH = ZoneInfo("Asia/Shanghai")


def at(day: str, hhmm: str) -> datetime.datetime:
    """A Shanghai-time datetime: at("2026-03-02", "08:00")."""
    return datetime.datetime.combine(
        datetime.date.fromisoformat(day), datetime.time.fromisoformat(hhmm), tzinfo=SH
    )


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    class Params:
        actual = factory.Trait(kind=ShiftKind.ACTUAL)

    placement = factory.SubFactory(PlacementFactory, active=True)
    kind = ShiftKind.PLANNED
    start_at = factory.LazyFunction(lambda: at("2026-09-07", "08:00"))
    end_at = factory.LazyAttribute(lambda o: o.start_at + datetime.timedelta(hours=8))


class ShiftExceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShiftException

    placement = factory.SubFactory(PlacementFactory, active=True)
    rule_code = "NIGHT_WORK"
    period_start = datetime.date(2026, 9, 7)
    period_end = datetime.date(2026, 9, 13)
    authority_reference = factory.Sequence(lambda n: f"沪教职备〔2026〕{n}号")
    approver = "上海市教育委员会职成教处"


class PolicyVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyVersion

    code = factory.Sequence(lambda n: f"TEST-{n}")
    valid_from = datetime.date(2026, 1, 1)
    figures: dict = {}


class ViolationFactory(factory.django.DjangoModelFactory):
    """An open DAILY_HOURS violation of 7 September 2026 (10 hours worked)."""

    class Meta:
        model = Violation

    placement = factory.SubFactory(PlacementFactory, active=True)
    rule_code = "DAILY_HOURS"
    period_start = datetime.date(2026, 9, 7)
    period_end = datetime.date(2026, 9, 7)
    figures = factory.LazyFunction(lambda: {"limit_minutes": 480, "actual_minutes": 600})
    first_seen = factory.LazyFunction(lambda: at("2026-09-08", "02:30"))
    last_seen = factory.LazyFunction(lambda: at("2026-09-08", "02:30"))
    policy_code = "CN-NATIONAL-2021"
