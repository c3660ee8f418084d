"""Notices are owed until sent: the notifier sweep sends what a killed audit part (or a lost task) left untold."""

import datetime

import pytest

from backend.notices.models import Notice
from backend.rules.models import Severity, Violation
from backend.rules.services.audit import worktime_audit
from backend.rules.services.notices import violations_notify, violations_notify_owed, violations_owed_ids
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.placements import PlacementFactory
from tests.factories.rules import ShiftFactory, at

pytestmark = pytest.mark.django_db


def breaching_placement():
    """An active placement with a coordinator and an HR user, and a planned 9-hour day worked (one DAILY_HOURS violation)."""
    p = PlacementFactory(
        active=True, start_date=datetime.date(2026, 2, 2), end_date=datetime.date(2026, 12, 31)
    )
    CoordinatorFactory(school=p.pilot.school)
    HrFactory(company=p.post.company)
    ShiftFactory(
        placement=p, actual=True, start_at=at("2026-03-02", "08:00"), end_at=at("2026-03-02", "17:00")
    )
    ShiftFactory(placement=p, start_at=at("2026-03-02", "08:00"), end_at=at("2026-03-02", "17:00"))  # planned
    return p


def test_violations_a_killed_audit_part_stored_are_sent_by_the_sweep_exactly_once():
    # given two placements whose violations a full-audit part committed, the process then killed before it
    # notified (notify=False: the rows are stored, no notify task was ever queued)
    placements = [breaching_placement(), breaching_placement()]
    worktime_audit(notify=False)
    stored = Violation.objects.filter(placement__in=placements)
    assert stored.count() == 2 and Notice.objects.count() == 0
    # and a rerun of the audit creates nothing new, so it queues nothing (the old way never told them)
    assert worktime_audit()["created"] == 0
    assert sorted(violations_owed_ids()) == sorted(stored.values_list("pk", flat=True))
    # when the notifier sweep runs
    first = violations_notify_owed()
    # then every owed notice was sent once: 2 violations x (coordinator + HR)
    assert first == {"violations": 2, "notices": 4}
    assert Notice.objects.filter(kind="rules.violation").count() == 4
    for v in stored:
        assert Notice.objects.filter(dedupe_key=f"violation:{v.pk}:violation").count() == 2
    assert set(stored.values_list("notified_severity", flat=True)) == {Severity.VIOLATION}
    # and a second sweep sends nothing
    assert violations_notify_owed() == {"violations": 0, "notices": 0}
    assert Notice.objects.count() == 4


def test_a_notifier_killed_after_sending_but_before_marking_sends_nothing_twice():
    # given a violation whose notices were sent, the notifier then killed before it recorded notified_severity
    breaching_placement()
    worktime_audit(notify=False)
    v = Violation.objects.get()
    assert violations_notify(violation_ids=[v.pk]) == 2
    Violation.objects.filter(pk=v.pk).update(notified_severity="")
    # when the sweep finds it owed
    result = violations_notify_owed()
    # then it is marked told, and no one got a second notice
    assert result == {"violations": 1, "notices": 0}
    assert Notice.objects.count() == 2
    assert violations_owed_ids() == []


def test_a_warning_that_becomes_a_violation_is_owed_again_once():
    # given a told warning
    breaching_placement()
    worktime_audit(notify=False)
    v = Violation.objects.get()
    Violation.objects.filter(pk=v.pk).update(severity=Severity.WARNING)
    violations_notify_owed()
    assert Notice.objects.filter(kind="rules.warning").count() == 2
    # when it becomes a violation (the status audit raises it on the day)
    Violation.objects.filter(pk=v.pk).update(severity=Severity.VIOLATION)
    # then the sweep tells the violation once, and nothing more after
    assert violations_notify_owed() == {"violations": 1, "notices": 2}
    assert violations_notify_owed() == {"violations": 0, "notices": 0}
    assert Notice.objects.filter(kind="rules.violation").count() == 2
    assert Notice.objects.count() == 4
