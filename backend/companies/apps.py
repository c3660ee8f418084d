from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "backend.companies"
    label = "companies"
    verbose_name = "企业 Companies"

    def ready(self) -> None:
        from . import scopes  # noqa: F401  (registers who sees companies, posts and mentors)
