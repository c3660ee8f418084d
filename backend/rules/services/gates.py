"""The placement gate guard: every gate, checked when a placement is proposed and when it becomes active."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from backend.core.audit import audit_record
from backend.core.errors import ApplicationError
from backend.placements.models import Placement, PlacementStatus
from backend.rules import gates
from backend.rules.selectors import placement_gates_check

# A gate source gives more gate results for a placement at a stage (e.g. the checklist app's "八个事先"), so that
# rules never imports the app that owns them. Registered from the owning app's AppConfig.ready.
GateSource = Callable[[Placement, str], list[gates.GateResult]]
_GATE_SOURCES: list[GateSource] = []


def register_gate_source(source: GateSource) -> GateSource:
    if source not in _GATE_SOURCES:
        _GATE_SOURCES.append(source)
    return source


def gate_source_results(placement: Placement, stage: str) -> list[gates.GateResult]:
    return [result for source in _GATE_SOURCES for result in source(placement, stage)]


def gate_error(report: gates.GateReport) -> ApplicationError:
    errors = report.errors
    return ApplicationError(
        errors[0].code if len(errors) == 1 else "GATES_FAILED",
        "未通过准入检查：" + "；".join(e.message for e in errors),
        "the placement fails its gates: " + "; ".join(e.message_en for e in errors),
        details=report.as_dict(),
        status=409,
    )


def placement_gate_guard(placement: Placement, to: str) -> None:
    """Transition guard (registered in RulesConfig.ready): gates on propose and on activate."""
    if to == PlacementStatus.PROPOSED:
        stage = gates.PROPOSE
    elif to == PlacementStatus.ACTIVE:
        stage = gates.ACTIVATE
    else:
        return
    report = placement_gates_check(placement=placement, stage=stage)
    if not report.passed:
        raise gate_error(report)
    record = {
        "policy": report.policy_code,
        "stage": stage,
        "warnings": [w.as_dict() for w in report.warnings],
    }
    if placement.pk:
        audit_record(actor=None, action="rules.gates_passed", obj=placement, changes=record)
    else:  # proposed by placement_create: the row exists once the transaction commits
        transaction.on_commit(
            lambda: audit_record(actor=None, action="rules.gates_passed", obj=placement, changes=record)
        )
