from django.apps import AppConfig


class JournalsConfig(AppConfig):
    name = "backend.journals"
    label = "journals"
    verbose_name = "日报周记与走访 Journals"

    def ready(self) -> None:
        from . import scopes  # noqa: F401  (registers who sees journals, reviews, photos and visits)
