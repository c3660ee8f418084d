from django.apps import AppConfig, apps


class TrainingConfig(AppConfig):
    name = "backend.training"
    label = "training"
    verbose_name = "培养标准 Training standard"

    def ready(self) -> None:
        from . import scopes  # noqa: F401  (registers the scope rules)

        if apps.is_installed("backend.subsidy"):
            from backend.subsidy.services import register_standard_rule

            from .selectors import held_to_standard

            register_standard_rule(held_to_standard)  # the standard, not an assessment, earns the grant
        if apps.is_installed("backend.signing"):
            from backend.signing.sealing import register_sealed_lookup

            from .dossier import verify_lookup

            register_sealed_lookup(verify_lookup)  # /verify answers for a sealed apprentice record
