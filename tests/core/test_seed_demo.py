import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from backend.accounts.models import Role, User
from backend.agreements.models import Agreement
from backend.demo.data import REFERENCE_DATE
from backend.demo.story import END
from backend.placements.models import Placement, PlacementStatus
from backend.rules.models import Shift, Violation
from backend.schools.models import Student
from backend.signing.models import SealedAgreement, Signature, SigningEnvelope
from backend.subsidy.models import Claim


@pytest.mark.libreoffice
def test_seed_demo_builds_the_data_set_and_tells_the_story_through_the_real_services(
    transactional_db, capsys
):
    # when
    call_command("seed_demo")
    seeded = timezone.now()
    # then the data set the issue asks for
    students = list(Student.objects.select_related("cohort"))
    ages = [s.age_on(REFERENCE_DATE) for s in students]
    assert len(students) == 120
    assert sum(1 for a in ages if a < 16) >= 3
    assert sum(1 for a in ages if a in (16, 17)) >= 12
    assert any(s.cohort.entry_year == 2026 for s in students)  # first-years
    assert {u.role for u in User.objects.all()} >= {r.value for r in Role}
    # and four apprenticeships (three adults, one minor) that went the whole way: sealed, activated, a week of work
    # (one of them paused for illness by the lifecycle story, with one injury report on another)
    active = Placement.objects.filter(status__in=[PlacementStatus.ACTIVE, PlacementStatus.PAUSED])
    assert active.count() == 4
    assert (
        Placement.objects.filter(status=PlacementStatus.PAUSED, pauses__resumed_on__isnull=True).count() == 1
    )
    assert Placement.objects.filter(injury_reports__isnull=False).count() == 1
    for placement in active:
        agreement = placement.agreements.get()
        assert agreement.status == "signed"
        assert placement.events.filter(to_status="active").exists()
    assert sorted(a.kind for a in Agreement.objects.all()) == [
        "four_party",
        "three_party",
        "three_party",
        "three_party",
    ]
    assert SealedAgreement.objects.count() == 4
    assert Violation.objects.filter(rule_code="DAILY_HOURS", status="open").exists()
    assert set(Claim.objects.values_list("status", flat=True)) >= {"paid", "approved"}
    out = capsys.readouterr().out
    assert "Demo story: 4 active apprenticeships" in out
    assert "student1" not in out  # the logins are printed once, by runall's banner (demo_logins)
    # and its times run forward, and every demo login has something real to do or see
    times_run_forward()
    every_demo_login_has_data()
    the_working_day_is_real(seeded)
    notices_are_dated_by_their_events(seeded)
    # and running it again changes nothing
    call_command("seed_demo")
    assert Student.objects.count() == 120 and Placement.objects.count() == 4


def times_run_forward() -> None:
    """sent < signed (party by party) < sealed < activated < last week's shifts < claims, for each placement."""
    for placement in Placement.objects.filter(status=PlacementStatus.ACTIVE):
        envelope = SigningEnvelope.objects.get(revision__agreement__placement=placement)
        revision = envelope.revision
        requests = list(envelope.requests.order_by("position"))
        signed = [r.signature.signed_at for r in requests]
        sealed = SealedAgreement.objects.get(envelope=envelope).sealed_at
        activated = placement.events.get(to_status="active").at
        proposed = placement.events.get(to_status="proposed").at
        sent_for_signing = placement.events.get(to_status="signing").at
        shifts = Shift.objects.filter(placement=placement, kind="actual")  # this week and next are a plan
        first_shift = min(shifts.values_list("start_at", flat=True))
        last_shift = max(shifts.values_list("end_at", flat=True))
        claim_times = list(Claim.objects.filter(placement=placement).values_list("accrued_at", flat=True))
        assert proposed < revision.created_at <= envelope.created_at <= sent_for_signing, placement
        assert requests[0].sent_at <= signed[0], placement
        for request, at in zip(requests, signed, strict=True):
            assert request.sent_at is not None and request.sent_at <= at
        assert signed == sorted(signed) and len(set(signed)) == len(signed)
        assert signed[-1] < sealed < activated < first_shift, placement
        # the pilot has a training plan: a claim exactly for the apprentices who reached the standard
        reached = placement.training.standard_reached_at is not None
        assert bool(claim_times) == reached, placement
        assert all(last_shift < at for at in claim_times), placement


