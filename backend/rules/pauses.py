"""Days the working-time audit skips: a placement's pauses (停岗/暂停, e.g. illness), owned by backend.lifecycle.

The app that records pauses registers a provider from its ``ready()`` (the rules app imports none of it). A
provider answers, for some placements (None: every placement) and an inclusive range of local days, each
placement's paused (first, last) periods clipped to that range. Both audit paths read them: the SQL audit
(PostgreSQL) drops the shift pieces on paused days before it sums days and weeks, the Python audit cuts them away
with ``worktime.without_days``; a pause's days thus produce no DAILY_HOURS, NIGHT_WORK, WEEKLY_HOURS, ... finding,
and count as rest days."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence

PausedPeriods = dict[int, list[tuple[datetime.date, datetime.date]]]
PauseProvider = Callable[[Sequence[int] | None, datetime.date, datetime.date], PausedPeriods]
_PROVIDERS: list[PauseProvider] = []


def register_pause_provider(provider: PauseProvider) -> PauseProvider:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def paused_periods(
    *, placement_ids: Sequence[int] | None, lo: datetime.date, hi: datetime.date
) -> PausedPeriods:
    """Every registered provider's paused periods within lo..hi, merged per placement."""
    out: PausedPeriods = {}
    for provider in _PROVIDERS:
        for placement_id, periods in provider(placement_ids, lo, hi).items():
            out.setdefault(placement_id, []).extend(periods)
    return out
