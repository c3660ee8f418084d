from django.contrib import admin

from .models import Holiday, PolicyVersion, ResolutionProposal, ShiftException, Violation


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """Admins extend the calendar here for a year the chinesecalendar package does not cover yet."""

    list_display = ("date", "kind", "name_zh", "name", "source")
    list_filter = ("kind", "source")
    date_hierarchy = "date"


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    list_display = ("code", "pilot", "valid_from", "source")


@admin.register(ShiftException)
class ShiftExceptionAdmin(admin.ModelAdmin):
    list_display = ("placement", "rule_code", "period_start", "period_end", "authority_reference", "approver")


@admin.register(Violation)
class ViolationAdmin(admin.ModelAdmin):
    list_display = ("placement", "rule_code", "period_start", "severity", "status", "last_seen")
    list_filter = ("rule_code", "status", "severity")
    readonly_fields = [f.name for f in Violation._meta.fields]


@admin.register(ResolutionProposal)
class ResolutionProposalAdmin(admin.ModelAdmin):
    """Read-only: proposals are decided by the school in the portal or the API (services/violations.py)."""

    list_display = ("violation", "status", "proposed_by", "decided_by", "created_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in ResolutionProposal._meta.fields]
