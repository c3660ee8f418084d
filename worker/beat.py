"""The beat schedule: one entry per periodic job. Exactly one beat process runs it."""

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict] = {
    "core-heartbeat": {"task": "core.heartbeat", "schedule": crontab(minute="*/5")},
    # Seconds, not a crontab: /healthz wants a documents heartbeat younger than a minute. Expires before the next.
    "documents-heartbeat": {"task": "documents.heartbeat", "schedule": 30.0, "options": {"expires": 25}},
    # E-mails of inbox notices whose on-commit send was lost or failed (up to a day old).
    "notices-email-sweep": {"task": "notices.email_sweep", "schedule": crontab(minute="*/5")},
    "signing-reminders": {"task": "signing.remind_sweep", "schedule": crontab(minute=7)},
    "signing-expiry": {"task": "signing.expire_sweep", "schedule": crontab(minute="*/15")},
    "signing-seal-retry": {"task": "signing.seal_sweep", "schedule": crontab(minute="*/10")},
    "agreements-batches-sweep": {
        "task": "documents.agreement_batches_sweep",
        "schedule": crontab(minute="*/5"),
    },
    "matching-runs-sweep": {"task": "matching.runs_sweep", "schedule": crontab(minute="*/5")},
    "agreements-orphan-files-sweep": {
        "task": "documents.agreement_files_sweep",
        "schedule": crontab(minute=41),
    },
    # Journal reminders before the deadline (deduplicated per placement and period, so an hourly run is harmless).
    "journals-remind-sweep": {"task": "journals.remind_sweep", "schedule": crontab(minute=17)},
    "rules-audit-hourly": {"task": "rules.audit_day", "schedule": crontab(minute=7)},
    "rules-audit-nightly": {"task": "rules.audit_full", "schedule": crontab(hour=2, minute=30)},
    # The notifier: sends the violation notices still owed (a row's notified_severity differs from its severity).
    "rules-notices-sweep": {"task": "rules.notices_sweep", "schedule": crontab(minute="*/5")},
    # A clock-out still missing at 08:00 the morning after: flagged once, the apprentice, mentor and teacher told.
    "attendance-missing-clock-out": {
        "task": "attendance.missing_clock_out_sweep",
        "schedule": crontab(minute="*/15"),
    },
    "rules-monthly-summaries": {
        "task": "rules.monthly_summaries",
        "schedule": crontab(day_of_month=1, hour=8, minute=0),
    },
    # Asia/Shanghai (CELERY_TIMEZONE): accrue, reverse and re-check holds at night; statements on the 1st.
    "subsidy-nightly-sweep": {"task": "subsidy.nightly_sweep", "schedule": crontab(hour=1, minute=30)},
    # Re-runs the due day's sweep if it has not finished (killed, or the beat was down at 01:30); see subsidy/runs.py.
    "subsidy-sweep-catch-up": {
        "task": "subsidy.sweep_catch_up",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 280},
    },
    # Injury reports past their 24-hour reporting deadline are flagged (told once); owed insurer e-mails sent.
    "lifecycle-injuries-sweep": {"task": "lifecycle.injuries_sweep", "schedule": crontab(minute="*/15")},
    "subsidy-monthly-statements": {
        "task": "subsidy.monthly_statements",
        "schedule": crontab(day_of_month=1, hour=8, minute=0),
    },
}
