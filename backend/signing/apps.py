from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "backend.signing"
    label = "signing"
    verbose_name = "在线签署 Signing"

    def ready(self) -> None:
        from . import scopes  # noqa: F401  (registers who sees signature requests)
