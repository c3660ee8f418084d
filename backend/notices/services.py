"""Notifications: an in-app inbox row per recipient, and an e-mail where the recipient has an address."""

import datetime
import functools
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from .models import Notice

logger = logging.getLogger(__name__)


def notice_send(
    *,
    recipients: Iterable[Any],
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    dedupe_key: str = "",
    at: datetime.datetime | None = None,
) -> list[Notice]:
    """Send one notice to each recipient. With a `dedupe_key`, a recipient gets it at most once, ever. `at` dates
    it to the event it announces (a service's `now`); the wall clock by default."""
    from django.utils import timezone

    at = at or timezone.now()
    sent: list[Notice] = []
    for user in {u.pk: u for u in recipients if u is not None}.values():
        try:
            with transaction.atomic():
                notice = Notice.objects.create(
                    recipient=user,
                    kind=kind,
                    title=title,
                    body=body,
                    link=link,
                    dedupe_key=dedupe_key,
                    created_at=at,
                )
        except IntegrityError:
            continue  # already told
        if user.email:
            transaction.on_commit(functools.partial(_email, notice))
        sent.append(notice)
    return sent


def _email(notice: Notice) -> None:
    link = f"\n\n{settings.XUETU_PUBLIC_URL}{notice.link}" if notice.link else ""
    try:
        send_mail(notice.title, notice.body + link, None, [notice.recipient.email])
    except Exception:  # mail is best effort; the inbox row is the record
        logger.exception("e-mail for notice %s failed", notice.pk)
        return
    Notice.objects.filter(pk=notice.pk).update(emailed=True)


EMAIL_GRACE = datetime.timedelta(minutes=2)  # the on-commit send has had its chance
EMAIL_WINDOW = datetime.timedelta(days=1)  # older than that, the inbox row alone is the record
EMAIL_SWEEP_MAX = 500


def notices_email_owed(*, now: datetime.datetime | None = None) -> int:
    """The e-mail sweep (beat, every 5 minutes): send the e-mail of every inbox notice whose on-commit send was
    lost (the process died between commit and send) or failed, from two minutes to a day after it was written.
    The inbox row itself commits with the change that caused it (a signing event, a seal, a statement), so only
    the e-mail can be owed; ``emailed`` is set after a send, so a send killed before it is repeated (at least
    once). Returns how many were sent."""
    from django.utils import timezone

    now = now or timezone.now()
    owed = (
        Notice.objects.filter(
            emailed=False, created_at__lte=now - EMAIL_GRACE, created_at__gt=now - EMAIL_WINDOW
        )
        .exclude(recipient__email="")
        .select_related("recipient")
        .order_by("pk")[:EMAIL_SWEEP_MAX]
    )
    sent = 0
    for notice in owed:
        _email(notice)
        sent += Notice.objects.filter(pk=notice.pk, emailed=True).count()
    return sent


def notice_mark_read(*, notice: Notice) -> Notice:
    from django.utils import timezone

    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice
