from django.apps import AppConfig


class PlacementsConfig(AppConfig):
    name = "backend.placements"
    label = "placements"
    verbose_name = "学徒岗位 Placements"
