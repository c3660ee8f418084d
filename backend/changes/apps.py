from django.apps import AppConfig


class ChangesConfig(AppConfig):
    name = "backend.changes"
    label = "changes"
    verbose_name = "变更 Changes"

    def ready(self) -> None:
        from backend.signing.sealing import register_sealed_hook

        from . import scopes  # noqa: F401  (registers who sees change requests)
        from .services import change_request_sealed_hook

        register_sealed_hook(change_request_sealed_hook)  # a sealed 补充协议 applies its change
