from django.contrib import admin

from .models import Bureau, Cohort, Guardian, Program, School, Student


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "region")
    search_fields = ("name", "code")


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ("name", "school", "years")
    list_filter = ("school",)
    search_fields = ("name",)


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ("program", "entry_year")
    list_filter = ("entry_year", "program__school")


class GuardianInline(admin.TabularInline):
    model = Guardian
    extra = 0


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = ("name", "school", "cohort", "class_name", "birth_date", "sex")
    list_filter = ("school", "cohort__entry_year", "sex")
    search_fields = ("name", "resident_id", "student_number")
    readonly_fields = ("birth_date", "sex")
    inlines = [GuardianInline]


@admin.register(Guardian)
class GuardianAdmin(admin.ModelAdmin):
    list_display = ("name", "relation", "student", "phone")
    search_fields = ("name", "phone", "student__name")


@admin.register(Bureau)
class BureauAdmin(admin.ModelAdmin):
    list_display = ("name", "region")
    search_fields = ("name", "region")
    filter_horizontal = ("schools", "members")