def the_working_day_is_real(seeded: datetime.datetime) -> None:
    """Since last week the apprentices clock in at the kiosk: every planned working day up to yesterday has its
    clock-in/out pair (within 8 hours), the mentor attested each day at its end but the last working day, which
    waits for mentor1; one of student1's days is corrected with a reason student1 sees; teacher1 sees the last 7
    days; every placement's chain of attested days verifies."""
    from django.test import Client

    from backend.attendance.demo import CORRECTION
    from backend.attendance.models import PeriodStatus, WorkPeriod
    from backend.attendance.selectors import chain_check
    from backend.core.clock import local_date

    today = local_date(seeded)
    mentor1, teacher1, student1 = (User.objects.get(username=u) for u in ("mentor1", "teacher1", "student1"))
    periods = list(WorkPeriod.objects.select_related("clock_in", "clock_out", "placement"))
    days = sorted({p.day for p in periods})
    assert len(days) >= 5 and days[-1] < today and all(d.weekday() < 5 for d in days)
    for p in periods:
        assert p.clock_out is not None and p.clock_out.at - p.clock_in.at <= datetime.timedelta(hours=8)
        assert p.placement.mentor_id == mentor1.mentor_id
    waiting = [p for p in periods if p.status == PeriodStatus.CLOSED]
    attested = [p for p in periods if p.status == PeriodStatus.ATTESTED]
    assert len(waiting) >= 2 and {p.day for p in waiting} == {days[-1]}
    assert len(attested) > len(waiting)
    for p in attested:
        assert p.attested_by_id == mentor1.pk and p.attested_at is not None
        assert p.clock_out.at < p.attested_at < seeded and local_date(p.attested_at) == p.day
    # mentor1 finds them on the attendance page, which points to the day that waits
    mentor = Client()
    mentor.force_login(mentor1)
    html = mentor.get("/mentor/attendance/").content.decode()
    assert f"?day={days[-1].isoformat()}" in html, html
    assert 'data-testid="attest-all"' in mentor.get(f"/mentor/attendance/?day={days[-1]}").content.decode()
    # one correction, student1's, with the reason on student1's clock page
    (corrected,) = [p for p in periods if p.corrected]
    assert corrected.student_id == student1.student_id and corrected.correction_reason == CORRECTION
    apprentice = Client()
    apprentice.force_login(student1)
    assert CORRECTION in apprentice.get("/me/clock/").content.decode()
    # teacher1 sees each working day of the last 7 days
    teacher = Client()
    teacher.force_login(teacher1)
    html = teacher.get("/teacher/").content.decode()
    recent = [d for d in days if d >= today - datetime.timedelta(days=6)]
    assert recent and all(f"{d:%m-%d} " in html for d in recent)
    for placement in Placement.objects.filter(work_periods__isnull=False).distinct():
        check = chain_check(placement=placement)
        assert check.ok and check.count >= 1, (placement, check)


def notices_are_dated_by_their_events(seeded: datetime.datetime) -> None:
    """No notice is dated after the seed, each signing turn and seal notice is dated to its event, and each
    demo login's inbox reads in the order things happened."""
    from backend.notices.models import Notice
    from backend.signing.models import SignatureRequest

    assert not Notice.objects.filter(created_at__gt=seeded).exists()
    for request in SignatureRequest.objects.exclude(sent_at=None):
        for notice in Notice.objects.filter(kind="signing_request", link=f"/signing/requests/{request.pk}"):
            assert notice.created_at == request.sent_at
    for sealed in SealedAgreement.objects.all():
        notices = Notice.objects.filter(dedupe_key=f"agreement-sealed:{sealed.envelope_id}")
        assert notices.exists() and all(n.created_at == sealed.sealed_at for n in notices)
    student1 = User.objects.get(username="student1")
    inbox = list(Notice.objects.filter(recipient=student1).order_by("created_at", "id"))
    kinds = [n.kind for n in inbox]
    assert (
        kinds.index("agreement_sealed") < kinds.index("shifts_to_confirm") < kinds.index("attendance.leave")
    )
    sealed_at = SealedAgreement.objects.get(
        envelope__revision__agreement__placement__student=student1.student
    )
    assert inbox[0].created_at > sealed_at.sealed_at
    # the leave asked for and approved on the day of the sick leave, before the seed
    leave_told = Notice.objects.get(
        recipient=student1, kind="attendance.leave", dedupe_key__endswith=":approved"
    )
    assert leave_told.created_at < seeded - datetime.timedelta(hours=12)


