from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    name = "backend.lifecycle"
    label = "lifecycle"
    verbose_name = "暂停、终止与事故 Lifecycle"

    def ready(self) -> None:
        from backend.placements.services import register_transition_guard
        from backend.rules.pauses import register_pause_provider

        from . import scopes  # noqa: F401  (registers who sees pauses, endings and injuries)
        from .selectors import paused_periods
        from .services import pause_transition_guard

        register_transition_guard(pause_transition_guard)
        register_pause_provider(paused_periods)  # the working-time audit skips paused days
