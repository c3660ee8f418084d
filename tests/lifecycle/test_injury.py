"""Injury reports (伤害事故): every party told once, the insurers e-mailed once (e-mail is the one mock: Django's
locmem outbox), the 24-hour clock and its sweep, the claim tracked in exact yuan."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from backend.core.errors import ApplicationError
from backend.lifecycle.models import ClaimStatus, InjuryReport, InsurerNotice
from backend.lifecycle.services import (
    injuries_sweep,
    injury_authority_reported,
    injury_claim_update,
    injury_report,
)
from backend.notices.models import Notice
from backend.placements.models import InsuranceKind
from tests.factories.lifecycle import InjuryReportFactory
from tests.factories.placements import InsurancePolicyFactory, PlacementFactory
from tests.lifecycle.test_termination import everyone, told

pytestmark = pytest.mark.django_db

ACCIDENT = datetime.datetime(2026, 10, 14, 2, 30, tzinfo=datetime.UTC)  # 10:30 in Shanghai
REPORTED = ACCIDENT + datetime.timedelta(minutes=40)


def insured_placement():
    placement = PlacementFactory(active=True)
    InsurancePolicyFactory(
        placement=placement,
        kind=InsuranceKind.LIABILITY,
        insurer="中国人民财产保险股份有限公司",
        policy_number="PICC-2026-001",
        contact_email="baoan@picc.example.cn",
    )
    InsurancePolicyFactory(
        placement=placement,
        kind=InsuranceKind.WORK_INJURY,
        insurer="平安养老保险股份有限公司",
        policy_number="PA-GS-777",
        contact_email="claims@pingan.example.cn",
    )
    return placement


def report(placement, actor, now=REPORTED):
    return injury_report(
        actor=actor,
        placement=placement,
        occurred_at=ACCIDENT,
        location="二车间装配线",
        description="搬运零件时左手被夹伤",
        treatment="送市第一医院急诊包扎",
        severity="moderate",
        now=now,
    )


def test_an_injury_report_tells_every_party_and_each_insurer_once(django_capture_on_commit_callbacks):
    # given an insured placement and every party's account
    placement = insured_placement()
    users = everyone(placement)
    # when the mentor reports an injury
    with django_capture_on_commit_callbacks(execute=True):
        injury = report(placement, users["mentor"])
    # then the school's coordinator and the teacher, HR, the mentor and the guardian are told once each, and
    # nobody of another school or company
    parties = ["coordinator", "teacher", "hr", "mentor", "guardian"]
    assert told("lifecycle.injury") == {users[p].username: 1 for p in parties}
    # and each insurer is e-mailed once at its report address, naming its policy
    assert sorted(m.to[0] for m in mail.outbox if "PICC" in m.subject or "PA-GS" in m.subject) == [
        "baoan@picc.example.cn",
        "claims@pingan.example.cn",
    ]
    assert InsurerNotice.objects.filter(injury=injury, emailed_at__isnull=False).count() == 2
    # and the report carries the policy numbers and a deadline 24 hours after the accident
    assert injury.policy_numbers == ["PICC-2026-001", "PA-GS-777"]
    assert injury.deadline_at == ACCIDENT + datetime.timedelta(hours=24)
    # when the sweep runs afterwards, nobody is told again
    outbox = len(mail.outbox)
    notices = Notice.objects.count()
    assert injuries_sweep(now=REPORTED + datetime.timedelta(hours=1)) == {"flagged": 0, "insurer_emails": 0}
    assert (len(mail.outbox), Notice.objects.count()) == (outbox, notices)


def test_an_insurer_e_mail_lost_before_sending_is_sent_by_the_sweep_once():
    # given a report whose on-commit e-mails never ran (the process died after the commit)
    placement = insured_placement()
    with time_machine.travel(REPORTED, tick=False):
        injury = report(placement, everyone(placement)["hr"])
    assert InsurerNotice.objects.filter(injury=injury, emailed_at__isnull=True).count() == 2
    # when the sweep runs twice
    first = injuries_sweep(now=REPORTED + datetime.timedelta(minutes=10))
    second = injuries_sweep(now=REPORTED + datetime.timedelta(minutes=20))
    # then each insurer got exactly one e-mail
    assert (first["insurer_emails"], second["insurer_emails"]) == (2, 0)
    assert len([m for m in mail.outbox if m.to[0].endswith("example.cn")]) == 2


def test_the_sweep_flags_a_report_past_its_24_hours_once():
    # given a report not yet reported to the authorities
    placement = insured_placement()
    users = everyone(placement)
    injury = report(placement, users["coordinator"])
    # when the sweep runs a minute before the deadline, then after it, twice
    before = injuries_sweep(now=injury.deadline_at - datetime.timedelta(minutes=1))
    after = injuries_sweep(now=injury.deadline_at + datetime.timedelta(minutes=1))
    again = injuries_sweep(now=injury.deadline_at + datetime.timedelta(hours=2))
    # then it is flagged once, the school and company told once each
    assert (before["flagged"], after["flagged"], again["flagged"]) == (0, 1, 0)
    injury.refresh_from_db()
    assert injury.is_overdue(injury.deadline_at + datetime.timedelta(seconds=1))
    assert told("lifecycle.injury_overdue") == {
        users[p].username: 1 for p in ("coordinator", "teacher", "hr", "mentor")
    }


def test_reporting_to_the_authorities_stops_the_clock():
    placement = insured_placement()
    users = everyone(placement)
    injury = report(placement, users["hr"])
    injury_authority_reported(
        actor=users["coordinator"],
        injury=injury,
        at=REPORTED + datetime.timedelta(hours=3),
        reference="教育局回执 2026-118",
        now=REPORTED + datetime.timedelta(hours=3),
    )
    assert injuries_sweep(now=injury.deadline_at + datetime.timedelta(hours=1))["flagged"] == 0
    injury.refresh_from_db()
    assert not injury.is_overdue(injury.deadline_at + datetime.timedelta(hours=1))


def test_the_claim_is_tracked_in_exact_yuan_along_its_statuses():
    injury = InjuryReportFactory(placement=insured_placement())
    hr = everyone(injury.placement)["hr"]
    injury_claim_update(
        actor=hr,
        injury=injury,
        claim_status=ClaimStatus.FILED,
        claim_reference="BA-0001",
        medical_costs=Decimal("1234.56"),
        claimed_amount="1234.56",
    )
    injury_claim_update(actor=hr, injury=injury, claim_status=ClaimStatus.ACCEPTED)
    injury_claim_update(
        actor=hr, injury=injury, claim_status=ClaimStatus.PAID, paid_amount=Decimal("1200.00")
    )
    injury.refresh_from_db()
    assert (injury.claim_status, injury.claimed_amount, injury.paid_amount) == (
        ClaimStatus.PAID,
        Decimal("1234.56"),
        Decimal("1200.00"),
    )
    # a float, a fraction of a fen, or a move the claim's table does not allow is refused
    for bad in ({"paid_amount": 1.5}, {"paid_amount": "1.005"}, {"claim_status": ClaimStatus.FILED}):
        with pytest.raises(ApplicationError):
            injury_claim_update(actor=hr, injury=injury, **bad)
    injury.refresh_from_db()
    assert injury.paid_amount == Decimal("1200.00") and injury.claim_status == ClaimStatus.PAID


def test_the_apprentice_and_other_companies_do_not_report_and_nothing_is_written():
    placement = insured_placement()
    users = everyone(placement)
    for actor in (users["student"], users["guardian"], users["other_company"], users["other_school"]):
        with pytest.raises(ApplicationError) as refused:
            report(placement, actor)
        assert refused.value.status == 403
    assert InjuryReport.objects.count() == 0
    assert Notice.objects.count() == 0


@time_machine.travel(datetime.datetime(2026, 10, 14, 3, 0, tzinfo=datetime.UTC), tick=False)
def test_an_accident_in_the_future_is_refused():
    placement = insured_placement()
    with pytest.raises(ApplicationError) as refused:
        injury_report(
            actor=everyone(placement)["hr"],
            placement=placement,
            occurred_at=datetime.datetime(2026, 10, 14, 4, 0, tzinfo=datetime.UTC),
            location="车间",
            description="—",
            treatment="",
            severity="minor",
            now=datetime.datetime.now(tz=datetime.UTC),
        )
    assert refused.value.code == "INJURY_TIME"
