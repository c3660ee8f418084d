from django.contrib import admin

from .models import (
    AttendanceRecord,
    LeaveRequest,
    MakeUpRequest,
    SealedAttendanceRecord,
    TeacherAssignment,
    WorkPeriod,
    WorkSite,
    WorkSitePost,
)


class WorkSitePostInline(admin.TabularInline):
    model = WorkSitePost
    extra = 0


@admin.register(WorkSite)
class WorkSiteAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "address", "active"]
    list_filter = ["active"]
    search_fields = ["name", "company__name"]
    exclude = ["secret"]  # never shown or exported
    inlines = [WorkSitePostInline]


@admin.register(TeacherAssignment)
class TeacherAssignmentAdmin(admin.ModelAdmin):
    list_display = ["placement", "teacher", "created_at"]
    raw_id_fields = ["placement", "teacher", "assigned_by"]


@admin.register(WorkPeriod)
class WorkPeriodAdmin(admin.ModelAdmin):
    list_display = ["student", "day", "status", "corrected", "student_response"]
    list_filter = ["status", "corrected"]
    readonly_fields = [f.name for f in WorkPeriod._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(AttendanceRecord)
class AttendanceRecordAdmin(admin.ModelAdmin):
    list_display = ["placement", "seq", "day", "event", "hash"]
    readonly_fields = [f.name for f in AttendanceRecord._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Decided through the services (the portal and the API) only: the admin reads."""

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(MakeUpRequest)
class MakeUpRequestAdmin(_ReadOnlyAdmin):
    list_display = ["student", "day", "kind", "status", "decided_by"]
    list_filter = ["status", "kind"]


@admin.register(LeaveRequest)
class LeaveRequestAdmin(_ReadOnlyAdmin):
    list_display = ["student", "kind", "start_date", "end_date", "hours", "status"]
    list_filter = ["status", "kind"]


@admin.register(SealedAttendanceRecord)
class SealedAttendanceRecordAdmin(_ReadOnlyAdmin):
    list_display = ["placement", "sealed_at", "periods", "total_hours", "sha256"]
