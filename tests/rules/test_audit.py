"""The audit: set-based SQL on PostgreSQL, idempotent, resolves what no longer holds, notifies once."""

import datetime

import pytest

from backend.notices.models import Notice
from backend.placements.models import PlacementStatus
from backend.rules.models import Shift, Violation, ViolationStatus
from backend.rules.services.audit import status_audit, worktime_audit
from backend.rules.services.notices import violations_notify
from tests.factories.accounts import CoordinatorFactory, GuardianUserFactory, HrFactory
from tests.factories.companies import PostFactory
from tests.factories.placements import HealthCheckFactory, InsurancePolicyFactory, PlacementFactory
from tests.factories.rules import ShiftExceptionFactory, ShiftFactory, at
from tests.factories.schools import GuardianFactory

pytestmark = pytest.mark.django_db


def active(**kw):
    return PlacementFactory(
        active=True, start_date=datetime.date(2026, 2, 2), end_date=datetime.date(2026, 12, 31), **kw
    )


def test_full_audit_finds_every_shift_rule_and_is_idempotent():
    # given an active placement with a planned week and actual hours breaking each rule
    p = active()
    for d in range(2, 7):  # Mon 2 - Fri 6 March planned 8 h
        ShiftFactory(placement=p, start_at=at(f"2026-03-0{d}", "08:00"), end_at=at(f"2026-03-0{d}", "16:00"))
        ShiftFactory(
            placement=p,
            actual=True,
            start_at=at(f"2026-03-0{d}", "08:00"),
            end_at=at(f"2026-03-0{d}", "16:00"),
        )
    Shift.objects.filter(placement=p, kind="actual", start_at=at("2026-03-02", "08:00")).update(
        end_at=at("2026-03-02", "16:01")
    )  # 8:01 on Monday: DAILY_HOURS, OVERTIME, WEEKLY_HOURS (40:01)
    ShiftFactory(
        placement=p, actual=True, start_at=at("2026-03-07", "21:00"), end_at=at("2026-03-08", "01:00")
    )
    ShiftFactory(
        placement=p, actual=True, start_at=at("2026-02-16", "09:00"), end_at=at("2026-02-16", "11:00")
    )
    # and an inactive placement with the same breach, which is not audited
    ShiftFactory(
        placement__status=PlacementStatus.PROPOSED,
        actual=True,
        start_at=at("2026-03-02", "08:00"),
        end_at=at("2026-03-02", "20:00"),
    )
    # when
    first = worktime_audit(notify=False)
    # then
    got = sorted((v.rule_code, v.period_start.isoformat()) for v in Violation.objects.all())
    assert got == [
        ("DAILY_HOURS", "2026-03-02"),
        ("HOLIDAY_WORK", "2026-02-16"),
        ("NIGHT_WORK", "2026-03-07"),
        ("NIGHT_WORK", "2026-03-08"),
        ("OVERTIME", "2026-02-16"),
        ("OVERTIME", "2026-03-02"),
        ("OVERTIME", "2026-03-07"),
        ("OVERTIME", "2026-03-08"),
        ("REST_DAY", "2026-03-02"),
        ("WEEKLY_HOURS", "2026-03-02"),
    ]
    assert first["created"] == 10
    assert Violation.objects.get(rule_code="DAILY_HOURS").figures == {
        "limit_minutes": 480,
        "actual_minutes": 481,
    }
    assert Violation.objects.get(rule_code="NIGHT_WORK", period_start="2026-03-07").figures == {
        "limit_minutes": 0,
        "actual_minutes": 120,
        "window": "22:00-06:00",
    }
    assert Violation.objects.get(rule_code="HOLIDAY_WORK").figures["holiday"] == "春节"
    seen = dict(Violation.objects.values_list("pk", "last_seen"))
    # when run again
    second = worktime_audit(notify=False)
    # then nothing new, same rows
    assert second["created"] == 0 and second["resolved"] == 0
    assert Violation.objects.count() == 10
    assert set(dict(Violation.objects.values_list("pk", "last_seen"))) == set(seen)


