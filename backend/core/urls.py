from django.urls import path

from . import views

# The home page ("/") is the portal's (backend.portal.urls): it sends each role to its dashboard.
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
]
