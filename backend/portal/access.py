"""Who may open which portal page, and how a page finds one object: always through the tenant scope."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import get_language

from backend.accounts.models import Role
from backend.accounts.scoping import scope_queryset
from backend.core.errors import ApplicationError

M = TypeVar("M", bound=models.Model)
View = Callable[..., HttpResponseBase]

# Where each role lands after logging in.
HOME_BY_ROLE: dict[str, str] = {
    Role.COORDINATOR: "portal:school-dashboard",
    Role.HR: "portal:company-dashboard",
    Role.MENTOR: "portal:me",
    Role.STUDENT: "portal:me",
    Role.GUARDIAN: "portal:me",
    Role.BUREAU: "portal:bureau-dashboard",
    Role.ADMIN: "portal:bureau-dashboard",
    Role.TEACHER: "portal:teacher-home",
}


def role_required(*roles: str) -> Callable[[View], View]:
    """Logged in and one of `roles` (the platform admin may open every page); otherwise 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not (user.role in roles or user.role == Role.ADMIN or user.is_superuser):  # type: ignore[union-attr]
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def home_url_name(user: Any) -> str:
    return HOME_BY_ROLE.get(str(getattr(user, "role", "")), "portal:me")


def scoped(request: HttpRequest, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
    return scope_queryset(request.user, queryset)


def scoped_get(request: HttpRequest, queryset: models.QuerySet[M], **lookup: Any) -> M:
    """One object the user may see, or 404: another tenant's object does not exist for them."""
    obj = scope_queryset(request.user, queryset).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


def feature(app_label: str) -> bool:
    """Whether another engineer's app (matching, agreements, signing, rules, subsidy) is installed."""
    return apps.is_installed(f"backend.{app_label}")


def error_text(exc: ApplicationError) -> str:
    """The refusal in the page's language: Chinese first, English when English is active."""
    return exc.message if (get_language() or "zh").startswith("zh") else exc.message_en


def school_of(request: HttpRequest) -> Any:
    """The coordinator's school; the platform admin has none and works through the API or admin."""
    school = getattr(request.user, "school", None)
    if school is None:
        raise Http404
    return school


def company_of(request: HttpRequest) -> Any:
    company = getattr(request.user, "company", None)
    if company is None:
        raise Http404
    return company