def test_a_shift_from_sunday_night_into_monday_counts_toward_both_iso_weeks():
    # given a planned and worked week Mon 9 - Fri 13 March, and an unplanned shift Sun 8 March 22:00 - Mon 02:00
    p = active()
    for d in range(9, 14):
        for actual in (False, True):
            ShiftFactory(
                placement=p,
                actual=actual,
                start_at=at(f"2026-03-{d:02}", "08:00"),
                end_at=at(f"2026-03-{d:02}", "16:00"),
            )
    ShiftFactory(
        placement=p, actual=True, start_at=at("2026-03-08", "22:00"), end_at=at("2026-03-09", "02:00")
    )
    # when
    worktime_audit(notify=False)
    # then Sunday's two hours stay in the week of 2 March, Monday's two join the week of 9 March
    got = {(v.rule_code, v.period_start.isoformat()): v.figures for v in Violation.objects.all()}
    assert sorted(got) == [
        ("DAILY_HOURS", "2026-03-09"),
        ("NIGHT_WORK", "2026-03-08"),
        ("NIGHT_WORK", "2026-03-09"),
        ("OVERTIME", "2026-03-08"),
        ("OVERTIME", "2026-03-09"),
        ("WEEKLY_HOURS", "2026-03-09"),
    ]
    assert got[("NIGHT_WORK", "2026-03-08")]["actual_minutes"] == 120
    assert got[("NIGHT_WORK", "2026-03-09")]["actual_minutes"] == 120
    assert got[("DAILY_HOURS", "2026-03-09")] == {"limit_minutes": 480, "actual_minutes": 600}
    assert got[("WEEKLY_HOURS", "2026-03-09")]["actual_minutes"] == 42 * 60
    # and the incremental audit of that Monday agrees, creating nothing new
    assert worktime_audit(lo_day=datetime.date(2026, 3, 9), notify=False)["created"] == 0
    assert Violation.objects.filter(status=ViolationStatus.OPEN).count() == 6


def test_a_condition_that_no_longer_holds_is_resolved_with_a_note():
    p = active()
    ShiftFactory(placement=p, start_at=at("2026-03-02", "08:00"), end_at=at("2026-03-02", "16:00"))
    late = ShiftFactory(
        placement=p, actual=True, start_at=at("2026-03-02", "08:00"), end_at=at("2026-03-02", "17:00")
    )
    worktime_audit(notify=False)
    assert set(Violation.objects.values_list("rule_code", flat=True)) == {"DAILY_HOURS", "OVERTIME"}
    # when the report is corrected
    late.end_at = at("2026-03-02", "16:00")
    late.save()
    result = worktime_audit(notify=False)
    # then both are resolved automatically, with a note and no resolver
    assert result["resolved"] == 2
    for v in Violation.objects.all():
        assert v.status == ViolationStatus.RESOLVED and v.resolved_by is None and "no longer holds" in v.note


def test_a_violation_whose_shifts_were_all_deleted_is_resolved_by_the_full_audit():
    # given a night shift in January and a long day in March, both found by the audit
    p = active()
    night = ShiftFactory(
        placement=p, actual=True, start_at=at("2026-01-13", "21:00"), end_at=at("2026-01-13", "23:00")
    )
    ShiftFactory(placement=p, start_at=at("2026-03-02", "08:00"), end_at=at("2026-03-02", "16:00"))
    ShiftFactory(
        placement=p, actual=True, start_at=at("2026-03-02", "08:00"), end_at=at("2026-03-02", "17:00")
    )
    worktime_audit(notify=False)
    found = lambda: sorted(  # noqa: E731
        (v.rule_code, v.period_start.isoformat())
        for v in Violation.objects.exclude(status=ViolationStatus.RESOLVED)
    )
    assert found() == [
        ("DAILY_HOURS", "2026-03-02"),
        ("NIGHT_WORK", "2026-01-13"),
        ("OVERTIME", "2026-01-13"),
        ("OVERTIME", "2026-03-02"),
    ]
    # when the January shift, entered in error, is deleted: no shift is left in its weeks
    night.delete()
    # then the full audit still looks at those weeks and resolves what no longer holds
    assert worktime_audit(notify=False)["resolved"] == 2
    assert found() == [("DAILY_HOURS", "2026-03-02"), ("OVERTIME", "2026-03-02")]
    # and when no shift is left at all, neither is anything open
    Shift.objects.all().delete()
    assert worktime_audit(notify=False)["resolved"] == 2
    assert found() == []


