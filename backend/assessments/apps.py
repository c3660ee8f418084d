from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "backend.assessments"
    label = "assessments"
    verbose_name = "学徒考核 Assessments"

    def ready(self) -> None:
        from . import scopes  # noqa: F401  (registers the scope rules)
