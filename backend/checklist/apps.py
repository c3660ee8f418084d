from django.apps import AppConfig


class ChecklistConfig(AppConfig):
    name = "backend.checklist"
    label = "checklist"
    verbose_name = "八个事先 Pre-placement checklist"

    def ready(self) -> None:
        from backend.rules.services.gates import register_gate_source

        from . import scopes  # noqa: F401  (registers who sees the checklist)
        from .selectors import checklist_gate_results

        register_gate_source(checklist_gate_results)  # a placement is not activated while an item is missing