def test_an_exception_filed_with_the_authority_keeps_the_finding_out():
    p = active()
    ShiftFactory(
        placement=p, actual=True, start_at=at("2026-03-03", "21:00"), end_at=at("2026-03-03", "23:00")
    )
    ShiftFactory(placement=p, start_at=at("2026-03-03", "21:00"), end_at=at("2026-03-03", "23:00"))
    ShiftExceptionFactory(
        placement=p,
        rule_code="NIGHT_WORK",
        period_start=datetime.date(2026, 3, 1),
        period_end=datetime.date(2026, 3, 31),
    )
    worktime_audit(notify=False)
    assert not Violation.objects.filter(rule_code="NIGHT_WORK").exists()


def test_incremental_audit_of_one_day_only_touches_its_week():
    p = active()
    ShiftFactory(
        placement=p, actual=True, start_at=at("2026-03-02", "08:00"), end_at=at("2026-03-02", "18:00")
    )
    ShiftFactory(
        placement=p, actual=True, start_at=at("2026-03-10", "08:00"), end_at=at("2026-03-10", "18:00")
    )
    worktime_audit(lo_day=datetime.date(2026, 3, 11), hi_day=datetime.date(2026, 3, 11), notify=False)
    assert sorted(
        Violation.objects.filter(rule_code="DAILY_HOURS").values_list("period_start", flat=True)
    ) == [datetime.date(2026, 3, 10)]


def test_new_violation_notifies_coordinator_hr_and_guardian_of_a_minor_once():
    p = active(student__birth=datetime.date(2009, 5, 1))
    coordinator = CoordinatorFactory(school=p.pilot.school)
    hr = HrFactory(company=p.post.company)
    guardian = GuardianUserFactory(guardian=GuardianFactory(student=p.student))
    outsider = HrFactory()
    ShiftFactory(
        placement=p, actual=True, start_at=at("2026-03-02", "08:00"), end_at=at("2026-03-02", "17:00")
    )
    ShiftFactory(placement=p, start_at=at("2026-03-02", "08:00"), end_at=at("2026-03-02", "17:00"))
    worktime_audit(notify=False)
    ids = list(Violation.objects.values_list("pk", flat=True))
    # when notified twice
    violations_notify(violation_ids=ids)
    violations_notify(violation_ids=ids)
    # then each of the three got one notice per violation, the outsider none
    for user in (coordinator, hr, guardian):
        notices = Notice.objects.filter(recipient=user, kind="rules.violation")
        assert notices.count() == 1
        assert "DAILY_HOURS" in notices[0].title and "9:00" in notices[0].body
    assert not Notice.objects.filter(recipient=outsider).exists()


def test_adult_students_guardian_is_not_told_of_violations():
    p = active(student__birth=datetime.date(2000, 5, 1))
    guardian = GuardianUserFactory(guardian=GuardianFactory(student=p.student))
    ShiftFactory(
        placement=p, actual=True, start_at=at("2026-03-02", "08:00"), end_at=at("2026-03-02", "17:00")
    )
    worktime_audit(notify=False)
    violations_notify(violation_ids=list(Violation.objects.values_list("pk", flat=True)))
    assert not Notice.objects.filter(recipient=guardian).exists()


