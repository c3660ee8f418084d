"""Reports API: the yearly report (figures, docx, PDF) per pilot and year, its text and other funds lines, the
bureau's province summary, and the monthly data return (rows, missing list, XLSX/CSV)."""

import datetime
import re
from typing import Any, cast
from urllib.parse import quote

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.models import Role, User
from backend.api.mixins import ScopedModelSerializer, ScopedModelViewSet
from backend.core.clock import local_today

from . import datareturn, documents, selectors, services
from .models import FundsLine, YearlyReportText

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YEAR_PARAM = OpenApiParameter("year", int, required=False, description="report year (default: this year)")
PILOT_PARAM = OpenApiParameter("id", int, OpenApiParameter.PATH, description="the pilot's id")
MONTH_PARAM = OpenApiParameter("month", str, required=False, description="YYYY-MM (default: this month)")


def _attachment(name: str, ascii_name: str) -> str:
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def report_year(request: Request) -> int:
    year = request.query_params.get("year")
    if not year:
        return local_today().year
    if not (year.isdigit() and 2000 <= int(year) <= 2100):
        raise exceptions.ValidationError({"year": "a year such as 2026"})
    return int(year)


def report_month(request: Request) -> datetime.date:
    month = request.query_params.get("month")
    if not month:
        return local_today().replace(day=1)
    if not re.fullmatch(r"(20\d\d|2100)-(0[1-9]|1[0-2])", month):
        raise exceptions.ValidationError({"month": "a month such as 2026-11"})
    return datetime.date(int(month[:4]), int(month[5:]), 1)


# --------------------------------------------------------------------------------------------- the yearly report
class ViolationRowSerializer(serializers.Serializer):
    rule_code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    total = serializers.IntegerField()
    resolved = serializers.IntegerField()
    acknowledged = serializers.IntegerField()
    open = serializers.IntegerField()


class FundsRowSerializer(serializers.Serializer):
    heading = serializers.CharField()
    received = serializers.DecimalField(max_digits=16, decimal_places=2)
    spent = serializers.DecimalField(max_digits=16, decimal_places=2)
    source = serializers.CharField()  # type: ignore[assignment]
    note = serializers.CharField()


class YearlyReportSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pilot.pk")
    pilot_name = serializers.CharField(source="pilot.name")
    school = serializers.IntegerField(source="pilot.school_id")
    school_name = serializers.CharField(source="pilot.school.name")
    year = serializers.IntegerField()
    as_of = serializers.DateField()
    recruited = serializers.IntegerField()
    active = serializers.IntegerField()
    partner_companies = serializers.IntegerField()
    companies = serializers.IntegerField()
    posts = serializers.IntegerField()
    stages_done = serializers.IntegerField()
    agreements_signed = serializers.IntegerField()
    violations = ViolationRowSerializer(many=True)
    violations_total = serializers.IntegerField()
    violations_resolved = serializers.IntegerField()
    assessments_passed = serializers.IntegerField()
    assessments_failed = serializers.IntegerField()
    assessments_open = serializers.IntegerField()
    standard_reached = serializers.IntegerField()
    funds = FundsRowSerializer(many=True)
    funds_received = serializers.DecimalField(max_digits=16, decimal_places=2)
    funds_spent = serializers.DecimalField(max_digits=16, decimal_places=2)
    situation = serializers.CharField()
    problems = serializers.CharField()
    measures = serializers.CharField()


