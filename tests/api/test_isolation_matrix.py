"""Every endpoint, every role: an organisation sees its own rows and never another's (404 on direct access).

The matrix is generated from the API router: every prefix registered in backend/api/urls.py is requested by the
users of two tenants (two schools, each with its own company), in every role. A prefix the matrix does not classify
fails the test, so a new endpoint cannot be forgotten."""

import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from backend.accounts.models import Role
from backend.api.urls import router
from backend.assessments.models import AssessmentRule
from backend.attendance.models import LeaveRequest, MakeUpRequest, Punch, WorkPeriod
from backend.journals.models import JournalRule
from backend.lifecycle.models import Completion, Termination
from backend.matching.models import (
    ApplicantScore,
    MatchRun,
    PostRequirement,
    Proposal,
    StudentPreference,
    StudentScore,
)
from backend.notices.models import Notice
from backend.placements.models import InsuranceKind, PlacementStatus
from backend.rules.models import ResolutionProposal, Violation
from backend.schools.models import Cohort, Guardian, Program
from backend.subsidy.services import batch_pay, claim_approve
from backend.training.models import Evaluation, Grade, Party, SignOff, SignOffStatus, TrainingPlan
from backend.training.services import enrolment_ensure
from tests.factories.accounts import UserFactory
from tests.factories.assessments import AssessmentFactory, PlacementRatingFactory
from tests.factories.attendance import (
    TeacherAssignmentFactory,
    TeacherFactory,
    WorkSiteFactory,
    WorkSitePostFactory,
)
from tests.factories.changes import ChangeRequestFactory
from tests.factories.checklist import (
    ConsentDocumentFactory,
    ConsentRecordFactory,
    FilingFactory,
    HostApprovalFactory,
    HostVisitFactory,
    PilotDocumentFactory,
    ProvinceApprovalFactory,
    SafetyTrainingFactory,
)
from tests.factories.companies import MentorFactory, PostFactory
from tests.factories.journals import JournalEntryFactory, TeacherVisitFactory
from tests.factories.lifecycle import InjuryReportFactory, PauseFactory
from tests.factories.placements import (
    HealthCheckFactory,
    InsurancePolicyFactory,
    PilotProjectFactory,
    PlacementFactory,
    PlacementStageFactory,
)
from tests.factories.reports import FundsLineFactory, YearlyReportTextFactory
from tests.factories.rules import PolicyVersionFactory, ShiftExceptionFactory, ShiftFactory
from tests.factories.schools import CohortFactory, GuardianFactory, StudentFactory
from tests.factories.subsidy import PilotBudgetFactory, SubsidyPolicyFactory, accrued_claim, insure, seal
from tests.factories.training import approved_plan, competencies

pytestmark = pytest.mark.django_db


@dataclass
class Side:
    """One school with one company: a placed student with a guardian, an unplaced classmate, and the rest."""

    school: Any
    program: Any
    cohort: Any
    student: Any
    classmate: Any
    guardian: Any
    company: Any
    post: Any
    mentor: Any
    pilot: Any
    placement: Any
    stage: Any
    health_check: Any
    insurance: Any


def make_side() -> Side:
    post = PostFactory()
    mentor = MentorFactory(company=post.company, post=post)
    pilot = PilotProjectFactory(companies=[post.company])
    cohort = CohortFactory(program=pilot.program, entry_year=2024)
    student = StudentFactory(cohort=cohort)
    placement = PlacementFactory(pilot=pilot, student=student, post=post, mentor=mentor)
    return Side(
        school=pilot.school,
        program=pilot.program,
        cohort=cohort,
        student=student,
        classmate=StudentFactory(cohort=cohort),
        guardian=GuardianFactory(student=student),
        company=post.company,
        post=post,
        mentor=mentor,
        pilot=pilot,
        placement=placement,
        stage=PlacementStageFactory(placement=placement),
        health_check=HealthCheckFactory(student=student),
        insurance=InsurancePolicyFactory(placement=placement),
    )


