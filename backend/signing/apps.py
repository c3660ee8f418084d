from django.apps import AppConfig, apps


class SigningConfig(AppConfig):
    name = "backend.signing"
    label = "signing"
    verbose_name = "在线签署 Signing"

    def ready(self) -> None:
        from . import scopes  # noqa: F401  (registers who sees signature requests)

        if apps.is_installed("backend.subsidy"):
            from .holds import register_subsidy_hold

            register_subsidy_hold()  # an unsealed agreement holds the placement's subsidy claim
