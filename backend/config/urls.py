from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerView

from backend.portal.views.apidocs import SchemaDownloadView
from backend.portal.views.auth import PortalLoginView, PortalLogoutView
from backend.signing.dev_views import sms_outbox

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The portal's own login and logout pages come before django.contrib.auth's (password reset etc. stay there).
    path("accounts/login/", PortalLoginView.as_view(), name="login"),
    path("accounts/logout/", PortalLogoutView.as_view(), name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SchemaDownloadView.as_view(), name="schema"),  # xuetu-openapi.yaml
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("backend.api.urls")),
    # The portal first: its /sign/<id>/<token> (agreement pages as images, account signing, htmx) is the one
    # served; backend.signing.urls keeps /verify.
    path("", include("backend.portal.urls")),
    path("", include("backend.signing.urls")),
    path("dev/sms/", sms_outbox, name="dev-sms-outbox"),
    path("", include("backend.core.urls")),
]
