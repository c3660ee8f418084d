"""Development only (DEBUG): the SMS outbox of the file backend, so a demo user can follow signing links."""

import re

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .sms import FileSmsBackend, file_outbox

LINK = re.compile(r"https?://\S+?(?=\s|$| 链接)")


def sms_outbox(request: HttpRequest) -> HttpResponse:
    if not settings.DEBUG or not settings.XUETU_SMS_BACKEND.endswith(FileSmsBackend.__name__):
        raise Http404
    messages = [{**m, "link": (LINK.search(m["text"]) or [None])[0]} for m in file_outbox()]
    return render(request, "signing/dev_sms_outbox.html", {"messages": messages})
