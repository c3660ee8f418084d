from django.contrib import admin

from .models import Account, Claim, DisbursementBatch, JournalEntry, PilotBudget, SubsidyPolicy


@admin.register(SubsidyPolicy)
class SubsidyPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "valid_from", "mentor_reward", "company_costs", "trigger")


@admin.register(PilotBudget)
class PilotBudgetAdmin(admin.ModelAdmin):
    list_display = ("pilot", "year", "amount")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money moves only through the services; the admin shows, never edits."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ("student", "pilot", "company", "mentor", "amount", "status", "held", "budget_year")
    list_filter = ("status", "held", "budget_year")


@admin.register(DisbursementBatch)
class DisbursementBatchAdmin(ReadOnlyAdmin):
    list_display = ("reference", "paid_on", "total")


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "memo", "posted_at", "claim")
    list_filter = ("kind",)


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("code", "kind", "name")
