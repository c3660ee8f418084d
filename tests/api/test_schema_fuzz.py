"""The schema tells the truth: schemathesis generates requests for every operation of /api/v1/ from the OpenAPI
schema, as a coordinator, an HR user and a student, on a small factory world, and checks that no answer is a
server error and that every answer conforms to the documented response schema.

A handful of examples per operation with a fixed seed (derandomized), no shrinking: about a minute per role on
a 2-core machine. Run alone with `pytest -m schema`; set XUETU_SCHEMA_EXAMPLES for a longer local run.
"""

import contextlib
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from backend.config.wsgi import application
from backend.placements.models import PlacementStatus
from tests.factories.accounts import CoordinatorFactory, HrFactory, StudentUserFactory
from tests.factories.placements import (
    HealthCheckFactory,
    InsurancePolicyFactory,
    PilotProjectFactory,
    PlacementFactory,
    PlacementStageFactory,
)
from tests.factories.schools import GuardianFactory
from tests.factories.subsidy import accrued_claim, covered_placement

pytestmark = [pytest.mark.schema, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("XUETU_SCHEMA_EXAMPLES", "4"))
# positive (the suite: valid requests) or negative (a local hunt: invalid ones, which must still not be a 500)
MODE = schemathesis.GenerationMode(os.environ.get("XUETU_SCHEMA_MODE", "positive"))
SEED = 20261201
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def world() -> dict[str, Any]:
    """One school and one company with a pilot, two placements (one active) with a stage, a health check and an
    insurance policy, a guardian; one user per role; and, per resource, the id its {id} operations address."""
    active = PlacementFactory(status=PlacementStatus.ACTIVE)
    PlacementFactory(pilot=active.pilot, post=active.post, mentor=active.mentor)
    guardian = GuardianFactory(student=active.student)
    PilotProjectFactory(school=active.pilot.school, program=active.pilot.program)
    student = active.student
    # an accrued subsidy claim (and its assessment and sealed agreement) on a second placement of the company
    claim = accrued_claim(
        placement=covered_placement(pilot=active.pilot, post=active.post, mentor=active.mentor)
    )
    for name in ("agreements/docx/test.docx", "agreements/pdf/test.pdf", "agreements/sealed/test.pdf"):
        if not default_storage.exists(name):  # the files the sealed rows name
            default_storage.save(name, ContentFile(b"%PDF-1.4 test" if name.endswith(".pdf") else b"PK test"))
    return {
        "coordinator": CoordinatorFactory(school=active.pilot.school),
        "hr": HrFactory(company=active.post.company),
        "student": StudentUserFactory(student=student, school=student.school),
        "ids": {
            "schools": student.school_id,
            "programs": student.cohort.program_id,
            "cohorts": student.cohort_id,
            "students": student.pk,
            "guardians": guardian.pk,
            "companies": active.post.company_id,
            "posts": active.post_id,
            "mentors": active.mentor_id,
            "pilots": active.pilot_id,
            "placements": active.pk,
            "placement-stages": PlacementStageFactory(placement=active).pk,
            "health-checks": HealthCheckFactory(student=student).pk,
            "insurance-policies": InsurancePolicyFactory(placement=active).pk,
            "subsidy-claims": claim.pk,
            "assessments": claim.assessment_id,
            "agreements": claim.placement.agreements.get().pk,
        },
    }


@pytest.fixture
def api_schema(db: Any) -> Iterator[Any]:
    """The schema, served by the WSGI application, which then answers the generated requests in-process. Like
    Django's test client, keep the request signals from closing the test's database connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def operations(schema: Any) -> list[Any]:
    """Every operation, deletions last (so the world's objects are there for the others)."""
    every = [result.ok() for result in schema.get_all_operations()]
    return sorted(every, key=lambda op: op.method.lower() == "delete")


def strategy(operation: Any, ids: dict[str, int]) -> Any:
    """Generated requests; an {id} of a resource the world holds addresses that object (a random id only ever
    finds nothing)."""
    resource = operation.path.removeprefix("/api/v1/").split("/")[0]
    if "{id}" in operation.path and resource in ids:
        return operation.as_strategy(MODE, path_parameters={"id": ids[resource]})
    return operation.as_strategy(MODE)


def fuzz(operation: Any, cases: Any, headers: dict[str, str], statuses: Counter, checks: list) -> list[str]:
    """Run the examples of one operation; return what failed (each failure once), never raise."""
    failures: list[str] = []

    @hypothesis.settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.seed(SEED)
    @hypothesis.given(case=cases)
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except (
            Exception,
            BaseExceptionGroup,
        ) as exc:  # a check failed: keep each distinct failure's headline
            for failure in getattr(exc, "exceptions", [exc]):
                lines = [line.strip() for line in str(failure).splitlines() if line.strip()]
                summary = f"{operation.method.upper()} {operation.path}: {' / '.join(lines[:2])[:300]}"
                if summary not in failures:
                    failures.append(summary)

    # negative mode: an operation without anything to get wrong generates nothing
    with contextlib.suppress(hypothesis.errors.Unsatisfiable):
        run()
    return failures


@pytest.mark.parametrize("role", ["coordinator", "hr", "student"])
def test_every_operation_answers_without_a_server_error_and_as_documented(world, api_schema, role):
    # given a token for the role
    token = Token.objects.create(user=world[role])
    headers = {"Authorization": f"Token {token.key}"}
    # when every operation is called with generated requests
    failures: list[str] = []
    statuses: Counter = Counter()
    count = 0
    for operation in operations(api_schema):
        count += 1
        failures.extend(fuzz(operation, strategy(operation, world["ids"]), headers, statuses, CHECKS))
    # then
    print(
        f"schemathesis: {count} operations, {statuses.total()} requests as {role}: {dict(sorted(statuses.items()))}"
    )
    assert count >= 190
    assert failures == [], "\n".join(failures)
