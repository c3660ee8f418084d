from django.contrib import admin

from .models import HealthCheck, InsurancePolicy, PilotProject, Placement, PlacementEvent, PlacementStage


@admin.register(PilotProject)
class PilotProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "school", "program", "form", "year")
    list_filter = ("year", "form", "school")
    filter_horizontal = ("companies",)


class StageInline(admin.TabularInline):
    model = PlacementStage
    extra = 0


class EventInline(admin.TabularInline):
    model = PlacementEvent
    extra = 0
    readonly_fields = ("at", "actor", "from_status", "to_status", "note")
    can_delete = False


@admin.register(Placement)
class PlacementAdmin(admin.ModelAdmin):
    list_display = ("student", "post", "mentor", "status", "start_date", "end_date")
    list_filter = ("status", "pilot")
    search_fields = ("student__name", "post__title")
    # Status changes go through placement_transition (gates, event log), never a form edit.
    readonly_fields = ("status",)
    inlines = [StageInline, EventInline]


@admin.register(PlacementStage)
class PlacementStageAdmin(admin.ModelAdmin):
    list_display = ("placement", "number", "name", "company_start", "company_end")


@admin.register(PlacementEvent)
class PlacementEventAdmin(admin.ModelAdmin):
    list_display = ("placement", "at", "from_status", "to_status", "actor")
    readonly_fields = ("placement", "at", "actor", "from_status", "to_status", "note")


@admin.register(HealthCheck)
class HealthCheckAdmin(admin.ModelAdmin):
    list_display = ("student", "hospital", "level", "date", "fit_for_work")
    list_filter = ("level",)


@admin.register(InsurancePolicy)
class InsurancePolicyAdmin(admin.ModelAdmin):
    list_display = ("placement", "kind", "insurer", "policy_number", "start_date", "end_date")
    list_filter = ("kind",)
