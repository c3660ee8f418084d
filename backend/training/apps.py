from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "backend.training"
    label = "training"
    verbose_name = "培养标准 Training standard"

    def ready(self) -> None:
        from . import scopes  # noqa: F401  (registers the scope rules)
