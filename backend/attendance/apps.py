from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "backend.attendance"
    label = "attendance"
    verbose_name = "考勤 Attendance"

    def ready(self) -> None:
        from . import scopes  # noqa: F401  (registers who sees work sites, clocks and the teacher's apprentices)
