"""Money and period maths as pure functions over values: no ORM, no clock."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")


def fen(value: Decimal | int | str) -> Decimal:
    """Yuan with fen precision. Refuses a fraction of a fen (never rounds public money silently) and floats."""
    if isinstance(value, float):
        raise TypeError("money is never a float")
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    quantized = amount.quantize(FEN, rounding=ROUND_HALF_UP)
    if quantized != amount:
        raise ValueError(f"{value} has a fraction of a fen")
    return quantized


@dataclass(frozen=True)
class Split:
    mentor_reward: Decimal
    company_costs: Decimal

    @property
    def total(self) -> Decimal:
        return self.mentor_reward + self.company_costs


def grant_split(mentor_reward: Decimal, company_costs: Decimal) -> Split:
    """The grant for one apprentice: the mentor's reward (带徒师傅奖励) and the company's utilities (水电、耗材)."""
    split = Split(fen(mentor_reward), fen(company_costs))
    if split.mentor_reward < 0 or split.company_costs < 0:
        raise ValueError("a grant's parts are never negative")
    return split


def coverage_gaps(
    start: datetime.date, end: datetime.date, intervals: Iterable[tuple[datetime.date, datetime.date]]
) -> list[tuple[datetime.date, datetime.date]]:
    """The days of [start, end] (inclusive) not covered by any of the inclusive intervals."""
    gaps: list[tuple[datetime.date, datetime.date]] = []
    cursor = start
    for s, e in sorted(intervals):
        if e < cursor:
            continue
        if s > end:
            break
        if s > cursor:
            gaps.append((cursor, min(end, s - datetime.timedelta(days=1))))
        cursor = max(cursor, e + datetime.timedelta(days=1))
        if cursor > end:
            return gaps
    if cursor <= end:
        gaps.append((cursor, end))
    return gaps


def budget_admits(
    *, budget: Decimal, committed: Decimal, waiting_before: Sequence[Decimal], amount: Decimal
) -> tuple[bool, str]:
    """Can a claim of `amount` be approved? Earlier eligible claims keep their place in the queue.

    Returns (admitted, reason) where reason is "" | "BUDGET_EXHAUSTED" | "BUDGET_QUEUE"."""
    remaining = budget - committed
    if amount > remaining:
        return False, "BUDGET_EXHAUSTED"
    if amount > remaining - sum(waiting_before, Decimal("0")):
        return False, "BUDGET_QUEUE"
    return True, ""


def fifo_admitted(*, budget: Decimal, committed: Decimal, queue: Sequence[Decimal]) -> int:
    """How many claims at the head of the queue fit in the budget, in order (the first that does not fit stops it)."""
    remaining = budget - committed
    count = 0
    for amount in queue:
        if amount > remaining:
            break
        remaining -= amount
        count += 1
    return count
