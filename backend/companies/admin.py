from django.contrib import admin

from .models import Company, Mentor, Post


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "staff_count", "annual_revenue")
    search_fields = ("name", "credit_code")


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ("title", "company", "capacity", "staff_on_post", "monthly_wage")
    list_filter = ("company",)
    search_fields = ("title",)


@admin.register(Mentor)
class MentorAdmin(admin.ModelAdmin):
    list_display = ("name", "company", "post", "title")
    list_filter = ("company",)
    search_fields = ("name",)
