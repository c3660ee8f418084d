from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from backend.portal.access import home_url_name


class PortalLoginView(LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return reverse(home_url_name(self.request.user))


class PortalLogoutView(LogoutView):
    """POST only (Django 5); back to the login page (LOGOUT_REDIRECT_URL)."""


def home(request: HttpRequest) -> HttpResponse:
    """ "/": each role lands on its own dashboard."""
    if not request.user.is_authenticated:
        return redirect("login")
    return redirect(home_url_name(request.user))
