"""The OpenAPI schema as a file to download (xuetu-openapi.yaml); /api/docs/ reads it with the vendored Swagger UI."""

from typing import Any

from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response

SCHEMA_FILENAME = "xuetu-openapi"


class SchemaDownloadView(SpectacularAPIView):
    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        renderer = getattr(response, "accepted_renderer", None)
        if response.status_code == 200 and renderer is not None:
            suffix = "json" if "json" in renderer.format else "yaml"
            response["Content-Disposition"] = f'attachment; filename="{SCHEMA_FILENAME}.{suffix}"'
        return response