def every_demo_login_has_data() -> None:
    """Each demo login sees real rows of what its role works with (through the scoping every page uses)."""
    from backend.accounts.scoping import scope_queryset
    from backend.demo.data import demo_logins
    from backend.matching.models import StudentPreference
    from backend.notices.models import Notice

    needs: dict[str, list[type]] = {
        "admin": [Placement, Claim],
        "bureau": [Placement, Claim],
        "coord1": [Placement, Agreement, Shift, Violation, Claim, StudentPreference],
        "coord2": [StudentPreference],  # ranked posts, ready for the school's matching run
        "hr1": [Placement, Agreement, Shift, Violation, Claim, StudentPreference, Notice],
        "hr2": [StudentPreference],  # applicants to score
        "hr3": [StudentPreference],
        "hr4": [StudentPreference],
        "mentor1": [Placement, Shift, Claim],
        "teacher1": [Placement, Shift, Violation],  # the supervising teacher's own apprentices
        "student1": [Placement, Agreement, Shift, Notice],
        "student2": [Placement, Agreement, Shift, Notice],
        "guardian1": [Placement, Agreement, Shift, Notice],
    }
    logins = {login.username for login in demo_logins()}
    assert logins == set(needs)
    for username, models in needs.items():
        user = User.objects.get(username=username)
        empty = [m.__name__ for m in models if not scope_queryset(user, m.objects.all()).exists()]
        assert empty == [], (username, empty)
    # the adult signs a three-party agreement, the minor a four-party one that guardian1 signed
    student1, student2, guardian1 = (
        User.objects.get(username=u) for u in ("student1", "student2", "guardian1")
    )
    assert Agreement.objects.get(placement__student=student1.student).kind == "three_party"
    minor = Agreement.objects.get(placement__student=student2.student)
    assert minor.kind == "four_party" and guardian1.guardian.student_id == student2.student_id
    assert Signature.objects.filter(
        request__envelope__revision__agreement=minor, request__party="guardian"
    ).exists()
    assert Shift.objects.filter(placement__student=student2.student, kind="actual").count() >= 4
    upcoming = Shift.objects.filter(
        placement__student=student2.student, kind="planned", start_at__gt=timezone.now()
    )
    assert upcoming.exists() or timezone.localdate() > END - datetime.timedelta(days=14)


def test_demo_ids_are_deterministic():
    import random

    from backend.demo.data import birth_date_for

    assert birth_date_for(random.Random(1), 18) == birth_date_for(random.Random(1), 18)
    assert birth_date_for(random.Random(1), 18) < datetime.date(2008, 9, 1)


def test_demo_logins_lists_one_login_per_role_with_the_password(db):
    # given the demo data without its story
    from backend.demo.data import DEMO_PASSWORD, seed_demo

    seed_demo()
    out = io.StringIO()
    # when
    call_command("demo_logins", stdout=out)
    # then
    text = out.getvalue()
    assert DEMO_PASSWORD in text
    for username in ("admin", "bureau", "coord1", "hr1", "mentor1", "student1", "student2", "guardian1"):
        assert re.search(rf"^\s+{username}\s", text, re.M), username


