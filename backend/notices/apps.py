from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "backend.notices"
    label = "notices"
    verbose_name = "通知 Notices"

    def ready(self) -> None:
        from . import scopes  # noqa: F401  (registers who sees notices)