class YearlyReportViewSet(viewsets.ViewSet):
    """One pilot's yearly report (年检自检报告) for a year: the figures, and the docx and PDF made from them.
    The pilot's school's coordinators and the overseers read it; the id is the pilot's."""

    def _pilot(self, pk: str) -> Any:
        pilot = selectors.pilot_list(user=self.request.user).filter(pk=pk).first() if pk.isdigit() else None
        if pilot is None:
            raise Http404
        return pilot

    def _figures(self, pilot: Any) -> selectors.YearlyFigures:
        return selectors.yearly_figures(pilot=pilot, year=report_year(self.request), as_of=local_today())

    @extend_schema(parameters=[YEAR_PARAM], responses=YearlyReportSerializer(many=True))
    def list(self, request: Request) -> Response:
        year, today = report_year(request), local_today()
        rows = [
            selectors.yearly_figures(pilot=p, year=year, as_of=today)
            for p in selectors.pilot_list(user=request.user)
        ]
        return Response(YearlyReportSerializer(rows, many=True).data)

    @extend_schema(parameters=[PILOT_PARAM, YEAR_PARAM], responses=YearlyReportSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(YearlyReportSerializer(self._figures(self._pilot(pk))).data)

    @extend_schema(parameters=[PILOT_PARAM, YEAR_PARAM], responses={(200, DOCX): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def docx(self, request: Request, pk: str) -> HttpResponse:
        figures = self._figures(self._pilot(pk))
        response = HttpResponse(
            documents.yearly_report_docx(figures, generated_on=local_today()), content_type=DOCX
        )
        response["Content-Disposition"] = _attachment(
            f"年检自检报告-{figures.pilot.name}-{figures.year}.docx", documents.filename(figures, "docx")
        )
        return response

    @extend_schema(
        parameters=[PILOT_PARAM, YEAR_PARAM], responses={(200, "application/pdf"): OpenApiTypes.BINARY}
    )
    @action(detail=True, methods=["get"])
    def pdf(self, request: Request, pk: str) -> HttpResponse:
        figures = self._figures(self._pilot(pk))
        response = HttpResponse(
            documents.yearly_report_pdf(figures, generated_on=local_today()), content_type="application/pdf"
        )
        response["Content-Disposition"] = _attachment(
            f"年检自检报告-{figures.pilot.name}-{figures.year}.pdf", documents.filename(figures, "pdf")
        )
        return response


class SummaryRowSerializer(serializers.Serializer):
    school = serializers.CharField()
    pilots = serializers.IntegerField()
    recruited = serializers.IntegerField()
    active = serializers.IntegerField()
    companies = serializers.IntegerField()
    posts = serializers.IntegerField()
    stages_done = serializers.IntegerField()
    agreements_signed = serializers.IntegerField()
    violations_total = serializers.IntegerField()
    violations_resolved = serializers.IntegerField()
    assessments_passed = serializers.IntegerField()
    standard_reached = serializers.IntegerField()
    funds_received = serializers.DecimalField(max_digits=16, decimal_places=2)
    funds_spent = serializers.DecimalField(max_digits=16, decimal_places=2)


class SummarySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    rows = SummaryRowSerializer(many=True)
    total = SummaryRowSerializer()


class ProvinceSummaryViewSet(viewsets.ViewSet):
    """The province summary: every school's yearly figures side by side, with the total. The overseers only."""

    @extend_schema(parameters=[YEAR_PARAM], responses=SummarySerializer)
    def list(self, request: Request) -> Response:
        if not cast(User, request.user).sees_everything:
            raise exceptions.PermissionDenied()
        year = report_year(request)
        summary = selectors.province_summary(user=request.user, year=year, as_of=local_today())
        return Response(SummarySerializer({"year": year, **summary}).data)


# ------------------------------------------------------------------------------ the coordinator's text and funds
class YearlyReportTextSerializer(ScopedModelSerializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)

    class Meta:
        model = YearlyReportText
        fields = ["id", "pilot", "year", "situation", "problems", "measures", "updated_at"]
        read_only_fields = ["updated_at"]
        validators: list = []  # the service upserts on (pilot, year)


class YearlyReportTextViewSet(ScopedModelViewSet):
    base_queryset = YearlyReportText.objects.select_related("pilot")
    serializer_class = YearlyReportTextSerializer
    write_roles = (Role.COORDINATOR,)
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["pilot", "year"]

    def create_object(self, data: dict[str, Any]) -> YearlyReportText:
        return services.report_text_save(actor=self.request.user, **data)


class FundsLineSerializer(ScopedModelSerializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)

    class Meta:
        model = FundsLine
        fields = ["id", "pilot", "year", "heading", "received", "spent", "note"]
        validators: list = []  # the service upserts on (pilot, year, heading)


class FundsLineViewSet(ScopedModelViewSet):
    base_queryset = FundsLine.objects.select_related("pilot")
    serializer_class = FundsLineSerializer
    write_roles = (Role.COORDINATOR,)
    http_method_names = ["get", "post", "delete", "head", "options"]
    filterset_fields = ["pilot", "year"]

    def create_object(self, data: dict[str, Any]) -> FundsLine:
        return services.funds_line_save(actor=self.request.user, **data)

    def perform_destroy(self, instance: Any) -> None:
        services.funds_line_delete(actor=self.request.user, line=instance)


# ------------------------------------------------------------------------------------------------ the data return
class ReturnRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="the placement's id")
    number = serializers.IntegerField()
    student = serializers.CharField()
    resident_id = serializers.CharField()
    school = serializers.CharField()
    program = serializers.CharField()
    class_name = serializers.CharField(source="class")
    internship_type = serializers.CharField()
    organisation = serializers.CharField()
    company = serializers.CharField()
    credit_code = serializers.CharField()
    post = serializers.CharField()
    work_site = serializers.CharField()
    province = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    teacher = serializers.CharField()
    teacher_phone = serializers.CharField()
    mentor = serializers.CharField()
    liability_policy = serializers.CharField()
    work_injury_policy = serializers.CharField()
    pay = serializers.DecimalField(max_digits=12, decimal_places=2)
    agreement_number = serializers.CharField()
    agreement_status = serializers.CharField()
    status = serializers.CharField()


class MissingSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    placement = serializers.IntegerField()
    student = serializers.CharField()
    field = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    problem = serializers.CharField()


class DataReturnViewSet(viewsets.ViewSet):
    """The month's data return (实习信息): one row per active placement of the coordinator's school, and what is
    missing (`missing/`). The export is XLSX (records and missing list) or CSV (records; `?part=missing` for the
    list)."""

    def _data(self, request: Request) -> datareturn.DataReturn:
        return datareturn.data_return(user=request.user, month=report_month(request))

    @extend_schema(parameters=[MONTH_PARAM], responses=ReturnRowSerializer(many=True))
    def list(self, request: Request) -> Response:
        data = self._data(request)
        rows = [{"id": p, **row} for p, row in zip(data.placements, data.rows, strict=True)]
        return Response(ReturnRowSerializer(rows, many=True).data)

    @extend_schema(parameters=[MONTH_PARAM], responses=MissingSerializer(many=True))
    @action(detail=False, methods=["get"])
    def missing(self, request: Request) -> Response:
        return Response(MissingSerializer(self._data(request).missing, many=True).data)

    @extend_schema(
        parameters=[
            MONTH_PARAM,
            OpenApiParameter("fmt", str, enum=["xlsx", "csv"], required=False),
            OpenApiParameter("part", str, enum=["records", "missing"], required=False),
        ],
        responses={(200, XLSX): OpenApiTypes.BINARY, (200, "text/csv"): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get"])
    def export(self, request: Request) -> HttpResponse:
        data, fmt = self._data(request), request.query_params.get("fmt", "xlsx")
        if fmt == "xlsx":
            response = HttpResponse(datareturn.return_xlsx(data), content_type=XLSX)
        elif fmt == "csv":
            missing = request.query_params.get("part") == "missing"
            body = datareturn.missing_csv(data) if missing else datareturn.return_csv(data)
            response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        else:
            raise exceptions.ValidationError({"fmt": "xlsx or csv"})
        name = datareturn.return_filename(data, fmt)
        response["Content-Disposition"] = _attachment(f"实习信息-{data.month:%Y-%m}.{fmt}", name)
        return response


routes = [
    ("yearly-reports", YearlyReportViewSet),
    ("yearly-report-summary", ProvinceSummaryViewSet),
    ("yearly-report-texts", YearlyReportTextViewSet),
    ("report-funds-lines", FundsLineViewSet),
    ("data-returns", DataReturnViewSet),
]
