"""The third party's results imported all or nothing; the rotation's moves, hours and gates."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from backend.core.errors import ApplicationError
from backend.training import services
from backend.training.imports import third_party_import
from backend.training.models import Evaluation, RotationAssignment, RotationStatus
from backend.training.selectors import behind_plan, rotation_progress
from tests.factories.companies import PostFactory
from tests.factories.placements import PlacementFactory
from tests.factories.schools import StudentFactory
from tests.factories.training import approved_plan, work

pytestmark = pytest.mark.django_db
HEAD = ["身份证号", "证书编号", "考核日期", "结果"]


def _xlsx(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _two_apprentices(apprentice):
    other = PlacementFactory(pilot=apprentice.placement.pilot, post=apprentice.placement.post, active=True)
    services.enrolment_ensure(apprentice.placement)
    services.enrolment_ensure(other)
    return apprentice.placement, other


def test_the_third_party_results_are_imported_one_evaluation_per_row(apprentice):
    a, b = _two_apprentices(apprentice)
    content = _xlsx(
        [
            HEAD,
            [a.student.resident_id, "JN2026-0001", datetime.date(2026, 12, 20), "合格"],
            [b.student.resident_id, "JN2026-0002", "2026-12-20", "优秀"],
        ]
    )
    result = third_party_import(pilot=a.pilot, actor=apprentice.teacher, file_name="r.xlsx", content=content)
    assert result.created == 2
    row = Evaluation.objects.get(enrolment__placement=b)
    assert (row.party, row.grade, row.certificate_number, row.test_date) == (
        "third_party",
        "excellent",
        "JN2026-0002",
        datetime.date(2026, 12, 20),
    )


def test_a_file_with_one_bad_row_is_refused_whole_with_its_row_errors(apprentice):
    a, b = _two_apprentices(apprentice)
    content = "\n".join(
        [
            ",".join(HEAD),
            f"{a.student.resident_id},JN-1,2026-12-20,合格",
            f"{b.student.resident_id},JN-2,2026-13-45,合格",  # impossible date
            '110101200001011234,=HYPERLINK("x"),2026-12-20,合格',  # unknown apprentice, formula
        ]
    ).encode()
    with pytest.raises(ApplicationError) as exc:
        third_party_import(pilot=a.pilot, actor=apprentice.teacher, file_name="r.csv", content=content)
    assert exc.value.code == "THIRD_PARTY_ROWS"
    rows = {r["row"]: r["errors"] for r in exc.value.details["rows"]}
    assert rows[3] == ["test_date"]
    assert "formula" in rows[4] and "apprentice" in rows[4]
    assert Evaluation.objects.count() == 0


def test_a_formula_cell_in_an_xlsx_is_refused_not_evaluated(apprentice):
    a, _ = _two_apprentices(apprentice)
    content = _xlsx([HEAD, [a.student.resident_id, "=1+1", "2026-12-20", "合格"]])
    with pytest.raises(ApplicationError):
        third_party_import(pilot=a.pilot, actor=apprentice.teacher, file_name="r.xlsx", content=content)
    assert Evaluation.objects.count() == 0


# ------------------------------------------------------------------------------------------------------ rotation


def test_the_rotation_moves_post_by_post_with_hours_from_actual_shifts():
    # given a plan rotating through two posts, 8 hours each
    placement = PlacementFactory(active=True)
    second_post = PostFactory(company=placement.post.company)
    plan = approved_plan(placement.pilot, [placement.post, second_post])
    # when the apprentice starts, works 8 hours, and moves on
    services.rotation_move(placement=placement, actor=None, on=datetime.date(2026, 9, 1))
    work(placement, datetime.date(2026, 9, 2), hours=6)
    services.rotation_move(placement=placement, actor=None, on=datetime.date(2026, 9, 3))
    work(placement, datetime.date(2026, 9, 4), hours=8)
    # then the first post is done with its 6 hours, the second is current
    progress = rotation_progress(placement.training, today=datetime.date(2026, 9, 5))
    assert [p["status"] for p in progress] == ["done", "current"]
    assert [p["done_hours"] for p in progress] == [Decimal("6.00"), Decimal("8.00")]
    assert progress[1]["post"] == second_post
    assert RotationAssignment.objects.filter(enrolment__plan=plan, status=RotationStatus.CURRENT).count() == 1


def test_a_move_to_a_post_forbidden_to_minors_is_refused_for_a_17_year_old():
    # given a 17-year-old whose rotation's second post involves lifting over 20 kg
    placement = PlacementFactory(active=True, student=StudentFactory(birth=datetime.date(2009, 6, 1)))
    risky = PostFactory(company=placement.post.company, hazard_tags=["heavy_lifting"])
    approved_plan(placement.pilot, [placement.post, risky])
    services.rotation_move(placement=placement, actor=None, on=datetime.date(2026, 9, 1))
    # when the coordinator moves them on
    with pytest.raises(ApplicationError) as exc:
        services.rotation_move(placement=placement, actor=None, on=datetime.date(2026, 10, 1))
    # then the move is refused by the minors' rule and nothing changed
    assert exc.value.code == "MINOR_FORBIDDEN_WORK"
    assert list(RotationAssignment.objects.values_list("status", flat=True)) == ["current"]


def test_the_coordinator_and_hr_see_who_is_behind_and_others_do_not(apprentice):
    from tests.factories.accounts import CoordinatorFactory, HrFactory

    services.rotation_move(placement=apprentice.placement, actor=apprentice.hr, on=datetime.date(2026, 9, 1))
    late = datetime.date(2026, 10, 15)  # the step plans 4 weeks
    assert [r["enrolment"].placement for r in behind_plan(apprentice.teacher, today=late)] == [
        apprentice.placement
    ]
    assert len(behind_plan(apprentice.hr, today=late)) == 1
    assert behind_plan(apprentice.hr, today=datetime.date(2026, 9, 20)) == []
    assert behind_plan(CoordinatorFactory(), today=late) == []
    assert behind_plan(HrFactory(), today=late) == []


def test_only_the_school_or_the_company_moves_a_rotation(apprentice):
    with pytest.raises(ApplicationError) as exc:
        services.rotation_move(placement=apprentice.placement, actor=apprentice.mentor)
    assert exc.value.status == 403
    assert RotationAssignment.objects.count() == 0
