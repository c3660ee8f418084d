"""/api/v1/: each app lists its viewsets in `routes` in its apis module; add a new app's module here."""

from importlib import import_module

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from backend.accounts.apis import MeApi, TokenObtainApi
from backend.schools.roster_apis import RosterImportApi, RosterPreviewApi

ROUTE_MODULES = [
    "backend.schools.apis",
    "backend.companies.apis",
    "backend.placements.apis",
    "backend.notices.apis",
    "backend.rules.apis",
    "backend.assessments.apis",
    "backend.subsidy.apis",
    "backend.matching.apis",
    "backend.attendance.apis",
    "backend.journals.apis",
    "backend.training.apis",
    "backend.reports.apis",
    "backend.lifecycle.apis",
    "backend.changes.apis",
    "backend.checklist.apis",
]

router = DefaultRouter()
for module in ROUTE_MODULES:
    for prefix, viewset in import_module(module).routes:
        router.register(prefix, viewset, basename=prefix)

urlpatterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="api-token"),
    path("me/", MeApi.as_view(), name="api-me"),
    path("roster-imports/preview/", RosterPreviewApi.as_view(), name="roster-preview"),
    path("roster-imports/", RosterImportApi.as_view(), name="roster-import"),
    path("", include("backend.agreements.urls")),
    path("", include("backend.signing.api_urls")),
    path("", include(router.urls)),
]
