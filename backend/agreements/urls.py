"""/api/v1/ routes of the agreements app (included from backend/api/urls.py)."""

from django.urls import path

from . import apis

urlpatterns = [
    path("agreements/", apis.AgreementListApi.as_view(), name="agreement-list"),
    path("agreements/generate/", apis.AgreementGenerateApi.as_view(), name="agreement-generate"),
    path("agreements/<int:pk>/", apis.AgreementDetailApi.as_view(), name="agreement-detail"),
    path("agreements/<int:pk>/void/", apis.AgreementVoidApi.as_view(), name="agreement-void"),
    path("agreements/<int:pk>/replace/", apis.AgreementReplaceApi.as_view(), name="agreement-replace"),
    path("agreements/<int:pk>/pdf/", apis.AgreementPdfApi.as_view(), name="agreement-pdf"),
    path("agreements/<int:pk>/docx/", apis.AgreementDocxApi.as_view(), name="agreement-docx"),
    path("agreement-batches/", apis.AgreementBatchCreateApi.as_view(), name="agreement-batch-create"),
    path(
        "agreement-batches/<int:pk>/", apis.AgreementBatchDetailApi.as_view(), name="agreement-batch-detail"
    ),
    path(
        "agreement-batches/<int:pk>/rerun/",
        apis.AgreementBatchRerunApi.as_view(),
        name="agreement-batch-rerun",
    ),
    path("agreement-batches/<int:pk>/zip/", apis.AgreementBatchZipApi.as_view(), name="agreement-batch-zip"),
    path("agreement-templates/", apis.TemplateVersionListApi.as_view(), name="agreement-template-list"),
    path(
        "agreement-templates/<int:pk>/file/",
        apis.TemplateVersionFileApi.as_view(),
        name="agreement-template-file",
    ),
]
