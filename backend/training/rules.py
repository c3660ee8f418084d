"""The training standard's arithmetic: pure functions over plain values (no ORM, no clock).

Grades map to points (优秀 95, 良好 85, 合格 70, 不合格 40) so that a scheme on either scale combines its parties'
results by weight; the combined points map back to a grade (>= 90 优秀, >= 80 良好, >= the pass line 合格)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

GRADE_POINTS = {
    "excellent": Decimal("95"),
    "good": Decimal("85"),
    "pass": Decimal("70"),
    "fail": Decimal("40"),
}
GRADE_FLOORS = (("excellent", Decimal("90")), ("good", Decimal("80")))
CENT = Decimal("0.01")


@dataclass(frozen=True)
class SchemeFigures:
    scale: str  # "grades" | "points"
    pass_points: Decimal
    weights: Mapping[str, Decimal]  # party -> weight
    required: frozenset[str]


@dataclass(frozen=True)
class Result:
    """One party's result: a grade on the grade scale, points on the points scale."""

    grade: str = ""
    points: Decimal | None = None

    def as_points(self) -> Decimal:
        if self.points is not None:
            return Decimal(self.points)
        return GRADE_POINTS[self.grade]


@dataclass(frozen=True)
class Combined:
    complete: bool
    passed: bool
    points: Decimal | None
    grade: str
    missing: tuple[str, ...] = ()
    failing: tuple[str, ...] = ()


def grade_for(points: Decimal, pass_points: Decimal) -> str:
    for grade, floor in GRADE_FLOORS:
        if points >= floor and points >= pass_points:
            return grade
    return "pass" if points >= pass_points else "fail"


def result_passes(result: Result, scheme: SchemeFigures) -> bool:
    if result.grade and result.points is None:
        return result.grade != "fail"
    return result.as_points() >= scheme.pass_points


def combine(scheme: SchemeFigures, results: Mapping[str, Result]) -> Combined:
    """Every required party present and passing, and the weighted mean of the parties present at the pass line."""
    missing = tuple(sorted(p for p in scheme.required if p not in results))
    failing = tuple(
        sorted(p for p, r in results.items() if p in scheme.required and not result_passes(r, scheme))
    )
    weighted = {p: scheme.weights.get(p, Decimal("0")) for p in results}
    total_weight = sum(weighted.values(), Decimal("0"))
    if not results:
        return Combined(False, False, None, "", missing, failing)
    if total_weight > 0:
        points = sum((results[p].as_points() * w for p, w in weighted.items()), Decimal("0")) / total_weight
    else:
        points = sum((r.as_points() for r in results.values()), Decimal("0")) / len(results)
    points = points.quantize(CENT, rounding=ROUND_HALF_UP)
    complete = not missing
    passed = complete and not failing and points >= scheme.pass_points
    return Combined(complete, passed, points, grade_for(points, scheme.pass_points), missing, failing)


@dataclass(frozen=True)
class StepProgress:
    order: int
    planned_hours: Decimal
    done_hours: Decimal
    finished: bool  # the apprentice moved on from this step (or finished the last one)


def rotation_complete(steps: Iterable[StepProgress]) -> bool:
    steps = list(steps)
    return bool(steps) and all(s.finished and s.done_hours >= s.planned_hours for s in steps)


@dataclass(frozen=True)
class Standard:
    reached: bool
    missing_competencies: tuple[str, ...] = ()
    evaluation: Combined | None = None
    rotation_complete: bool = False
    reasons: tuple[str, ...] = field(default=())


def standard_reached(
    *,
    required_competencies: Iterable[str],
    confirmed_competencies: Iterable[str],
    evaluation: Combined,
    rotation: Iterable[StepProgress],
) -> Standard:
    """Reached exactly when every required competency is confirmed by both mentors, the evaluations are complete and
    passing, and the rotation is complete. A competency signed by the mentor alone is not in `confirmed`."""
    confirmed = set(confirmed_competencies)
    missing = tuple(sorted(c for c in required_competencies if c not in confirmed))
    rotation_done = rotation_complete(rotation)
    reasons = []
    if missing:
        reasons.append("competencies")
    if not evaluation.passed:
        reasons.append("evaluations")
    if not rotation_done:
        reasons.append("rotation")
    return Standard(not reasons, missing, evaluation, rotation_done, tuple(reasons))


def behind_plan(*, started_on: datetime.date, weeks: int, finished: bool, today: datetime.date) -> bool:
    """A step is behind when its planned weeks have passed and the apprentice has not moved on."""
    return not finished and today > started_on + datetime.timedelta(weeks=weeks)
