"""Journal tasks: the hourly reminder sweep (one service call; the notices dedupe themselves)."""

from celery import shared_task
from django.utils import timezone


@shared_task(name="journals.remind_sweep", time_limit=300, soft_time_limit=240)
def remind_sweep() -> int:
    """Tell apprentices whose journal is still missing before its deadline (at most once per period)."""
    from backend.journals.services import journal_reminders_send

    return journal_reminders_send(now=timezone.now())
