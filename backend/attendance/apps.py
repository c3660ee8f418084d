from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "backend.attendance"
    label = "attendance"
    verbose_name = "考勤 Attendance"

    def ready(self) -> None:
        from . import rules_bridge, scopes  # noqa: F401  (registers who sees work sites, clocks and the teacher's apprentices)

        rules_bridge.register_leave_absence()  # approved leave days count as no work in the rules' audits
        from backend.signing.sealing import register_sealed_lookup

        from .record import verify_lookup

        register_sealed_lookup(verify_lookup)  # /verify recognises a sealed attendance record
