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
        _forget_recent_on_change()
        if apps.is_installed("backend.subsidy"):
            from .holds import register_subsidy_hold

            register_subsidy_hold()  # an unresolved violation holds the placement's subsidy claim


def _forget_recent_on_change() -> None:
    """A saved or deleted policy version or holiday drops this process's recent copy (selectors.recent_*)."""
    from django.db.models.signals import post_delete, post_save

    from .models import Holiday, PolicyVersion
    from .selectors import recent_forget

    def policy_changed(**_kw: object) -> None:
        recent_forget(policies=True)

    def holiday_changed(instance: Holiday, **_kw: object) -> None:
        recent_forget(holiday_years=[instance.date.year])

    for name, signal in (("saved", post_save), ("deleted", post_delete)):
        signal.connect(policy_changed, sender=PolicyVersion, weak=False, dispatch_uid=f"recent-policy-{name}")
        signal.connect(holiday_changed, sender=Holiday, weak=False, dispatch_uid=f"recent-holiday-{name}")
