"""The ledger's guarantees, enforced by PostgreSQL itself (not only by the code):

- append-only: UPDATE and DELETE on accounts, journal entries and journal lines are refused by triggers
  (corrections are reversing entries);
- balanced: a deferred constraint trigger checks, at commit, that every entry touched in the transaction has at
  least two lines and equal debit and credit totals.

TRUNCATE is not trapped (Django's test flush uses it); in production the application role should not own the tables.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION subsidy_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'LEDGER_APPEND_ONLY: % on % refused; the ledger is append-only, post a reversing entry',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER subsidy_account_append_only BEFORE UPDATE OR DELETE ON subsidy_account
    FOR EACH ROW EXECUTE FUNCTION subsidy_ledger_append_only();
CREATE TRIGGER subsidy_journalentry_append_only BEFORE UPDATE OR DELETE ON subsidy_journalentry
    FOR EACH ROW EXECUTE FUNCTION subsidy_ledger_append_only();
CREATE TRIGGER subsidy_journalline_append_only BEFORE UPDATE OR DELETE ON subsidy_journalline
    FOR EACH ROW EXECUTE FUNCTION subsidy_ledger_append_only();

CREATE OR REPLACE FUNCTION subsidy_check_entry_balanced(entry bigint) RETURNS void AS $$
DECLARE
    total_debit numeric;
    total_credit numeric;
    line_count integer;
BEGIN
    SELECT coalesce(sum(debit), 0), coalesce(sum(credit), 0), count(*)
      INTO total_debit, total_credit, line_count
      FROM subsidy_journalline WHERE entry_id = entry;
    IF line_count < 2 OR total_debit <> total_credit THEN
        RAISE EXCEPTION 'LEDGER_UNBALANCED: journal entry % has % lines, debit %, credit %',
            entry, line_count, total_debit, total_credit USING ERRCODE = 'check_violation';
    END IF;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION subsidy_line_balanced() RETURNS trigger AS $$
BEGIN
    PERFORM subsidy_check_entry_balanced(NEW.entry_id);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION subsidy_entry_balanced() RETURNS trigger AS $$
BEGIN
    PERFORM subsidy_check_entry_balanced(NEW.id);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER subsidy_journalline_balanced AFTER INSERT ON subsidy_journalline
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION subsidy_line_balanced();
CREATE CONSTRAINT TRIGGER subsidy_journalentry_balanced AFTER INSERT ON subsidy_journalentry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION subsidy_entry_balanced();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS subsidy_journalentry_balanced ON subsidy_journalentry;
DROP TRIGGER IF EXISTS subsidy_journalline_balanced ON subsidy_journalline;
DROP TRIGGER IF EXISTS subsidy_journalline_append_only ON subsidy_journalline;
DROP TRIGGER IF EXISTS subsidy_journalentry_append_only ON subsidy_journalentry;
DROP TRIGGER IF EXISTS subsidy_account_append_only ON subsidy_account;
DROP FUNCTION IF EXISTS subsidy_entry_balanced();
DROP FUNCTION IF EXISTS subsidy_line_balanced();
DROP FUNCTION IF EXISTS subsidy_check_entry_balanced(bigint);
DROP FUNCTION IF EXISTS subsidy_ledger_append_only();
"""


class PostgresRunSQL(migrations.RunSQL):
    """RunSQL on PostgreSQL only, so that `make run` on the zero-setup SQLite still migrates (without triggers)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def default_policy(apps, schema_editor):
    import datetime
    from decimal import Decimal

    SubsidyPolicy = apps.get_model("subsidy", "SubsidyPolicy")
    SubsidyPolicy.objects.get_or_create(
        valid_from=datetime.date(2015, 1, 1),
        defaults={
            "name": "现代学徒制试点学徒补助(默认): 每名考核合格学徒5000元, 其中带徒师傅奖励3000元、企业水电耗材2000元",
            "mentor_reward": Decimal("3000.00"),
            "company_costs": Decimal("2000.00"),
            "trigger": "assessment_passed",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("subsidy", "0001_initial")]

    operations = [
        PostgresRunSQL(FORWARD, BACKWARD),
        migrations.RunPython(default_policy, migrations.RunPython.noop),
    ]
