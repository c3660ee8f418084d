"""Writing, resubmitting and reviewing journals; late marking; photos; reminders; visits."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.core.clock import RULES_ZONE
from backend.core.errors import ApplicationError
from backend.journals import services
from backend.journals.models import JournalEntry, JournalReview, JournalRule, JournalStatus
from backend.journals.photos import PHOTO_MAX_BYTES
from backend.notices.models import Notice
from tests.factories.attendance import TeacherFactory
from tests.factories.placements import PlacementFactory

from .conftest import MONDAY, counts, image_upload, make_apprentice

pytestmark = pytest.mark.django_db

DEADLINE = dt.datetime(2026, 10, 19, 12, 0, tzinfo=RULES_ZONE)  # of the week of MONDAY, by default


def refused(fn, code):
    """Run ``fn``; it must be refused with ``code`` and write nothing."""
    before = counts()
    with pytest.raises(ApplicationError) as info:
        fn()
    assert info.value.code == code, info.value.as_dict()
    assert info.value.message and info.value.message_en and info.value.message != info.value.message_en
    assert counts() == before
    return info.value


def write(apprentice, day=MONDAY, kind="weekly", **kw):
    kw.setdefault("tasks", ["设备点检", "  ", "设备点检", "工位整理"])
    kw.setdefault("hours", "38.5")
    kw.setdefault("learned", "学会了点检")
    return services.journal_submit(
        actor=apprentice.student, placement=apprentice.placement, kind=kind, day=day, **kw
    )


@pytest.mark.parametrize(
    ("at", "late"),
    [
        (DEADLINE - dt.timedelta(seconds=1), False),
        (DEADLINE, False),  # the deadline's very second is still on time
        (DEADLINE + dt.timedelta(seconds=1), True),
        (DEADLINE + dt.timedelta(days=3), True),
    ],
)
def test_a_journal_is_late_exactly_when_it_comes_after_the_deadline(apprentice, at, late):
    # given the week of 12 October, due Monday 19 October 12:00 (Asia/Shanghai)
    # when the apprentice submits at `at` (the clock the service reads)
    with time_machine.travel(at, tick=False):
        entry = write(apprentice, day=MONDAY + dt.timedelta(days=3))
    # then
    assert entry.period_start == MONDAY and entry.deadline == DEADLINE
    assert entry.late is late
    assert entry.tasks == ["设备点检", "工位整理"]
    assert entry.status == JournalStatus.SUBMITTED and entry.version == 1
    assert entry.revisions.count() == 1


def test_the_pilots_rule_sets_the_deadline(apprentice):
    # given a pilot that wants the weekly journal by Sunday 20:00
    JournalRule.objects.create(pilot=apprentice.placement.pilot, deadline_days=0, deadline_hour=20)
    # when it comes on Sunday at 20:30
    with time_machine.travel(dt.datetime(2026, 10, 18, 20, 30, tzinfo=RULES_ZONE), tick=False):
        entry = write(apprentice)
    # then it is late
    assert entry.deadline == dt.datetime(2026, 10, 18, 20, 0, tzinfo=RULES_ZONE)
    assert entry.late


def test_a_second_journal_for_the_same_week_is_refused_until_it_is_returned(apprentice):
    # given
    write(apprentice, now=DEADLINE)
    # when / then
    error = refused(lambda: write(apprentice, now=DEADLINE), "JOURNAL_EXISTS")
    assert error.status == 409


def test_a_returned_journal_is_edited_and_resubmitted_and_its_history_kept(apprentice):
    # given a late journal the teacher returned for rework
    entry = write(apprentice, learned="第一版", now=DEADLINE + dt.timedelta(hours=1))
    services.journal_review(actor=apprentice.teacher, entry=entry, action="return", comment="请补充问题")
    # when the apprentice edits and resubmits
    again = write(apprentice, learned="第二版", problems="量具不熟", now=DEADLINE + dt.timedelta(days=1))
    # then the same entry, version 2, waiting again, still late; both versions kept; the comment stays
    assert again.pk == entry.pk
    again.refresh_from_db()
    assert (again.status, again.version, again.learned, again.late) == (
        JournalStatus.SUBMITTED,
        2,
        "第二版",
        True,
    )
    assert [r.content["learned"] for r in again.revisions.order_by("version")] == ["第一版", "第二版"]
    review = again.reviews.get()
    assert (review.action, review.comment, review.entry_version) == ("return", "请补充问题", 1)


def test_only_the_apprentice_writes_and_only_inside_the_placement(apprentice):
    other = make_apprentice()
    refused(
        lambda: services.journal_submit(
            actor=other.student,
            placement=apprentice.placement,
            kind="weekly",
            day=MONDAY,
            tasks=[],
            hours=1,
            learned="x",
        ),
        "JOURNAL_WRITE_FORBIDDEN",
    )
    refused(lambda: write(apprentice, day=dt.date(2026, 8, 3), now=DEADLINE), "JOURNAL_OUT_OF_PLACEMENT")
    refused(lambda: write(apprentice, day=dt.date(2026, 10, 26), now=DEADLINE), "JOURNAL_FUTURE")
    refused(lambda: write(apprentice, hours="169", now=DEADLINE), "JOURNAL_HOURS")
    refused(lambda: write(apprentice, kind="daily", hours="25", now=DEADLINE), "JOURNAL_HOURS")
    refused(lambda: write(apprentice, learned="  ", now=DEADLINE), "JOURNAL_LEARNED_REQUIRED")


# -- photos -------------------------------------------------------------------------------------------------


def test_photos_are_kept_with_their_checked_type(apprentice):
    # when
    entry = write(apprentice, photos=[image_upload("a.jpg"), image_upload("b.png", fmt="PNG")], now=DEADLINE)
    # then
    assert [(p.content_type, p.file.name.rsplit(".", 1)[1]) for p in entry.photos.all()] == [
        ("image/jpeg", "jpg"),
        ("image/png", "png"),
    ]
    assert entry.photos.first().file.read(3) == b"\xff\xd8\xff"


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        # a PDF renamed .jpg: the name and the declared type are not trusted
        (
            lambda: SimpleUploadedFile("x.jpg", b"%PDF-1.7 not an image", content_type="image/jpeg"),
            "PHOTO_TYPE",
        ),
        (
            lambda: SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n broken", content_type="image/png"),
            "PHOTO_TYPE",
        ),
        (lambda: image_upload("x.gif", fmt="GIF"), "PHOTO_TYPE"),
        (
            lambda: SimpleUploadedFile(
                "big.jpg", b"\xff\xd8\xff" + b"0" * PHOTO_MAX_BYTES, content_type="image/jpeg"
            ),
            "PHOTO_TOO_LARGE",
        ),
    ],
)
def test_a_refused_photo_refuses_the_whole_journal_and_nothing_is_written(apprentice, upload, code):
    # given one good photo and one refused
    files = [image_upload("good.jpg"), upload()]
    # when / then
    refused(lambda: write(apprentice, photos=files, now=DEADLINE), code)


def test_a_refused_photo_on_a_resubmission_leaves_the_returned_journal_as_it_was(apprentice):
    # given
    entry = write(apprentice, learned="第一版", now=DEADLINE)
    services.journal_review(actor=apprentice.mentor, entry=entry, action="return", comment="请补充")
    # when / then
    refused(
        lambda: write(
            apprentice,
            learned="第二版",
            photos=[SimpleUploadedFile("x.jpg", b"GIF89a", content_type="image/jpeg")],
            now=DEADLINE,
        ),
        "PHOTO_TYPE",
    )
    entry.refresh_from_db()
    assert (entry.status, entry.version, entry.learned) == (JournalStatus.RETURNED, 1, "第一版")


# -- reviews ------------------------------------------------------------------------------------------------


def test_the_mentor_approves_and_the_teacher_comments(apprentice):
    # given
    entry = write(apprentice, now=DEADLINE)
    # when
    services.journal_review(actor=apprentice.mentor, entry=entry, action="approve")
    services.journal_review(actor=apprentice.teacher, entry=entry, action="comment", comment="很好")
    # then
    entry.refresh_from_db()
    assert entry.status == JournalStatus.APPROVED
    assert [(r.reviewer_role, r.action, r.comment) for r in entry.reviews.all()] == [
        ("mentor", "approve", ""),
        ("teacher", "comment", "很好"),
    ]


def test_another_companys_mentor_an_unassigned_teacher_and_the_apprentice_cannot_review(apprentice):
    # given a journal, another placement's mentor, a teacher of the same school not assigned, and the apprentice
    entry = write(apprentice, now=DEADLINE)
    stranger_mentor = make_apprentice().mentor
    unassigned = TeacherFactory(school=apprentice.placement.pilot.school)
    # when / then
    for actor in (stranger_mentor, unassigned, apprentice.student):
        refused(
            lambda actor=actor: services.journal_review(actor=actor, entry=entry, action="approve"),
            "JOURNAL_REVIEW_FORBIDDEN",
        )
    # a week at once reaches none of it either (the student may not review at all)
    assert services.journals_review_week(actor=stranger_mentor, week=MONDAY, action="approve") == []
    assert services.journals_review_week(actor=unassigned, week=MONDAY, action="approve") == []
    refused(
        lambda: services.journals_review_week(actor=apprentice.student, week=MONDAY, action="approve"),
        "JOURNAL_REVIEW_FORBIDDEN",
    )
    entry.refresh_from_db()
    assert entry.status == JournalStatus.SUBMITTED and not entry.reviews.exists()


def test_a_comment_or_a_return_needs_a_remark_and_an_approved_journal_is_not_approved_twice(apprentice):
    entry = write(apprentice, now=DEADLINE)
    refused(
        lambda: services.journal_review(actor=apprentice.mentor, entry=entry, action="return"),
        "JOURNAL_COMMENT_REQUIRED",
    )
    refused(
        lambda: services.journal_review(actor=apprentice.mentor, entry=entry, action="comment", comment=" "),
        "JOURNAL_COMMENT_REQUIRED",
    )
    services.journal_review(actor=apprentice.mentor, entry=entry, action="approve")
    refused(
        lambda: services.journal_review(actor=apprentice.teacher, entry=entry, action="approve"),
        "JOURNAL_REVIEW_STATE",
    )


def test_the_mentor_reviews_all_of_a_week_at_once_and_nothing_else(apprentice):
    # given three apprentices of one mentor with a weekly journal of the week, one with a daily too, one already
    # approved, a journal of the following week, and another mentor's apprentice
    second = make_apprentice(mentor=apprentice.placement.mentor, post=apprentice.placement.post)
    third = make_apprentice(mentor=apprentice.placement.mentor, post=apprentice.placement.post)
    waiting = [
        write(apprentice, now=DEADLINE),
        write(apprentice, kind="daily", day=MONDAY + dt.timedelta(days=2), hours="8", now=DEADLINE),
        write(second, now=DEADLINE),
    ]
    done = write(third, now=DEADLINE)
    services.journal_review(actor=apprentice.mentor, entry=done, action="approve")
    next_week = write(apprentice, day=MONDAY + dt.timedelta(days=7), now=DEADLINE + dt.timedelta(days=7))
    foreign = write(make_apprentice(), now=DEADLINE)
    # when
    reviews = services.journals_review_week(
        actor=apprentice.mentor, week=MONDAY + dt.timedelta(days=4), action="comment", comment="本周表现不错"
    )
    # then every waiting journal of the week has the comment, and nothing else was touched
    assert sorted(r.entry_id for r in reviews) == sorted(e.pk for e in waiting)
    assert {r.comment for r in reviews} == {"本周表现不错"}
    assert not next_week.reviews.exists() and not foreign.reviews.exists()
    assert done.reviews.count() == 1
    # when approving the week at once
    approved = services.journals_review_week(actor=apprentice.mentor, week=MONDAY, action="approve")
    # then
    assert sorted(r.entry_id for r in approved) == sorted(e.pk for e in waiting)
    assert set(
        JournalEntry.objects.filter(pk__in=[e.pk for e in waiting]).values_list("status", flat=True)
    ) == {JournalStatus.APPROVED}
    assert JournalEntry.objects.get(pk=next_week.pk).status == JournalStatus.SUBMITTED


def test_the_teacher_reviews_the_week_of_their_assigned_apprentices_only(apprentice):
    # given the same teacher assigned to a second apprentice, and a third apprentice of another teacher
    second = make_apprentice(teacher=apprentice.teacher, pilot=apprentice.placement.pilot)
    write(apprentice, now=DEADLINE)
    write(second, now=DEADLINE)
    other = write(make_apprentice(pilot=apprentice.placement.pilot), now=DEADLINE)
    # when
    reviews = services.journals_review_week(actor=apprentice.teacher, week=MONDAY, action="approve")
    # then
    assert len(reviews) == 2 and {r.reviewer_role for r in reviews} == {"teacher"}
    assert not JournalReview.objects.filter(entry=other).exists()


# -- reminders ----------------------------------------------------------------------------------------------


def test_reminders_go_out_once_before_the_deadline_to_those_still_missing_it(apprentice):
    # given a second apprentice who already wrote the week's journal
    written = make_apprentice()
    write(written, now=DEADLINE - dt.timedelta(days=1))
    before_window = DEADLINE - dt.timedelta(hours=25)
    in_window = DEADLINE - dt.timedelta(hours=23)
    # when the sweep runs before the reminder window: nobody
    assert services.journal_reminders_send(now=before_window) == 0
    # when it runs inside the window, twice
    assert services.journal_reminders_send(now=in_window) == 1
    assert services.journal_reminders_send(now=in_window + dt.timedelta(hours=1)) == 0
    # then only the apprentice still missing it is told, once
    notice = Notice.objects.get()
    assert notice.recipient == apprentice.student and notice.kind == "journal_reminder"
    assert "周记" in notice.title and notice.link == "/me/journals/"
    # after the deadline the sweep stays quiet (the journal is late by then)
    assert services.journal_reminders_send(now=DEADLINE + dt.timedelta(minutes=1)) == 0


def test_a_pilot_that_wants_no_weekly_journal_sends_no_reminder(apprentice):
    JournalRule.objects.create(pilot=apprentice.placement.pilot, weekly_required=False)
    assert services.journal_reminders_send(now=DEADLINE - dt.timedelta(hours=2)) == 0


# -- visits -------------------------------------------------------------------------------------------------


def test_a_teacher_records_a_visit_about_their_apprentice_with_a_photo(apprentice):
    # when
    visit = services.visit_create(
        actor=apprentice.teacher,
        company=apprentice.placement.post.company,
        placement=apprentice.placement,
        visited_on=MONDAY,
        place="一号厂区",
        met="师傅、人事",
        findings="在岗情况良好",
        follow_up="两周后回访",
        photos=[image_upload()],
        today=MONDAY,
    )
    # then
    assert visit.school == apprentice.placement.pilot.school
    assert visit.photos.get().content_type == "image/jpeg"


def test_a_visit_to_a_company_where_the_teacher_has_no_apprentice_is_refused(apprentice):
    stranger = PlacementFactory(active=True)
    kw = dict(visited_on=MONDAY, place="厂区", met="人事", findings="情况", today=MONDAY)
    refused(
        lambda: services.visit_create(
            actor=apprentice.teacher, company=stranger.post.company, placement=None, **kw
        ),
        "VISIT_COMPANY",
    )
    refused(
        lambda: services.visit_create(
            actor=apprentice.teacher, company=stranger.post.company, placement=stranger, **kw
        ),
        "VISIT_PLACEMENT",
    )
    refused(
        lambda: services.visit_create(
            actor=apprentice.mentor, company=apprentice.placement.post.company, placement=None, **kw
        ),
        "VISIT_FORBIDDEN",
    )
    refused(
        lambda: services.visit_create(
            actor=apprentice.teacher,
            company=apprentice.placement.post.company,
            placement=None,
            photos=[SimpleUploadedFile("x.jpg", b"no", content_type="image/jpeg")],
            **kw,
        ),
        "PHOTO_TYPE",
    )
