from django.apps import AppConfig


class ChecklistConfig(AppConfig):
    name = "backend.checklist"
    label = "checklist"
    verbose_name = "八个事先 Pre-placement checklist"

    def ready(self) -> None:
        from backend.rules.services.gates import register_gate_source
        from backend.signing.agreement_source import register_document_source
        from backend.signing.sealing import register_sealed_hook

        from . import scopes  # noqa: F401  (registers who sees the checklist)
        from .consent import consent_signing_source
        from .models import ConsentDocument
        from .selectors import checklist_gate_results
        from .services import consent_document_sealed_hook

        register_gate_source(checklist_gate_results)  # a placement is not activated while an item is missing
        # the informed-consent form is signed and sealed like an agreement (backend.signing)
        register_document_source(ConsentDocument, consent_signing_source())
        register_sealed_hook(consent_document_sealed_hook)
