from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "backend.reports"
    label = "reports"
    verbose_name = "年检报告与数据上报 Reports"

    def ready(self) -> None:
        from . import scopes  # noqa: F401  (registers the scope rules of this app's models)
