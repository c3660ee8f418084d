from django.contrib import admin

from .models import Evaluation, SignOff, TrainingEnrolment, TrainingPlan


@admin.register(TrainingPlan)
class TrainingPlanAdmin(admin.ModelAdmin):
    list_display = ["title", "pilot", "version", "valid_from", "status"]
    list_filter = ["status"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # a version is never edited: propose a new one


@admin.register(TrainingEnrolment)
class TrainingEnrolmentAdmin(admin.ModelAdmin):
    list_display = ["placement", "plan", "standard_reached_at"]
    readonly_fields = ["placement", "plan", "standard_reached_at", "evidence"]


@admin.register(SignOff)
class SignOffAdmin(admin.ModelAdmin):
    list_display = ["enrolment", "competency", "status", "mentor_at", "teacher_at"]
    list_filter = ["status"]

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # withdrawn, never deleted


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ["enrolment", "party", "grade", "points", "status"]
    list_filter = ["party", "status"]

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # revoked, never deleted
