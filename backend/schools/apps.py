from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "backend.schools"
    label = "schools"
    verbose_name = "学校 Schools"