def users_of(side: Side) -> dict[str, Any]:
    return {
        Role.COORDINATOR: UserFactory(role=Role.COORDINATOR, school=side.school),
        Role.HR: UserFactory(role=Role.HR, company=side.company),
        Role.MENTOR: UserFactory(role=Role.MENTOR, mentor=side.mentor, company=side.company),
        Role.STUDENT: UserFactory(role=Role.STUDENT, student=side.student, school=side.school),
        Role.GUARDIAN: UserFactory(role=Role.GUARDIAN, guardian=side.guardian),
        Role.BUREAU: UserFactory(role=Role.BUREAU),
        Role.ADMIN: UserFactory(role=Role.ADMIN),
    }


ALL = {Role.COORDINATOR, Role.HR, Role.MENTOR, Role.STUDENT, Role.GUARDIAN, Role.BUREAU, Role.ADMIN}
OVERSEERS = {Role.BUREAU, Role.ADMIN}
Make = Callable[[Side, dict[str, Any]], Any]
_unique = itertools.count(1)


def attribute(name: str) -> Make:
    return lambda side, users: getattr(side, name)


@dataclass(frozen=True)
class Rows:
    """Tenant rows: `make` gives the side's row; `roles` of that side see it, and the overseers see every tenant's
    rows unless `overseers_see_all` is off (a notice is its recipient's alone); everyone else gets 404."""

    make: Make
    roles: set[str]
    overseers_see_all: bool = True
    listed: bool = True  # False: the prefix has a detail route only
    detailed: bool = True  # False: the prefix has a list route only


@dataclass(frozen=True)
class Reference:
    """Public reference data: every signed-in user of either tenant lists the same rows, both sides' included."""

    make: Make | None  # None: the rows carry no id (listed by their natural key)


@dataclass(frozen=True)
class Report:
    """Figures keyed by pilot: a role sees its own pilot's row exactly when it sees the pilot's claims."""

    make: Make
    roles: set[str]


@dataclass(frozen=True)
class ActionsOnly:
    """The prefix holds actions only (e.g. a clock-in): no role lists or reads anything through it."""


@dataclass(frozen=True)
class OverseersOnly:
    """The whole system's figures: the overseers read it, every other role is refused (403)."""


def notice(side: Side, users: dict[str, Any]) -> Any:
    return Notice.objects.create(recipient=users[Role.COORDINATOR], kind="test", title="通知")


def violation(side: Side, users: dict[str, Any]) -> Any:
    now = timezone.now()
    day = datetime.date(2026, 9, 7)
    return Violation.objects.create(
        placement=side.placement,
        rule_code="DAILY_HOURS",
        period_start=day,
        period_end=day,
        first_seen=now,
        last_seen=now,
        policy_code="TEST",
        figures={"limit_minutes": 480, "actual_minutes": 600},
    )


def paid_batch(side: Side, users: dict[str, Any]) -> Any:
    """Through the services: a claim of the side's placement, covered, sealed, approved and paid."""
    insure(side.placement, kinds=(InsuranceKind.WORK_INJURY,))  # the side already holds the liability policy
    seal(side.placement)
    claim = accrued_claim(placement=side.placement)
    PilotBudgetFactory(pilot=side.pilot, year=claim.budget_year)
    claim = claim_approve(claim=claim, actor=users[Role.BUREAU])
    return batch_pay(
        claims=[claim],
        reference=f"PAY-{side.pilot.pk}",
        paid_on=datetime.date(2026, 12, 1),
        actor=users[Role.BUREAU],
    )


def match_run(side: Side) -> Any:
    return MatchRun.objects.create(
        school=side.school,
        pilot=side.pilot,
        seed=1,
        start_date=side.placement.start_date,
        end_date=side.placement.end_date,
    )


def training_plan(side: Side) -> Any:
    """The side's pilot's plan, approved by its company (one per pilot)."""
    return TrainingPlan.objects.filter(pilot=side.pilot).first() or approved_plan(side.pilot, [side.post])


