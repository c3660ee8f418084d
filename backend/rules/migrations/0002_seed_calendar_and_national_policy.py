"""Seed the statutory calendar from the pinned chinesecalendar package and the national policy version."""

import datetime

from django.db import migrations


def seed(apps, schema_editor):
    from backend.rules.calendar import package_rows
    from backend.rules.policy import NATIONAL_DEFAULT

    Holiday = apps.get_model("rules", "Holiday")
    PolicyVersion = apps.get_model("rules", "PolicyVersion")
    existing = set(Holiday.objects.values_list("date", flat=True))
    Holiday.objects.bulk_create(
        [
            Holiday(date=r.date, kind=r.kind, name=r.name, name_zh=r.name_zh, source="chinesecalendar")
            for r in package_rows()
            if r.date not in existing
        ]
    )
    figures = NATIONAL_DEFAULT.to_dict()
    figures.pop("code")
    PolicyVersion.objects.get_or_create(
        code=NATIONAL_DEFAULT.code,
        defaults={
            "valid_from": datetime.date(2021, 12, 31),
            "figures": figures,
            "source": "职业学校学生实习管理规定（2021）；未成年工特殊保护规定；DOMAIN.md defaults",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("rules", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
