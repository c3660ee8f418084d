from django.contrib import admin

from .models import JournalEntry, JournalReview, JournalRevision, JournalRule, TeacherVisit


@admin.register(JournalRule)
class JournalRuleAdmin(admin.ModelAdmin):
    list_display = [
        "pilot",
        "weekly_required",
        "daily_required",
        "term_min",
        "deadline_days",
        "deadline_hour",
    ]
    raw_id_fields = ["pilot"]


class JournalReviewInline(admin.TabularInline):
    model = JournalReview
    extra = 0
    can_delete = False
    readonly_fields = ["reviewer", "reviewer_role", "action", "comment", "entry_version", "created_at"]


class JournalRevisionInline(admin.TabularInline):
    model = JournalRevision
    extra = 0
    can_delete = False
    readonly_fields = ["version", "content", "created_at"]


@admin.register(JournalEntry)
class JournalEntryAdmin(admin.ModelAdmin):
    list_display = ["student", "kind", "period_start", "status", "late", "version"]
    list_filter = ["kind", "status", "late"]
    search_fields = ["student__name"]
    readonly_fields = [f.name for f in JournalEntry._meta.fields]
    inlines = [JournalRevisionInline, JournalReviewInline]


@admin.register(TeacherVisit)
class TeacherVisitAdmin(admin.ModelAdmin):
    list_display = ["visited_on", "company", "teacher", "placement", "place"]
    raw_id_fields = ["school", "teacher", "company", "placement"]
