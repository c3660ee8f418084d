"""PostgreSQL indexes for the set-based audit (skipped on SQLite, where the audit runs in Python).

- rules_shift_local_day: (placement, kind, local day in Asia/Shanghai) INCLUDE (start_at, end_at): the day pass
  reads it in order with an index-only scan and sums placement-days without sorting or hashing.
- rules_shift_crossing: a partial index of the few shifts that cross local midnight.
"""

from django.db import migrations

CREATE = [
    "CREATE INDEX IF NOT EXISTS rules_shift_local_day ON rules_shift "
    "(placement_id, kind, ((start_at AT TIME ZONE 'Asia/Shanghai')::date)) INCLUDE (start_at, end_at)",
    "CREATE INDEX IF NOT EXISTS rules_shift_crossing ON rules_shift (placement_id) INCLUDE (kind, start_at, end_at) "
    "WHERE (end_at AT TIME ZONE 'Asia/Shanghai')::date > (start_at AT TIME ZONE 'Asia/Shanghai')::date",
]
DROP = ["DROP INDEX IF EXISTS rules_shift_local_day", "DROP INDEX IF EXISTS rules_shift_crossing"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("rules", "0002_seed_calendar_and_national_policy")]
    operations = [migrations.RunPython(forwards, backwards)]
