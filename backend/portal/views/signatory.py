"""The company's and the school's named signatory (法定代表人 or 授权签字人) and seal image: set by HR for the
company and by the coordinator for the school; the signing page then signs as that person, and sealing stamps the
seal. Imported only when backend.signing is installed (see backend/portal/urls.py)."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from backend.accounts.models import Role
from backend.core.errors import ApplicationError
from backend.portal.access import company_of, error_text, role_required, school_of
from backend.portal.forms import SignatoryForm
from backend.signing import marks

FIELD_OF_DETAIL = {"signatory_name": "signatory_name", "signatory_title": "signatory_title"}


def _page(request: HttpRequest, organisation: Any, *, url_name: str, seal_url: str) -> HttpResponse:
    initial = {"signatory_name": organisation.signatory_name, "signatory_title": organisation.signatory_title}
    form = SignatoryForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("seal")
        try:
            marks.organisation_signatory_set(
                actor=request.user,
                organisation=organisation,
                name=form.cleaned_data["signatory_name"],
                title=form.cleaned_data["signatory_title"],
                seal=upload.read(marks.SEAL_MAX_BYTES + 1) if upload else None,
                remove_seal=form.cleaned_data["remove_seal"],
            )
        except ApplicationError as exc:
            field = next((f for f in (exc.details or {}) if f in FIELD_OF_DETAIL), None)
            form.add_error(field or ("seal" if exc.code.startswith("SEAL_") else None), error_text(exc))
        else:
            messages.success(request, _("签字人和印章已保存"))
            return redirect(f"portal:{url_name}")
    return render(
        request,
        "portal/signatory.html",
        {"organisation": organisation, "form": form, "seal_url": seal_url if organisation.seal_image else ""},
    )


def _seal(organisation: Any) -> HttpResponse:
    data = marks.seal_bytes(organisation)
    if not data:
        raise Http404
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@role_required(Role.HR)
def company_signatory(request: HttpRequest) -> HttpResponse:
    return _page(
        request, company_of(request), url_name="company-signatory", seal_url=reverse("portal:company-seal")
    )


@role_required(Role.COORDINATOR)
def school_signatory(request: HttpRequest) -> HttpResponse:
    return _page(
        request, school_of(request), url_name="school-signatory", seal_url=reverse("portal:school-seal")
    )


@require_GET
@role_required(Role.HR)
def company_seal(request: HttpRequest) -> HttpResponse:
    return _seal(company_of(request))


@require_GET
@role_required(Role.COORDINATOR)
def school_seal(request: HttpRequest) -> HttpResponse:
    return _seal(school_of(request))
