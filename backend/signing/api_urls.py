from django.urls import path

from . import apis

urlpatterns = [
    path("signing/requests/", apis.SignatureRequestListApi.as_view(), name="signing-requests"),
    path("signing/send/", apis.SigningSendApi.as_view(), name="signing-send"),
    path("signing/envelopes/<int:pk>/", apis.EnvelopeDetailApi.as_view(), name="signing-envelope"),
    path("signing/envelopes/<int:pk>/void/", apis.SigningVoidApi.as_view(), name="signing-void"),
    path("signing/envelopes/<int:pk>/sealed.pdf", apis.SealedPdfApi.as_view(), name="signing-sealed-pdf"),
    path("signing/requests/<int:pk>/code/", apis.SigningCodeApi.as_view(), name="signing-code"),
    path("signing/requests/<int:pk>/sign/", apis.SigningSignApi.as_view(), name="signing-sign"),
    path("signing/requests/<int:pk>/decline/", apis.SigningDeclineApi.as_view(), name="signing-decline"),
    path("signing/requests/<int:pk>/resend/", apis.SigningResendApi.as_view(), name="signing-resend"),
    path("signing/links/<int:request_id>/<str:token>/", apis.LinkDetailApi.as_view(), name="signing-link"),
    path(
        "signing/links/<int:request_id>/<str:token>/pdf", apis.LinkPdfApi.as_view(), name="signing-link-pdf"
    ),
    path(
        "signing/links/<int:request_id>/<str:token>/code/",
        apis.LinkCodeApi.as_view(),
        name="signing-link-code",
    ),
    path(
        "signing/links/<int:request_id>/<str:token>/sign/",
        apis.LinkSignApi.as_view(),
        name="signing-link-sign",
    ),
    path(
        "signing/links/<int:request_id>/<str:token>/decline/",
        apis.LinkDeclineApi.as_view(),
        name="signing-link-decline",
    ),
    path("verify/", apis.VerifyApi.as_view(), name="api-verify"),
]
