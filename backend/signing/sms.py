"""Sending text messages. The backend is chosen in settings (XUETU_SMS_BACKEND), like Django's e-mail backends:
the console backend logs the message (development), the locmem backend keeps it in memory (tests), a provider's
backend plugs in by dotted path and implements ``send_messages``."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("xuetu.sms")


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    text: str


class BaseSmsBackend:
    def send_messages(self, messages: list[SmsMessage]) -> int:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Development: the message goes to the log (and so to the console)."""

    def send_messages(self, messages: list[SmsMessage]) -> int:
        for message in messages:
            logger.info("SMS to %s: %s", message.phone, message.text)
        return len(messages)


outbox: list[SmsMessage] = []


class LocmemSmsBackend(BaseSmsBackend):
    """Tests: messages are appended to ``backend.signing.sms.outbox``."""

    def send_messages(self, messages: list[SmsMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


def get_backend() -> BaseSmsBackend:
    path = getattr(settings, "XUETU_SMS_BACKEND", "backend.signing.sms.ConsoleSmsBackend")
    return import_string(path)()


def send_sms(*, phone: str, text: str) -> None:
    get_backend().send_messages([SmsMessage(phone=phone, text=text)])


class FileSmsBackend(BaseSmsBackend):
    """`make run`: messages are logged and appended to var/sms-outbox.jsonl, which the development-only page
    /dev/sms/ shows, so that a demo user can open the signing links and read the one-time codes."""

    def send_messages(self, messages: list[SmsMessage]) -> int:
        import json

        from django.utils import timezone

        path = outbox_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            for message in messages:
                logger.info("SMS to %s: %s", message.phone, message.text)
                out.write(
                    json.dumps(
                        {"at": timezone.now().isoformat(), "phone": message.phone, "text": message.text},
                        ensure_ascii=False,
                    )
                    + "\n"
                )
        return len(messages)


def outbox_path():  # type: ignore[no-untyped-def]
    from pathlib import Path

    return Path(settings.VAR_DIR) / "sms-outbox.jsonl"


def file_outbox(limit: int = 50) -> list[dict[str, str]]:
    import json

    path = outbox_path()
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()[-limit:]
    return [json.loads(line) for line in reversed(lines) if line.strip()]
