from typing import Any

from django.apps import AppConfig, apps
from django.core import checks


class SubsidyConfig(AppConfig):
    name = "backend.subsidy"
    label = "subsidy"
    verbose_name = "学徒补助 Subsidy ledger"

    def ready(self) -> None:
        from . import holds, scopes  # noqa: F401  (registers scope rules and this app's own hold checks)
        from .services import register_assessment_hooks

        register_assessment_hooks()
        if not apps.is_installed("backend.signing"):
            holds.register_hold_check("AGREEMENT_NOT_SEALED")(holds.placement_activation_check)
        checks.register(hold_checks_registered)


def hold_checks_registered(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """subsidy.E001: an installed app that owns a hold (rules, signing) has not registered its check."""
    from .holds import missing_hold_checks

    return [
        checks.Error(
            f"the hold check {code} is not registered by the app that owns it",
            hint="register it with backend.subsidy.holds.register_hold_check in that app's ready()",
            id="subsidy.E001",
        )
        for code in missing_hold_checks()
    ]
