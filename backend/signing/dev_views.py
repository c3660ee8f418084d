"""Development only (DEBUG): the SMS outbox of the file backend, so a demo user can follow signing links."""

import re

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_datetime

from backend.core.clock import RULES_ZONE

from .sms import FileSmsBackend, file_outbox

LINK = re.compile(r"https?://\S+?(?=\s|$| 链接)")


def _local(iso: str) -> str:
    at = parse_datetime(iso)
    return at.astimezone(RULES_ZONE).strftime("%Y-%m-%d %H:%M:%S") if at else iso


def sms_outbox(request: HttpRequest) -> HttpResponse:
    if not settings.DEBUG or not settings.XUETU_SMS_BACKEND.endswith(FileSmsBackend.__name__):
        raise Http404
    # not "messages": that name is the portal's flash messages, which base.html prints at the top of the page
    sms = [
        {**m, "link": (LINK.search(m["text"]) or [None])[0], "at": _local(m.get("at", ""))}
        for m in file_outbox()
    ]
    return render(request, "signing/dev_sms_outbox.html", {"sms": sms})
