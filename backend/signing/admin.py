"""Read-only admin views: signing evidence is never edited by hand."""

from django.contrib import admin

from .models import SealedAgreement, Signature, SignatureRequest, SigningEnvelope


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SigningEnvelope)
class SigningEnvelopeAdmin(ReadOnlyAdmin):
    list_display = ["id", "revision", "status", "created_at"]
    list_filter = ["status"]


@admin.register(SignatureRequest)
class SignatureRequestAdmin(ReadOnlyAdmin):
    list_display = ["id", "envelope", "position", "party", "party_name", "status", "expires_at"]
    list_filter = ["status", "party"]


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ["id", "party", "typed_name", "signed_at", "ip_address", "verification_method"]


@admin.register(SealedAgreement)
class SealedAgreementAdmin(ReadOnlyAdmin):
    list_display = ["id", "envelope", "sha256", "sealed_at", "seconds"]