def test_status_audit_warns_before_insurance_lapses_then_reports_it():
    p = active()
    HealthCheckFactory(student=p.student, date=datetime.date(2026, 1, 10))
    InsurancePolicyFactory(
        placement=p, kind="liability", start_date=p.start_date, end_date=datetime.date(2026, 6, 30)
    )
    InsurancePolicyFactory(placement=p, kind="work_injury")
    # 15 days before the gap: nothing
    status_audit(as_of=datetime.date(2026, 6, 16), notify=False)
    assert not Violation.objects.filter(rule_code="INSURANCE").exists()
    # 14 days before: a warning
    status_audit(as_of=datetime.date(2026, 6, 17), notify=False)
    v = Violation.objects.get(rule_code="INSURANCE")
    assert (v.severity, v.period_start, v.figures["uncovered_from"]) == (
        "warning",
        datetime.date(2026, 7, 1),
        "2026-07-01",
    )
    # on the day: the same record becomes a violation
    status_audit(as_of=datetime.date(2026, 7, 1), notify=False)
    v.refresh_from_db()
    assert v.severity == "violation" and Violation.objects.filter(rule_code="INSURANCE").count() == 1


def test_minor_on_forbidden_work_resolves_on_the_18th_birthday():
    post = PostFactory(hazard_tags=["noise"])
    p = active(post=post, student__birth=datetime.date(2008, 3, 3))
    HealthCheckFactory(student=p.student, date=datetime.date(2026, 1, 10))
    status_audit(as_of=datetime.date(2026, 3, 2), notify=False)
    v = Violation.objects.get(rule_code="MINOR_FORBIDDEN_WORK")
    assert v.status == "open"
    status_audit(as_of=datetime.date(2026, 3, 3), notify=False)
    v.refresh_from_db()
    assert v.status == "resolved" and "no longer holds" in v.note


def test_turning_18_with_an_old_health_check_makes_one_due():
    p = active(student__birth=datetime.date(2008, 5, 1))
    HealthCheckFactory(student=p.student, date=datetime.date(2025, 9, 1))
    for kind in ("liability", "work_injury"):
        InsurancePolicyFactory(placement=p, kind=kind)
    status_audit(as_of=datetime.date(2026, 4, 16), notify=False)
    assert not Violation.objects.filter(rule_code="HEALTH_CHECK").exists()
    status_audit(as_of=datetime.date(2026, 4, 17), notify=False)
    v = Violation.objects.get(rule_code="HEALTH_CHECK")
    assert (v.severity, v.period_start, v.figures["reason"]) == (
        "warning",
        datetime.date(2026, 5, 1),
        "turning_adult",
    )


def test_monthly_summary_goes_to_school_company_and_guardian_once():
    from backend.rules.selectors import placement_monthly_summary
    from backend.rules.services.notices import monthly_summaries_send

    p = active(
        student__birth=datetime.date(2000, 5, 1)
    )  # an adult: the guardian still gets the regular notice
    coordinator = CoordinatorFactory(school=p.pilot.school)
    hr = HrFactory(company=p.post.company)
    guardian = GuardianUserFactory(guardian=GuardianFactory(student=p.student))
    ShiftFactory(
        placement=p, actual=True, start_at=at("2026-03-02", "08:00"), end_at=at("2026-03-02", "17:00")
    )
    ShiftFactory(
        placement=p, actual=True, start_at=at("2026-03-31", "20:00"), end_at=at("2026-04-01", "02:00")
    )
    worktime_audit(notify=False)
    # when
    summary = placement_monthly_summary(placement=p, month=datetime.date(2026, 3, 1))
    monthly_summaries_send(month=datetime.date(2026, 3, 1))
    monthly_summaries_send(month=datetime.date(2026, 3, 1))
    # then hours count only March's part of the shift across midnight
    assert summary["hours"] == 13.0
    assert summary["violations"]["open"] == 4  # DAILY_HOURS, OVERTIME x2 and NIGHT_WORK on 31 March
    for user in (coordinator, hr, guardian):
        notices = Notice.objects.filter(recipient=user, kind="rules.monthly_summary")
        assert notices.count() == 1
        assert "13.0 小时" in notices[0].body and "13.0 h" in notices[0].body


