from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "school", "company", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (
            "xuetu",
            {
                "fields": (
                    "role",
                    "display_name",
                    "phone",
                    "school",
                    "company",
                    "mentor",
                    "student",
                    "guardian",
                )
            },
        ),
    )
    raw_id_fields = ("mentor", "student", "guardian")
