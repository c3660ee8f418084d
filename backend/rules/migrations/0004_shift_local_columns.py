"""Stored local-time columns for the set-based audit (PostgreSQL only; on SQLite the audit runs in Python).

Converting a timestamp to Asia/Shanghai costs more than everything else the audit does with a row (docs/rules.md),
so each shift carries its local figures, computed once by PostgreSQL when the row is written:

- local_week:  the Monday of the ISO week of that date;
- local_day:   the local date the shift starts on;
- local_start: seconds after local midnight at which it starts;
- duration:    its length in seconds (at most 86400: a check constraint).

A shift crosses local midnight when local_start + duration > 86400; its second piece falls on local_day + 1.
The columns are not model fields: Django never writes them (PostgreSQL does), and only ``audit_sql`` reads them.

- rules_shift_local_day: (local week, placement, local day) INCLUDE (local_start, duration, kind): the audit reads
  the weeks it checks (all of them, or one) in order with an index-only range scan and sums placement-days, then
  placement-weeks, without sorting or hashing;
- rules_shift_crossing: a partial index of the few shifts that cross local midnight, by local day.
These replace 0003's indexes of the same names, which recomputed the local time on every read.
"""

from django.db import migrations

LOCAL = "(start_at AT TIME ZONE 'Asia/Shanghai')"
FORWARDS = [
    "DROP INDEX IF EXISTS rules_shift_local_day",
    "DROP INDEX IF EXISTS rules_shift_crossing",
    "ALTER TABLE rules_shift"
    f" ADD COLUMN local_week date GENERATED ALWAYS AS (date_trunc('week', {LOCAL})::date) STORED,"
    f" ADD COLUMN local_day date GENERATED ALWAYS AS ({LOCAL}::date) STORED,"
    f" ADD COLUMN local_start double precision GENERATED ALWAYS AS (date_part('epoch', {LOCAL}::time)) STORED,"
    " ADD COLUMN duration double precision GENERATED ALWAYS AS (date_part('epoch', end_at - start_at)) STORED",
    "CREATE INDEX rules_shift_local_day ON rules_shift (local_week, placement_id, local_day)"
    " INCLUDE (local_start, duration, kind)",
    "CREATE INDEX rules_shift_crossing ON rules_shift (local_day) INCLUDE (placement_id, kind, local_start, duration)"
    " WHERE local_start + duration > 86400",
]
BACKWARDS = [
    "DROP INDEX IF EXISTS rules_shift_local_day",
    "DROP INDEX IF EXISTS rules_shift_crossing",
    "ALTER TABLE rules_shift DROP COLUMN local_week, DROP COLUMN local_day, DROP COLUMN local_start, DROP COLUMN duration",
    "CREATE INDEX rules_shift_local_day ON rules_shift "
    f"(placement_id, kind, ({LOCAL}::date)) INCLUDE (start_at, end_at)",
    "CREATE INDEX rules_shift_crossing ON rules_shift (placement_id) INCLUDE (kind, start_at, end_at) "
    f"WHERE (end_at AT TIME ZONE 'Asia/Shanghai')::date > {LOCAL}::date",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARDS:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARDS:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("rules", "0003_shift_audit_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