@pytest.mark.django_db(transaction=True)
def test_full_audit_split_between_connections_finds_the_same_as_one(settings):
    # given breaches in weeks far apart (committed: the parts run on their own connections), across two pilots
    a, b = active(), active()
    breaches = [("2026-02-02", a), ("2026-03-02", b), ("2026-04-13", a), ("2026-05-25", b), ("2026-06-29", a)]
    for day, p in breaches:
        ShiftFactory(placement=p, actual=True, start_at=at(day, "08:00"), end_at=at(day, "17:00"))
    # a shift from the Sunday night that ends the first of three parts (weeks 2 Feb - 22 Mar) into the next
    ShiftFactory(
        placement=b, actual=True, start_at=at("2026-03-22", "23:00"), end_at=at("2026-03-23", "01:00")
    )
    expected = [
        *[(rule, day) for day, _ in breaches for rule in ("DAILY_HOURS", "OVERTIME")],
        ("NIGHT_WORK", "2026-03-22"),
        ("NIGHT_WORK", "2026-03-23"),
        ("OVERTIME", "2026-03-22"),
        ("OVERTIME", "2026-03-23"),
    ]

    def found():
        return sorted((v.rule_code, v.period_start.isoformat()) for v in Violation.objects.all())

    # when audited on one connection
    settings.XUETU_AUDIT_WORKERS = 1
    one = worktime_audit(notify=False)
    assert one["parts"] == 1 and found() == sorted(expected)
    Violation.objects.all().delete()
    # and when its weeks are split between three connections
    settings.XUETU_AUDIT_WORKERS = 3
    split = worktime_audit(notify=False)
    # then the same findings, once each, counted once
    assert split["parts"] == 3
    assert found() == sorted(expected)
    assert split["created"] == len(expected) and split["placements"] == 2
    # and a second split run is idempotent
    again = worktime_audit(notify=False)
    assert again["created"] == 0 and again["resolved"] == 0 and Violation.objects.count() == len(expected)


@pytest.mark.django_db(transaction=True)
def test_a_failing_part_of_the_split_audit_keeps_what_the_others_found_and_their_notices(
    settings, monkeypatch
):
    from backend.rules.services import audit as services

    # given breaches in the first and the last week, and a database error in the second of two parts
    settings.XUETU_AUDIT_WORKERS = 2
    p = active()
    for day in ("2026-02-02", "2026-06-29"):
        ShiftFactory(placement=p, actual=True, start_at=at(day, "08:00"), end_at=at(day, "17:00"))
    real_audit = services.run_worktime_audit

    def second_part_fails(cursor, *, scope, lo_day, hi_day, now):
        if lo_day > datetime.date(2026, 2, 2):
            raise RuntimeError("connection lost")
        return real_audit(cursor, scope=scope, lo_day=lo_day, hi_day=hi_day, now=now)

    monkeypatch.setattr(services, "run_worktime_audit", second_part_fails)
    queued: list[int] = []
    monkeypatch.setattr(services, "enqueue_violation_notices", queued.extend)
    # when / then: the error reaches the caller (the task fails and is seen) ...
    with pytest.raises(RuntimeError, match="connection lost"):
        worktime_audit()
    # ... after the first part's findings were committed and handed to the notices
    found = Violation.objects.order_by("rule_code")
    assert [(v.rule_code, v.period_start.isoformat()) for v in found] == [
        ("DAILY_HOURS", "2026-02-02"),
        ("OVERTIME", "2026-02-02"),
    ]
    assert sorted(queued) == sorted(v.pk for v in found)


def test_the_monthly_summary_run_covers_last_month_in_batches_of_200():
    from backend.rules.services.notices import monthly_summary_batches

    # given 201 active placements
    placements = PlacementFactory.create_batch(201, active=True)

    # when / then: by default the month before today, else the given month; two batches
    first, batches = monthly_summary_batches(month=None, today=datetime.date(2026, 3, 1))
    assert first == datetime.date(2026, 2, 1)
    assert [len(b) for b in batches] == [200, 1]
    assert sorted(pk for b in batches for pk in b) == sorted(p.pk for p in placements)
    assert monthly_summary_batches(month=datetime.date(2026, 9, 17), today=datetime.date(2026, 12, 1))[0] == (
        datetime.date(2026, 9, 1)
    )
