"""One place for each constant (issue 14)."""

from backend.core.audit import actor_user, jsonable
from backend.placements.models import Placement, PlacementStatus


def test_live_placement_statuses_are_the_ones_that_hold_a_place_and_are_not_choices():
    # then LIVE is every status that is not an end state, in lifecycle order, and is not itself a choice
    ends = {s for s, moves in Placement.ALLOWED_TRANSITIONS.items() if not moves}
    # (a paused placement keeps its post place and mentor: the apprentice comes back to them)
    assert PlacementStatus.LIVE == (
        PlacementStatus.PROPOSED,
        PlacementStatus.SIGNING,
        PlacementStatus.ACTIVE,
        PlacementStatus.PAUSED,
    )
    assert set(PlacementStatus.LIVE) == set(PlacementStatus) - ends - {PlacementStatus.COMPLETED}
    assert "LIVE" not in PlacementStatus.names and len(PlacementStatus.choices) == 6
    assert "active" in PlacementStatus.LIVE and "completed" not in PlacementStatus.LIVE


def test_actor_user_keeps_a_saved_user_and_drops_the_rest():
    class Saved:
        pk = 7

    class Unsaved:
        pk = None

    saved = Saved()
    assert actor_user(saved) is saved
    assert actor_user(Unsaved()) is None and actor_user(None) is None


def test_jsonable_turns_dates_decimals_and_models_into_json_values():
    import datetime
    from decimal import Decimal

    assert jsonable({"d": datetime.date(2026, 9, 1), "m": Decimal("1.50"), 3: [Decimal("2")]}) == {
        "d": "2026-09-01",
        "m": "1.50",
        "3": ["2"],
    }