def enrolment(side: Side) -> Any:
    training_plan(side)
    return enrolment_ensure(side.placement)


def work_site(side: Side, users: dict[str, Any]) -> Any:
    """The side's company's work site, where the side's post works (so its apprentice sees it too)."""
    return WorkSitePostFactory(site=WorkSiteFactory(company=side.company), post=side.post).site


def work_period(side: Side, users: dict[str, Any]) -> Any:
    """A clock-in of the side's apprentice at its work site (an open period)."""
    site, student = work_site(side, users), side.placement.student
    at = datetime.datetime(2026, 9, 7, 1, 0, tzinfo=datetime.UTC)
    punch = Punch.objects.create(
        placement=side.placement, student=student, site=site, kind="in", at=at, step=1, idempotency_key="in"
    )
    return WorkPeriod.objects.create(
        placement=side.placement, student=student, site=site, day=datetime.date(2026, 9, 7), clock_in=punch
    )


def active_this_month(side: Side, users: dict[str, Any]) -> Any:
    """The side's placement, active over the current month (the data return's default month)."""
    today = timezone.localdate()
    side.placement.status = PlacementStatus.ACTIVE
    side.placement.start_date = today - datetime.timedelta(days=40)
    side.placement.end_date = today + datetime.timedelta(days=120)
    side.placement.save(update_fields=["status", "start_date", "end_date"])
    return side.placement


def makeup(side: Side, users: dict[str, Any]) -> Any:
    """A make-up asked for by the side's apprentice (a whole forgotten period)."""
    at = datetime.datetime(2026, 9, 7, 1, 0, tzinfo=datetime.UTC)
    return MakeUpRequest.objects.create(
        placement=side.placement,
        student=side.placement.student,
        kind="in",
        day=datetime.date(2026, 9, 7),
        at=at,
        end_at=at + datetime.timedelta(hours=8),
        reason="忘记打卡",
    )


def leave(side: Side, users: dict[str, Any]) -> Any:
    day = datetime.date(2026, 9, 8)
    return LeaveRequest.objects.create(
        placement=side.placement,
        student=side.placement.student,
        kind="sick",
        start_date=day,
        end_date=day,
        hours=Decimal("8"),
        reason="发烧",
    )


