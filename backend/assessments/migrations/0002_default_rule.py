import datetime
from decimal import Decimal

from django.db import migrations


def default_rule(apps, schema_editor):
    AssessmentRule = apps.get_model("assessments", "AssessmentRule")
    AssessmentRule.objects.get_or_create(
        valid_from=datetime.date(2015, 1, 1),
        defaults={
            "name": "学徒培养标准考核(默认): 师傅、学校、企业三方签认, 平均分60分合格",
            "required_parties": ["mentor", "teacher", "company"],
            "pass_mark": Decimal("60.00"),
            "method": "mean",
            "weights": {},
            "include_optional_parties": True,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunPython(default_rule, migrations.RunPython.noop)]
