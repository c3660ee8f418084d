"""Who may close what (issue 13): the school (or the bureau) resolves a violation; the company proposes a
resolution with its evidence, which the school accepts or rejects; only the school records an exception; the
audit reopens a resolved violation whose condition still holds, unless an exception covers it."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.core.models import AuditEvent
from backend.rules.audit_sql import REOPEN_NOTE
from backend.rules.models import ResolutionProposal, ShiftException, ShiftKind, Violation, ViolationStatus
from backend.rules.services.audit import placement_worktime_audit, worktime_audit
from backend.rules.services.shifts import shifts_enter
from backend.rules.services.violations import violation_acknowledge, violation_resolve
from tests.factories.accounts import BureauFactory, CoordinatorFactory, HrFactory
from tests.factories.rules import ShiftExceptionFactory, ViolationFactory, at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_memory_files(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }


@pytest.fixture
def violation(placement):
    return ViolationFactory(placement=placement)


@pytest.fixture
def hr(placement):
    return HrFactory(company=placement.post.company)


@pytest.fixture
def coordinator(placement):
    return CoordinatorFactory(school=placement.pilot.school)


def counts():
    return (
        Violation.objects.filter(status=ViolationStatus.RESOLVED).count(),
        ResolutionProposal.objects.count(),
        ShiftException.objects.count(),
        AuditEvent.objects.count(),
    )


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["code"] == code and body["message"] and body["message_en"]
    return body


def test_hr_may_not_resolve_its_own_companys_violation_and_nothing_is_written(api_client_for, violation, hr):
    # given
    before = counts()

    # when
    response = api_client_for(hr).post(
        f"/api/v1/violations/{violation.pk}/resolve/", {"note": "已处理"}, format="json"
    )

    # then: 403 in the error shape, and not one row changed
    assert_error(response, 403, "VIOLATION_SCHOOL_ONLY")
    assert counts() == before
    violation.refresh_from_db()
    assert (violation.status, violation.resolved_by_id, violation.note) == (ViolationStatus.OPEN, None, "")


def test_hr_proposes_with_evidence_and_the_school_accepts_which_resolves_it(
    api_client_for, violation, hr, coordinator
):
    # given: HR proposes with a text and a PDF
    evidence = SimpleUploadedFile("排班调整.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    proposed = api_client_for(hr).post(
        f"/api/v1/violations/{violation.pk}/propose/",
        {"text": "已将 9 月 7 日班次改为 8 小时，附调整后的排班表", "evidence": evidence},
        format="multipart",
    )
    assert proposed.status_code == 201, proposed.content
    proposal = ResolutionProposal.objects.get()
    assert (proposal.status, proposal.proposed_by_id) == ("pending", hr.pk)
    assert proposal.evidence.read() == b"%PDF-1.4 evidence"
    violation.refresh_from_db()
    assert violation.status == ViolationStatus.OPEN  # a proposal closes nothing
    # and HR cannot accept its own proposal
    before = counts()
    assert_error(
        api_client_for(hr).post(f"/api/v1/resolution-proposals/{proposal.pk}/accept/"),
        403,
        "PERMISSION_DENIED",
    )
    assert counts() == before

    # when the coordinator accepts
    accepted = api_client_for(coordinator).post(f"/api/v1/resolution-proposals/{proposal.pk}/accept/")

    # then the school resolved it, with the company's text
    assert accepted.status_code == 200, accepted.content
    violation.refresh_from_db()
    assert (violation.status, violation.resolved_by_id) == (ViolationStatus.RESOLVED, coordinator.pk)
    assert violation.note == proposal.text
    assert (
        api_client_for(hr).get(f"/api/v1/violations/{violation.pk}/").json()["proposals"][0]["status"]
        == "accepted"
    )
    # a decided proposal cannot be decided again
    assert_error(
        api_client_for(coordinator).post(f"/api/v1/resolution-proposals/{proposal.pk}/accept/"),
        409,
        "PROPOSAL_DECIDED",
    )


def test_the_school_rejects_a_proposal_with_a_reason_and_the_violation_stays_open(
    api_client_for, violation, hr, coordinator
):
    # given
    client = api_client_for(hr)
    client.post(f"/api/v1/violations/{violation.pk}/propose/", {"text": "已整改"}, format="json")
    again = client.post(f"/api/v1/violations/{violation.pk}/propose/", {"text": "再次提交"}, format="json")
    assert_error(again, 409, "PROPOSAL_PENDING")
    assert ResolutionProposal.objects.count() == 1
    proposal = ResolutionProposal.objects.get()
    school = api_client_for(coordinator)

    # when: without a reason, then with one
    no_reason = school.post(
        f"/api/v1/resolution-proposals/{proposal.pk}/reject/", {"reason": " "}, format="json"
    )
    rejected = school.post(
        f"/api/v1/resolution-proposals/{proposal.pk}/reject/", {"reason": "未附调整后的排班表"}, format="json"
    )

    # then
    assert no_reason.status_code == 400
    assert rejected.status_code == 200, rejected.content
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_note, proposal.decided_by_id) == (
        "rejected",
        "未附调整后的排班表",
        coordinator.pk,
    )
    violation.refresh_from_db()
    assert violation.status == ViolationStatus.OPEN
    # and the company may propose again
    assert (
        client.post(
            f"/api/v1/violations/{violation.pk}/propose/", {"text": "附排班表"}, format="json"
        ).status_code
        == 201
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("run.exe", b"MZ"),  # not a kind the evidence may be
        ("排班调整.pdf", b"MZ\x90\x00 a renamed program"),  # named as a PDF, and not one
    ],
)
def test_evidence_of_the_wrong_type_is_refused_before_anything_is_stored(
    api_client_for, violation, hr, name, content
):
    before = counts()
    response = api_client_for(hr).post(
        f"/api/v1/violations/{violation.pk}/propose/",
        {"text": "见附件", "evidence": SimpleUploadedFile(name, content)},
        format="multipart",
    )
    assert_error(response, 400, "EVIDENCE_TYPE")
    assert counts() == before


def test_the_bureau_resolves_and_the_school_may_not_propose(api_client_for, violation, coordinator):
    before = counts()
    assert_error(
        api_client_for(coordinator).post(
            f"/api/v1/violations/{violation.pk}/propose/", {"text": "x"}, format="json"
        ),
        403,
        "PROPOSAL_COMPANY_ONLY",
    )
    assert counts() == before
    bureau = BureauFactory()
    resolved = api_client_for(bureau).post(
        f"/api/v1/violations/{violation.pk}/resolve/", {"note": "教育局核查后关闭"}, format="json"
    )
    assert resolved.status_code == 200, resolved.content
    violation.refresh_from_db()
    assert (violation.status, violation.resolved_by_id) == (ViolationStatus.RESOLVED, bureau.pk)


EXCEPTION = {
    "rule_code": "NIGHT_WORK",
    "period_start": "2026-03-02",
    "period_end": "2026-03-08",
    "authority_reference": "无",
    "approver": "我自己",
}


def test_the_company_cannot_record_its_own_exception(api_client_for, placement, hr):
    # given
    before = counts()

    # when
    response = api_client_for(hr).post(
        "/api/v1/shift-exceptions/", {**EXCEPTION, "placement": placement.pk}, format="json"
    )

    # then
    assert_error(response, 403, "PERMISSION_DENIED")
    assert counts() == before
    # and the service refuses it too, whatever calls it
    from backend.core.errors import ApplicationError
    from backend.rules.services.shifts import shift_exception_create

    with pytest.raises(ApplicationError) as refused:
        shift_exception_create(
            actor=hr,
            placement=placement,
            rule_code="NIGHT_WORK",
            period_start=datetime.date(2026, 3, 2),
            period_end=datetime.date(2026, 3, 8),
            authority_reference="无",
            approver="我自己",
        )
    assert refused.value.code == "EXCEPTION_SCHOOL_ONLY" and refused.value.status == 403
    assert counts() == before


def test_an_exception_ending_before_it_starts_is_refused_before_the_database(
    api_client_for, placement, coordinator
):
    before = counts()
    response = api_client_for(coordinator).post(
        "/api/v1/shift-exceptions/",
        {
            **EXCEPTION,
            "placement": placement.pk,
            "period_start": "2026-03-08",
            "period_end": "2026-03-02",
            "authority_reference": "沪教职备〔2026〕7号",
            "approver": "市教委职成教处",
        },
        format="json",
    )
    assert_error(response, 400, "EXCEPTION_PERIOD")
    assert counts() == before


def overlong_day(placement):
    """10 hours of actual work on Monday 7 September 2026: one DAILY_HOURS violation."""
    shifts_enter(
        actor=None,
        placement=placement,
        kind=ShiftKind.ACTUAL,
        spans=[(at("2026-09-07", "08:00"), at("2026-09-07", "18:00"))],
    )
    return Violation.objects.get(placement=placement, rule_code="DAILY_HOURS")


def test_the_audit_reopens_a_violation_a_person_resolved_while_its_condition_still_holds(
    placement, coordinator
):
    # given the school resolved an overlong day without the hours being corrected
    v = overlong_day(placement)
    violation_resolve(actor=coordinator, violation=v, note="已提醒企业")
    Violation.objects.filter(pk=v.pk).update(notified_severity="violation")

    # when the audit runs again
    summary = worktime_audit(notify=False)

    # then it is open again, told again, and says why
    v.refresh_from_db()
    assert summary["reopened"] == 1 and summary["created"] == 0
    assert (v.status, v.resolved_by_id, v.resolved_at) == (ViolationStatus.OPEN, None, None)
    assert v.note == REOPEN_NOTE and v.notified_severity == ""
    # and the next run reopens nothing more
    assert worktime_audit(notify=False)["reopened"] == 0


def test_the_incremental_audit_reopens_it_too(placement, coordinator):
    v = overlong_day(placement)
    violation_resolve(actor=coordinator, violation=v, note="已提醒企业")
    placement_worktime_audit(
        placement=placement, lo_day=datetime.date(2026, 9, 7), hi_day=datetime.date(2026, 9, 7), notify=False
    )
    v.refresh_from_db()
    assert (v.status, v.resolved_by_id, v.note) == (ViolationStatus.OPEN, None, REOPEN_NOTE)


def test_an_exception_filed_with_the_authority_keeps_it_resolved(placement, coordinator):
    # given a resolved overlong day, and an exception for the day's hours recorded by the school
    v = overlong_day(placement)
    violation_resolve(actor=coordinator, violation=v, note="已备案")
    ShiftExceptionFactory(
        placement=placement,
        rule_code="DAILY_HOURS",
        period_start=datetime.date(2026, 9, 7),
        period_end=datetime.date(2026, 9, 7),
    )

    # when
    summary = worktime_audit(notify=False)

    # then
    v.refresh_from_db()
    assert summary["reopened"] == 0
    assert (v.status, v.resolved_by_id, v.note) == (ViolationStatus.RESOLVED, coordinator.pk, "已备案")


@pytest.mark.parametrize("change", ["acknowledge", "resolve"])
def test_acknowledging_and_resolving_lock_the_violation_row_first(violation, coordinator, change):
    with CaptureQueriesContext(connection) as queries:
        if change == "acknowledge":
            violation_acknowledge(actor=coordinator, violation=violation, note="")
        else:
            violation_resolve(actor=coordinator, violation=violation, note="已处理")
    sql = [q["sql"] for q in queries.captured_queries]
    locks = [
        i
        for i, s in enumerate(sql)
        if s.startswith("SELECT") and "rules_violation" in s and "FOR UPDATE" in s
    ]
    writes = [i for i, s in enumerate(sql) if s.startswith('UPDATE "rules_violation"')]
    assert locks and writes and locks[0] < writes[0]
