"""The real URLs plus two views that fail unexpectedly: one DRF view, one plain Django view."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.config.urls import urlpatterns as real_urlpatterns


class BoomApi(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        raise KeyError("secret-internal-detail")


def boom_view(request: HttpRequest) -> HttpResponse:
    raise ZeroDivisionError("secret-internal-detail")


urlpatterns = [
    path("api/v1/test-boom/", BoomApi.as_view()),
    path("api/v1/test-boom-plain/", boom_view),
    *real_urlpatterns,
]
