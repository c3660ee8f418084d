"""The small world the tests of placements by hand share: one school's pilot with one company, a post with room,
its mentor, an unplaced second-year student and the school's coordinator."""

from typing import Any

from tests.factories.accounts import CoordinatorFactory
from tests.factories.companies import MentorFactory, PostFactory
from tests.factories.placements import PilotProjectFactory, PlacementFactory
from tests.factories.schools import CohortFactory, StudentFactory


def manual_world(
    *, post_title: str = "数控车工", mentor_name: str = "赵师傅", student_name: str = "插班生"
) -> dict[str, Any]:
    post = PostFactory(staff_on_post=50, company__staff_count=500, title=post_title)
    mentor = MentorFactory(company=post.company, post=post, name=mentor_name)
    pilot = PilotProjectFactory(companies=[post.company])
    cohort = CohortFactory(program=pilot.program, entry_year=2024)
    return {
        "post": post,
        "mentor": mentor,
        "pilot": pilot,
        "cohort": cohort,
        "student": StudentFactory(cohort=cohort, name=student_name),
        "coordinator": CoordinatorFactory(school=pilot.school, display_name="陈老师"),
    }


def give_apprentices(world: dict[str, Any], mentor: Any, n: int = 5, **traits: Any) -> None:
    """`n` placements of other students of the world's cohort with `mentor` on the world's post."""
    for _ in range(n):
        PlacementFactory(
            pilot=world["pilot"],
            post=world["post"],
            mentor=mentor,
            student__cohort=world["cohort"],
            **traits,
        )
