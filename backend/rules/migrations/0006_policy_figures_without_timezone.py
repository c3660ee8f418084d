"""Policy versions lose their "timezone" figure: every rule reads local days in backend.core.clock.RULES_ZONE
(Asia/Shanghai), the audit's SQL included, so a per-policy zone was a setting nothing could honour.

A stored version naming another zone is refused rather than silently reinterpreted."""

from django.db import migrations

ZONE = "Asia/Shanghai"


def forwards(apps, schema_editor):
    PolicyVersion = apps.get_model("rules", "PolicyVersion")
    for version in PolicyVersion.objects.all():
        figures = dict(version.figures or {})
        if "timezone" not in figures:
            continue
        if figures.pop("timezone") != ZONE:
            raise RuntimeError(
                f"policy version {version.code} sets a time zone other than {ZONE}; the rules run in {ZONE} only"
            )
        version.figures = figures
        version.save(update_fields=["figures"])


def backwards(apps, schema_editor):
    pass  # the figure is not restored: the code that read it is gone


class Migration(migrations.Migration):
    dependencies = [("rules", "0005_violation_fillfactor")]
    operations = [migrations.RunPython(forwards, backwards)]
