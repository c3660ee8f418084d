from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "backend.matching"
    label = "matching"
    verbose_name = "志愿匹配 Matching"

    def ready(self) -> None:
        from . import scopes  # noqa: F401  (registers who sees preferences, runs and proposals)
