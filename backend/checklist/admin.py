"""Read-mostly admin: checklist rows are written through the services (portal, API), the admin is for looking."""

from django.contrib import admin

from .models import (
    ConsentDocument,
    ConsentRecord,
    Filing,
    HostApproval,
    HostVisit,
    PilotDocument,
    ProvinceApproval,
    SafetyTraining,
)


@admin.register(HostVisit)
class HostVisitAdmin(admin.ModelAdmin):
    list_display = ["company", "pilot", "visited_on", "visitors"]
    list_filter = ["visited_on"]
    search_fields = ["company__name", "visitors"]


@admin.register(HostApproval)
class HostApprovalAdmin(admin.ModelAdmin):
    list_display = ["company", "school", "approved_on", "approver", "reference"]
    search_fields = ["company__name", "reference"]


@admin.register(PilotDocument)
class PilotDocumentAdmin(admin.ModelAdmin):
    list_display = ["pilot", "kind", "version", "title", "created_at"]
    list_filter = ["kind"]
    readonly_fields = ["sha256"]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    list_display = ["placement", "student_signed_on", "guardian_name", "guardian_signed_on"]
    search_fields = ["placement__student__name", "guardian_name"]


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(admin.ModelAdmin):
    list_display = ["number", "placement", "version", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["number", "placement__student__name"]
    readonly_fields = ["placement", "version", "number", "status", "template_sha256", "pdf_sha256", "context"]


@admin.register(Filing)
class FilingAdmin(admin.ModelAdmin):
    list_display = ["reference", "pilot", "filed_on", "authority"]
    filter_horizontal = ["placements"]


@admin.register(SafetyTraining)
class SafetyTrainingAdmin(admin.ModelAdmin):
    list_display = ["held_on", "pilot", "hours", "trainer"]
    filter_horizontal = ["attendees"]


@admin.register(ProvinceApproval)
class ProvinceApprovalAdmin(admin.ModelAdmin):
    list_display = ["reference", "pilot", "department", "approved_on"]
    filter_horizontal = ["placements"]
