from django.apps import AppConfig


class SubsidyConfig(AppConfig):
    name = "backend.subsidy"
    label = "subsidy"
    verbose_name = "学徒补助 Subsidy ledger"

    def ready(self) -> None:
        from . import holds, scopes  # noqa: F401  (registers scope rules and the default hold checks)
        from .services import register_assessment_hooks

        register_assessment_hooks()
