"""Login throttling (django-axes): the client's address behind a proxy and the answer to a locked-out login.

Axes counts failed logins per account and per address (AXES_LOCKOUT_PARAMETERS) for every login that goes through
`django.contrib.auth.authenticate` with a request: the portal's login page, the admin's and the API's token
endpoint. After AXES_FAILURE_LIMIT failures the account, or the address, is refused for AXES_COOLOFF_TIME, even with
the right password.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from backend.core.errors import ApplicationError


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind XUETU_TRUSTED_PROXIES reverse proxies (each appending to X-Forwarded-For), the
    address the outermost trusted proxy saw; without, the socket's peer (a client could forge the header)."""
    proxies = int(getattr(settings, "XUETU_TRUSTED_PROXIES", 0))
    if proxies > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def cooloff_minutes() -> int:
    cooloff = settings.AXES_COOLOFF_TIME
    return max(1, int(cooloff.total_seconds() // 60)) if cooloff else 0


def login_locked_error() -> ApplicationError:
    minutes = cooloff_minutes()
    return ApplicationError(
        "LOGIN_LOCKED",
        f"登录失败次数过多，该账号或网络地址已被暂时锁定，请 {minutes} 分钟后再试",
        f"too many failed logins: this account or address is locked for {minutes} minutes, try again later",
        details={"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes},
        status=429,
    )


def login_failed_error() -> ApplicationError:
    return ApplicationError(
        "LOGIN_FAILED",
        "用户名或密码不正确",
        "wrong user name or password",
        details={"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": cooloff_minutes()},
        status=400,
    )


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the API answers the error shape; the portal shows its login page with the reason."""
    error = login_locked_error()
    if request.path_info.startswith("/api/"):
        return JsonResponse({"error": error.as_dict()}, status=429)
    context = {
        "form": AuthenticationForm(request),
        "locked": True,
        "lockout_message": _("登录失败次数过多，该账号或网络地址已被暂时锁定，请 %(minutes)s 分钟后再试。")
        % {"minutes": cooloff_minutes()},
        "next": request.POST.get("next", "") if request.method == "POST" else "",
    }
    return render(request, "portal/login.html", context, status=429)
