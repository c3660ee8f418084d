"""A notice's e-mail is owed until sent: the sweep sends what a dead process's on-commit send never did, once."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from backend.notices.models import Notice
from backend.notices.services import notice_send, notices_email_owed
from tests.factories.accounts import CoordinatorFactory
from worker.beat import BEAT_SCHEDULE

pytestmark = pytest.mark.django_db


def test_the_sweep_sends_each_lost_e_mail_once_and_leaves_the_rest():
    # given notices committed with their change, the process killed before its on-commit e-mail ran (in a test
    # transaction the on-commit callbacks never run): two recipients with an address, one without
    with_mail = [CoordinatorFactory(email="a@example.org"), CoordinatorFactory(email="b@example.org")]
    without = CoordinatorFactory(email="")
    notice_send(
        recipients=[*with_mail, without], kind="signing_expired", title="签署请求已过期", dedupe_key="k1"
    )
    # and one a week old, whose e-mail is no longer owed
    old = notice_send(recipients=[with_mail[0]], kind="signing_expired", title="旧", dedupe_key="k0")[0]
    Notice.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=7))
    assert len(mail.outbox) == 0
    # when the sweep runs within the grace period: nothing yet (the on-commit send may still be running)
    assert notices_email_owed(now=timezone.now()) == 0
    # when it runs after the grace period
    later = timezone.now() + datetime.timedelta(minutes=3)
    assert notices_email_owed(now=later) == 2
    # then each recipient with an address got one e-mail, marked sent
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]
    assert Notice.objects.filter(dedupe_key="k1", emailed=True).count() == 2
    # and a second sweep sends nothing
    assert notices_email_owed(now=later) == 0
    assert len(mail.outbox) == 2
    assert BEAT_SCHEDULE["notices-email-sweep"]["task"] == "notices.email_sweep"
