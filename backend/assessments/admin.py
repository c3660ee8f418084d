from django.contrib import admin

from .models import Assessment, AssessmentRule, PlacementRating


@admin.register(AssessmentRule)
class AssessmentRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "valid_from", "pass_mark", "method")


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ("placement", "status", "final_score", "decided_at")
    list_filter = ("status",)
    # Scores, decisions and revocations go through the services.
    readonly_fields = ("status", "final_score", "decided_at", "revoked_at", "revoke_reason", "revoked_by")


admin.site.register(PlacementRating)