@pytest.mark.parametrize("school_index", [0, 1])
def test_the_demo_matching_cohort_yields_placements_whose_agreements_have_every_fact(db, school_index):
    """A coordinator runs the matching on the demo's ranked posts, accepts it, enters what only the coordinator
    knows (supervising teacher, stages, insurance: the portal's placement pages); then every agreement context
    builds: the demo's students, guardians, companies, posts, mentors and schools carry everything else."""
    # given the demo data and its ranked posts (no story: the story's placements would take seats)
    from backend.agreements.context import agreement_context_build, placement_agreement_kind
    from backend.demo.data import seed_demo
    from backend.demo.story import END, START, rank_posts
    from backend.matching import services as matching
    from backend.matching.models import MatchRun
    from backend.placements.models import InsuranceKind, InsurancePolicy, PlacementStage

    seed_demo()
    coordinator = User.objects.get(username=f"coord{school_index + 1}")
    assert rank_posts(coordinator) > 0
    # when the school's run is executed and accepted
    run = MatchRun.objects.create(school=coordinator.school, seed=7, start_date=START, end_date=END)
    run = matching.match_run_execute(run_id=run.pk)
    accepted = matching.proposals_accept(actor=coordinator, run=run)
    assert len(accepted) >= 5
    placements = list(Placement.objects.filter(pilot__school=coordinator.school))
    assert len(placements) == len(accepted)
    for placement in placements:
        placement.supervising_teacher, placement.supervising_teacher_phone = "李明老师", "13600000001"
        placement.save(update_fields=["supervising_teacher", "supervising_teacher_phone"])
        PlacementStage.objects.create(
            placement=placement, number=1, name="岗位认知", company_start=START, company_end=END
        )
        for kind in (InsuranceKind.LIABILITY, InsuranceKind.WORK_INJURY):
            InsurancePolicy.objects.create(
                placement=placement,
                kind=kind,
                insurer="中国人民财产保险股份有限公司",
                policy_number=f"T-{kind}-{placement.pk}",
                start_date=START,
                end_date=END,
            )
    # then every agreement has every fact it needs (AGREEMENT_DATA_MISSING and PAY_FLOOR would raise)
    kinds = set()
    for placement in placements:
        kind = placement_agreement_kind(placement)
        context = agreement_context_build(placement=placement, kind=kind, number=f"T-{placement.pk}")
        assert context.mentor.name and context.company.legal_representative and context.school.phone
        kinds.add(kind)
    assert "three_party" in kinds


def test_the_demo_weeks_skip_the_days_the_rules_refuse_to_plan(db):
    """Seeded on Monday 12 October 2026, last week starts with three days of the National Day holiday: those stay
    unplanned and unworked (the seed does not fail); the time clock's week (the week before last) is planned and
    worked, and last week's two working days, this week and next week are planned."""
    # given an active placement and the Monday after the National Day week
    from backend.core.clock import RULES_ZONE
    from backend.demo.story import enter_weeks
    from tests.factories.placements import PlacementFactory

    placement = PlacementFactory(active=True)
    now = datetime.datetime(2026, 10, 12, 10, 0, tzinfo=RULES_ZONE)
    # when
    enter_weeks(placement, now)

    # then
    def days(kind: str) -> list[datetime.date]:
        rows = Shift.objects.filter(placement=placement, kind=kind).order_by("start_at")
        return [s.start_at.astimezone(RULES_ZONE).date() for s in rows]

    last_monday = datetime.date(2026, 10, 5)
    planned = days("planned")
    assert days("actual") == [d for d in planned if d < last_monday]  # the time clock's week, as planned
    assert days("actual")[:3] == [datetime.date(2026, 9, d) for d in (28, 29, 30)]
    assert [d for d in planned if d >= last_monday] == [
        datetime.date(2026, 10, d) for d in (8, 9, 12, 13, 14, 15, 16, 19, 20, 21, 22, 23)
    ]


def test_demo_staff_logins_carry_peoples_names_not_a_cut_organisation_name(db):
    # given the demo data without its story
    from backend.demo.data import seed_demo

    seed_demo()
    # when the top bar, the histories and the notices name a coordinator or an HR login
    staff = User.objects.filter(role__in=[Role.COORDINATOR, Role.HR]).select_related("school", "company")
    # then each is a person's name, not the first characters of the organisation's ("北京市第联络人")
    assert staff.count() == 6
    for user in staff:
        organisation = (user.school or user.company).name
        assert not user.display_name.startswith(organisation[:4]), user.display_name
        assert 2 <= len(user.display_name) <= 4, user.display_name
    assert len({user.display_name for user in staff}) == 6
