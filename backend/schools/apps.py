from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "backend.schools"
    label = "schools"
    verbose_name = "学校 Schools"

    def ready(self) -> None:
        from . import scopes  # noqa: F401  (registers who sees schools, programs, cohorts, students and guardians)
