"""Helpers shared by the portal's views: filtered, paginated lists and service errors shown on the page."""

from collections.abc import Callable
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

PAGE_SIZE = 25


def filtered_list(
    request: HttpRequest,
    *,
    filterset_class: type,
    queryset: QuerySet,
    template: str,
    context: dict[str, Any] | None = None,
    decorate: Callable[[Any], None] | None = None,
) -> HttpResponse:
    """A list page. htmx requests get the same page; the filter form swaps in only its `#results` part."""
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request)
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    if decorate is not None:  # e.g. what each placement of the page still lacks
        decorate(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        template,
        {"filter": filterset, "page": page, "query": query.urlencode(), **(context or {})},
    )
