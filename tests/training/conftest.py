import pytest


@pytest.fixture(autouse=True)
def _default_policy_and_rule(request):
    """The default subsidy policy and assessment rule are seeded by migrations; a transactional test's flush (or a
    reused test database) may have removed them, so database tests put them back."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    from backend.assessments.services import assessment_rule_ensure_default
    from backend.subsidy.services import subsidy_policy_ensure_default

    assessment_rule_ensure_default()
    subsidy_policy_ensure_default()