SCHOOL_AND_COMPANY = {Role.COORDINATOR, Role.HR}
MATRIX: dict[str, Rows | Reference | Report | ActionsOnly | OverseersOnly] = {
    # changes: the parties who sign the supplementary agreement (not the mentor)
    "change-requests": Rows(
        lambda side, users: ChangeRequestFactory(
            placement=side.placement, new_mentor=MentorFactory(company=side.company)
        ),
        SCHOOL_AND_COMPANY | {Role.STUDENT, Role.GUARDIAN},
    ),
    # schools
    "schools": Rows(attribute("school"), ALL),
    "programs": Rows(attribute("program"), ALL),
    "cohorts": Rows(attribute("cohort"), {Role.COORDINATOR, Role.STUDENT, Role.GUARDIAN} | OVERSEERS),
    "students": Rows(attribute("student"), ALL),
    "guardians": Rows(attribute("guardian"), {Role.COORDINATOR, Role.STUDENT, Role.GUARDIAN} | OVERSEERS),
    # companies
    "companies": Rows(attribute("company"), ALL),
    "posts": Rows(attribute("post"), ALL),
    "mentors": Rows(attribute("mentor"), ALL),
    # placements
    "pilots": Rows(attribute("pilot"), ALL),
    "placements": Rows(attribute("placement"), ALL),
    "placement-stages": Rows(attribute("stage"), ALL),
    "health-checks": Rows(
        attribute("health_check"), {Role.COORDINATOR, Role.HR, Role.STUDENT, Role.GUARDIAN} | OVERSEERS
    ),
    "insurance-policies": Rows(attribute("insurance"), ALL),
    # notices: a notice is its recipient's
    "notices": Rows(notice, {Role.COORDINATOR}, overseers_see_all=False),
    # rules
    "shifts": Rows(lambda side, users: ShiftFactory(placement=side.placement), ALL),
    "shift-exceptions": Rows(lambda side, users: ShiftExceptionFactory(placement=side.placement), ALL),
    "violations": Rows(violation, ALL),
    "resolution-proposals": Rows(
        lambda side, users: ResolutionProposal.objects.create(
            violation=violation(side, users), text="已调整排班", proposed_by=users[Role.HR]
        ),
        ALL,
    ),
    "gate-checks": Rows(attribute("placement"), ALL, listed=False),
    "holidays": Reference(None),
    "policy-versions": Reference(lambda side, users: PolicyVersionFactory(pilot=side.pilot)),
    # assessments
    "assessment-rules": Reference(
        lambda side, users: AssessmentRule.objects.create(
            name=f"规则{side.pilot.pk}",
            valid_from=datetime.date(2030, 1, 1) + datetime.timedelta(days=next(_unique)),
            required_parties=["mentor", "teacher"],
            pass_mark=Decimal("60"),
        )
    ),
    "assessments": Rows(lambda side, users: AssessmentFactory(placement=side.placement), ALL),
    "placement-ratings": Rows(lambda side, users: PlacementRatingFactory(placement=side.placement), ALL),
    # subsidy
    "subsidy-policies": Reference(
        lambda side, users: SubsidyPolicyFactory(
            valid_from=datetime.date(2031, 1, 1) + datetime.timedelta(days=next(_unique))
        )
    ),
    "subsidy-budgets": Rows(lambda side, users: PilotBudgetFactory(pilot=side.pilot), {Role.COORDINATOR}),
    "subsidy-claims": Rows(
        lambda side, users: accrued_claim(placement=side.placement), SCHOOL_AND_COMPANY | {Role.MENTOR}
    ),
    "subsidy-batches": Rows(paid_batch, SCHOOL_AND_COMPANY),
    "subsidy-reports": Report(
        lambda side, users: accrued_claim(placement=side.placement), SCHOOL_AND_COMPANY | {Role.MENTOR}
    ),
    "subsidy-reconciliation": OverseersOnly(),
    # matching
    "match-preferences": Rows(
        lambda side, users: StudentPreference.objects.create(
            student=side.student, pilot=side.pilot, post=side.post, rank=1
        ),
        SCHOOL_AND_COMPANY | {Role.STUDENT},
    ),
    "applicant-scores": Rows(
        lambda side, users: ApplicantScore.objects.create(
            company=side.company, post=side.post, student=side.student, score=Decimal("80")
        ),
        SCHOOL_AND_COMPANY,
    ),
    "post-requirements": Rows(
        lambda side, users: PostRequirement.objects.create(post=side.post), SCHOOL_AND_COMPANY
    ),
    "student-scores": Rows(
        lambda side, users: StudentScore.objects.create(student=side.student, score=Decimal("88")),
        {Role.COORDINATOR, Role.STUDENT},
    ),
    "match-runs": Rows(lambda side, users: match_run(side), {Role.COORDINATOR}),
    "match-proposals": Rows(
        lambda side, users: Proposal.objects.create(
            run=match_run(side), student=side.student, pilot=side.pilot, post=side.post, mentor=side.mentor
        ),
        SCHOOL_AND_COMPANY | {Role.STUDENT},
    ),
    # training standard
    "training-plans": Rows(lambda side, users: training_plan(side), ALL),
    "training-records": Rows(lambda side, users: enrolment(side), ALL),
    "competency-sign-offs": Rows(
        lambda side, users: SignOff.objects.create(
            enrolment=enrolment(side),
            competency=competencies(training_plan(side))[0],
            status=SignOffStatus.SIGNED,
            mentor_name=side.mentor.name,
        ),
        ALL,
    ),
    "training-evaluations": Rows(
        lambda side, users: Evaluation.objects.create(
            enrolment=enrolment(side), party=Party.MENTOR, grade=Grade.GOOD, evaluator_name=side.mentor.name
        ),
        ALL,
    ),
    # attendance
    "work-sites": Rows(work_site, {Role.COORDINATOR, Role.HR, Role.MENTOR, Role.STUDENT}),
    "attendance/periods": Rows(work_period, ALL),
    "attendance/clock": ActionsOnly(),
    "attendance/makeups": Rows(makeup, ALL),
    "attendance/records": Rows(
        attribute("placement"),
        {Role.COORDINATOR, Role.HR, Role.MENTOR, Role.STUDENT},
        overseers_see_all=False,
    ),
    "attendance/leave": Rows(leave, ALL),
    # lifecycle: pauses, endings and injuries follow the placement
    "placement-pauses": Rows(lambda side, users: PauseFactory(placement=side.placement), ALL),
    "placement-terminations": Rows(
        lambda side, users: Termination.objects.create(
            placement=side.placement,
            initiated_by="company",
            reason="company_closed",
            effective_date=datetime.date(2026, 11, 20),
            status="requested",
        ),
        ALL,
    ),
    "placement-completions": Rows(
        lambda side, users: Completion.objects.create(
            placement=side.placement, completed_on=datetime.date(2027, 1, 31), standard_reached=False
        ),
        ALL,
    ),
    "injury-reports": Rows(lambda side, users: InjuryReportFactory(placement=side.placement), ALL),
    # the "八个事先" checklist
    "host-visits": Rows(
        lambda side, users: HostVisitFactory(pilot=side.pilot, company=side.company), SCHOOL_AND_COMPANY
    ),
    "host-approvals": Rows(
        lambda side, users: HostApprovalFactory(school=side.school, company=side.company), SCHOOL_AND_COMPANY
    ),
    "pilot-documents": Rows(lambda side, users: PilotDocumentFactory(pilot=side.pilot), SCHOOL_AND_COMPANY),
    "consents": Rows(
        lambda side, users: ConsentRecordFactory(placement=side.placement),
        {Role.COORDINATOR, Role.STUDENT, Role.GUARDIAN},
    ),
    "consent-documents": Rows(
        lambda side, users: ConsentDocumentFactory(placement=side.placement),
        {Role.COORDINATOR, Role.STUDENT, Role.GUARDIAN},
    ),
    "filings": Rows(
        lambda side, users: FilingFactory(pilot=side.pilot, placements=[side.placement]), {Role.COORDINATOR}
    ),
    "safety-trainings": Rows(
        lambda side, users: SafetyTrainingFactory(pilot=side.pilot, attendees=[side.placement]),
        {Role.COORDINATOR},
    ),
    "province-approvals": Rows(
        lambda side, users: ProvinceApprovalFactory(pilot=side.pilot, placements=[side.placement]),
        {Role.COORDINATOR},
    ),
    "teacher-assignments": Rows(
        lambda side, users: TeacherAssignmentFactory(
            placement=side.placement, teacher=TeacherFactory(school=side.school)
        ),
        {Role.COORDINATOR},
        detailed=False,
    ),
    # reports: the yearly report (keyed by pilot), its text and funds lines, the data return (keyed by placement)
    "yearly-reports": Rows(attribute("pilot"), {Role.COORDINATOR}),
    "yearly-report-summary": OverseersOnly(),
    "yearly-report-texts": Rows(
        lambda side, users: YearlyReportTextFactory(pilot=side.pilot), {Role.COORDINATOR}
    ),
    "report-funds-lines": Rows(lambda side, users: FundsLineFactory(pilot=side.pilot), {Role.COORDINATOR}),
    "data-returns": Rows(active_this_month, {Role.COORDINATOR}, detailed=False),
    # journals: a journal follows its placement; a pilot's rule is read by its parties; a visit is the school's
    "journals": Rows(lambda side, users: JournalEntryFactory(placement=side.placement), ALL),
    "journal-rules": Rows(
        lambda side, users: JournalRule.objects.create(pilot=side.pilot),
        {Role.COORDINATOR, Role.HR, Role.MENTOR, Role.STUDENT},
    ),
    "teacher-visits": Rows(
        lambda side, users: TeacherVisitFactory(
            teacher=TeacherFactory(school=side.school), school=side.school, company=side.company
        ),
        {Role.COORDINATOR},
    ),
}
ROUTER_PREFIXES = [prefix for prefix, _viewset, _basename in router.registry]


