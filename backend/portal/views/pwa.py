"""The installable web app: the service worker is served from the site's root (/sw.js) so that its scope is the
whole portal, with the list of the shell's static assets (their hashed names in production) prepended."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.views.decorators.cache import cache_control

SHELL_ASSETS = [
    "vendor/pico/pico.min.css",
    "portal/portal.css",
    "vendor/htmx/htmx.min.js",
    "vendor/chartjs/chart.umd.min.js",
    "portal/portal.js",
    "portal/pwa.js",
    "portal/manifest.webmanifest",
    "portal/icons/icon-192.png",
    "portal/icons/icon-512.png",
]


@lru_cache(maxsize=1)
def _worker_source() -> str:
    path = finders.find("portal/sw.js")
    if path:
        with open(path, encoding="utf-8") as f:  # noqa: PTH123
            body = f.read()
    else:  # collected only (production image without the source folder)
        with staticfiles_storage.open("portal/sw.js") as f:
            body = f.read().decode("utf-8")
    shell = [static(name) for name in SHELL_ASSETS]
    version = hashlib.sha256((body + "\n".join(shell)).encode("utf-8")).hexdigest()[:12]
    return f"var SHELL = {json.dumps(shell)};\nvar SHELL_VERSION = {json.dumps(version)};\n{body}"


@cache_control(no_cache=True, max_age=0)
def service_worker(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_worker_source(), content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response
