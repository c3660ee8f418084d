from django.apps import AppConfig


class PlacementsConfig(AppConfig):
    name = "backend.placements"
    label = "placements"
    verbose_name = "学徒岗位 Placements"

    def ready(self) -> None:
        from . import scopes  # noqa: F401  (registers who sees pilots, placements, their stages, events, insurance and health checks)