@pytest.fixture
def world() -> tuple[Side, Side, dict[str, Any]]:
    own, foreign = make_side(), make_side()
    return own, foreign, users_of(own)


def listed(client: Any, endpoint: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/{endpoint}/", {"page_size": 500, **(params or {})})
    assert response.status_code == 200, (endpoint, response.content)
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


def listed_ids(client: Any, endpoint: str) -> set[int]:
    return {row["id"] for row in listed(client, endpoint)}


def test_the_matrix_classifies_every_router_prefix_and_nothing_else():
    assert set(ROUTER_PREFIXES) == set(MATRIX), {
        "not in the matrix (add them)": set(ROUTER_PREFIXES) - set(MATRIX),
        "no longer routed": set(MATRIX) - set(ROUTER_PREFIXES),
    }


@pytest.mark.parametrize("endpoint", ROUTER_PREFIXES)
@pytest.mark.parametrize("role", sorted(ALL))
def test_each_role_sees_its_own_rows_and_never_another_tenants(api_client_for, world, endpoint, role):
    # given two schools, each with its own company and its users in every role
    own, foreign, own_users = world
    sides = [(own, own_users), (foreign, users_of(foreign))]
    kind = MATRIX.get(endpoint)
    if kind is None:
        pytest.fail(f"/api/v1/{endpoint}/ is routed but not in the isolation matrix: classify it in MATRIX")
    made = [kind.make(side, users) if getattr(kind, "make", None) else None for side, users in sides]
    reference_lists: list[Any] = []
    # when the user in `role` of each tenant asks, and then for the other tenant's row
    for (side, users), mine, theirs in ((sides[0], made[0], made[1]), (sides[1], made[1], made[0])):
        client = api_client_for(users[role])
        where = f"/api/v1/{endpoint}/ as {role} of {side.school.name}"
        # then
        if isinstance(kind, Rows):
            sees_own = role in kind.roles or (role in OVERSEERS and kind.overseers_see_all)
            sees_theirs = role in OVERSEERS and kind.overseers_see_all
            if kind.listed:
                ids = listed_ids(client, endpoint)
                assert (mine.pk in ids) == sees_own, f"{where}: own row listed {mine.pk in ids}"
                assert (theirs.pk in ids) == sees_theirs, (
                    f"{where}: other tenant's row listed {theirs.pk in ids}"
                )
            if not kind.detailed:
                continue
            own_detail = client.get(f"/api/v1/{endpoint}/{mine.pk}/")
            assert own_detail.status_code == (200 if sees_own else 404), (where, own_detail.status_code)
            detail = client.get(f"/api/v1/{endpoint}/{theirs.pk}/")
            assert detail.status_code == (200 if sees_theirs else 404), (
                where,
                "other tenant's row",
                detail.status_code,
            )
            if not sees_theirs:
                assert detail.json()["error"]["code"] == "NOT_FOUND"
        elif isinstance(kind, Reference):
            rows = listed(client, endpoint)
            if kind.make is not None:
                ids = {row["id"] for row in rows}
                assert {mine.pk, theirs.pk} <= ids, where
                assert client.get(f"/api/v1/{endpoint}/{theirs.pk}/").status_code == 200, where
            else:  # rows without an id: both tenants list the very same rows
                reference_lists.append(rows)
        elif isinstance(kind, Report):
            keys = {str(row["key"]) for row in listed(client, endpoint, {"by": "pilot"})}
            assert (str(side.pilot.pk) in keys) == (role in kind.roles or role in OVERSEERS), where
            other = own if side is foreign else foreign
            assert (str(other.pilot.pk) in keys) == (role in OVERSEERS), (where, "other tenant's pilot")
        elif isinstance(kind, ActionsOnly):
            assert client.get(f"/api/v1/{endpoint}/").status_code in (404, 405), where
        else:
            response = client.get(f"/api/v1/{endpoint}/")
            assert response.status_code == (200 if role in OVERSEERS else 403), where
    if reference_lists:
        assert reference_lists[0] == reference_lists[1]


def test_a_company_sees_only_the_students_placed_with_it_and_no_identity_data(api_client_for, world):
    own, _foreign, users = world
    response = api_client_for(users[Role.HR]).get("/api/v1/students/")
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [own.student.pk]  # not the unplaced classmate
    assert set(rows[0]) == {"id", "name", "program", "placements"}
    assert rows[0]["placements"] == [own.placement.pk]


def test_resident_ids_are_masked_except_for_the_students_own_school(api_client_for, world):
    own, _foreign, users = world
    number = own.student.resident_id
    as_school = api_client_for(users[Role.COORDINATOR]).get(f"/api/v1/students/{own.student.pk}/").json()
    as_bureau = api_client_for(users[Role.BUREAU]).get(f"/api/v1/students/{own.student.pk}/").json()
    as_student = api_client_for(users[Role.STUDENT]).get(f"/api/v1/students/{own.student.pk}/").json()
    assert as_school["resident_id"] == number
    assert as_bureau["resident_id"] == number[:6] + "********" + number[-4:]
    assert as_student["resident_id"] == number[:6] + "********" + number[-4:]


def test_the_bureau_reads_everything_but_writes_nothing(api_client_for, world):
    own, _foreign, users = world
    client = api_client_for(users[Role.BUREAU])
    response = client.patch(f"/api/v1/placements/{own.placement.pk}/", {"monthly_pay": "1.00"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PERMISSION_DENIED"
    pay = own.placement.monthly_pay
    own.placement.refresh_from_db()
    assert own.placement.monthly_pay == pay


@pytest.mark.parametrize(
    ("endpoint", "payload"),
    [
        ("programs", lambda side: {"school": side.school.pk, "name": "新专业", "years": 3}),
        ("cohorts", lambda side: {"program": side.program.pk, "entry_year": 2027}),
        (
            "guardians",
            lambda side: {
                "student": side.student.pk,
                "name": "某某",
                "relation": "father",
                "phone": "13900000000",
            },
        ),
    ],
)
def test_a_coordinator_cannot_create_rows_under_another_school(api_client_for, world, endpoint, payload):
    # given a coordinator of the first school
    own, foreign, users = world
    client = api_client_for(users[Role.COORDINATOR])
    model = {"programs": Program, "cohorts": Cohort, "guardians": Guardian}[endpoint]
    rows = model.objects.count()
    # when they point a new row at the other school's objects
    response = client.post(f"/api/v1/{endpoint}/", payload(foreign), format="json")
    # then the reference reads as unknown and nothing is written
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION"
    assert model.objects.count() == rows
    assert client.post(f"/api/v1/{endpoint}/", payload(own), format="json").status_code == 201
    assert model.objects.count() == rows + 1


def test_hr_cannot_edit_another_companys_post(api_client_for, world):
    own, foreign, users = world
    client = api_client_for(users[Role.HR])
    capacity = foreign.post.capacity
    assert (
        client.patch(f"/api/v1/posts/{foreign.post.pk}/", {"capacity": 1}, format="json").status_code == 404
    )
    foreign.post.refresh_from_db()
    assert foreign.post.capacity == capacity
    assert client.patch(f"/api/v1/posts/{own.post.pk}/", {"capacity": 3}, format="json").status_code == 200


def test_anonymous_requests_are_refused_in_the_error_shape(client):
    response = client.get("/api/v1/placements/")
    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"
