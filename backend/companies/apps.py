from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "backend.companies"
    label = "companies"
    verbose_name = "企业 Companies"
