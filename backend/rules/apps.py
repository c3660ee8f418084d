from django.apps import AppConfig, apps


class RulesConfig(AppConfig):
    name = "backend.rules"
    label = "rules"
    verbose_name = "规则与合规 Rules"

    def ready(self) -> None:
        from backend.placements.services import register_transition_guard

        from . import scopes  # noqa: F401  (registers who sees shifts and violations)
        from .services.gates import placement_gate_guard

        register_transition_guard(placement_gate_guard)
        if apps.is_installed("backend.subsidy"):
            from .holds import register_subsidy_hold

            register_subsidy_hold()  # an unresolved violation holds the placement's subsidy claim
