from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "backend.agreements"
    label = "agreements"
    verbose_name = "协议 Agreements"

    def ready(self) -> None:
        from . import scopes  # noqa: F401  (registers who sees agreements, batches and templates)
