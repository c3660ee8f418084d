"""The pass rule as a pure function: the rule's figures and the signed scores in, the decision out. No ORM."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class RuleFigures:
    required_parties: Sequence[str]
    pass_mark: Decimal
    method: str = "mean"  # mean | weighted | minimum
    weights: Mapping[str, Decimal] = field(default_factory=dict)
    include_optional_parties: bool = True


@dataclass(frozen=True)
class Decision:
    complete: bool  # every required party signed off
    missing: tuple[str, ...]
    final_score: Decimal | None
    passed: bool | None  # None while incomplete


def final_score(figures: RuleFigures, scores: Mapping[str, Decimal]) -> Decimal:
    counted = {
        p: Decimal(s)
        for p, s in scores.items()
        if p in figures.required_parties or figures.include_optional_parties
    }
    if not counted:
        return Decimal("0.00")
    if figures.method == "minimum":
        value = min(counted.values())
    elif figures.method == "weighted":
        weights = {p: Decimal(str(figures.weights.get(p, 0))) for p in counted}
        total = sum(weights.values(), Decimal("0"))
        if total <= 0:
            raise ValueError("weighted rule without positive weights for the scoring parties")
        value = sum((counted[p] * w for p, w in weights.items()), Decimal("0")) / total
    else:
        value = sum(counted.values(), Decimal("0")) / len(counted)
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def decide(figures: RuleFigures, scores: Mapping[str, Decimal]) -> Decision:
    missing = tuple(p for p in figures.required_parties if p not in scores)
    if missing:
        return Decision(complete=False, missing=missing, final_score=None, passed=None)
    score = final_score(figures, scores)
    return Decision(complete=True, missing=(), final_score=score, passed=score >= figures.pass_mark)
