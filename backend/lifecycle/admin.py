from django.contrib import admin

from .models import Completion, InjuryReport, InsurerNotice, Pause, Termination


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written through the services only (status changes, notices, the ledger): the admin reads."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Pause)
class PauseAdmin(ReadOnlyAdmin):
    list_display = ("placement", "start_date", "end_date", "reason", "resumed_on")


@admin.register(Termination)
class TerminationAdmin(ReadOnlyAdmin):
    list_display = ("placement", "initiated_by", "reason", "effective_date", "status")
    list_filter = ("status", "reason")


@admin.register(Completion)
class CompletionAdmin(ReadOnlyAdmin):
    list_display = ("placement", "completed_on", "standard_reached")


@admin.register(InjuryReport)
class InjuryReportAdmin(ReadOnlyAdmin):
    list_display = (
        "placement",
        "occurred_at",
        "severity",
        "deadline_at",
        "authority_reported_at",
        "claim_status",
    )
    list_filter = ("severity", "claim_status")


@admin.register(InsurerNotice)
class InsurerNoticeAdmin(ReadOnlyAdmin):
    list_display = ("injury", "insurer", "policy_number", "email", "emailed_at")
