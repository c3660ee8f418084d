"""Subsidy API: claims (read, approve, reverse, export), budgets, payment batches, reports, reconciliation."""

from typing import Any, cast

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.models import Role, User
from backend.accounts.scoping import scope_queryset
from backend.api.mixins import RoleWritePermission, ScopedModelSerializer, ScopedModelViewSet
from backend.placements.models import PilotProject

from . import exports, selectors, services
from .models import Claim, ClaimEvent, DisbursementBatch, PilotBudget, SubsidyPolicy
from .reconciliation import reconcile

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FINANCE = (Role.BUREAU,)


class SubsidyPolicySerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = SubsidyPolicy
        fields = ["id", "name", "valid_from", "mentor_reward", "company_costs", "amount", "trigger"]


class SubsidyPolicyViewSet(ScopedModelViewSet):
    """Policy data, versioned by date. Admins add a new version; a version in use is never edited."""

    base_queryset = SubsidyPolicy.objects.all()
    serializer_class = SubsidyPolicySerializer
    write_roles = ()
    http_method_names = ["get", "post", "head", "options"]


class PilotBudgetSerializer(ScopedModelSerializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)

    class Meta:
        model = PilotBudget
        fields = ["id", "pilot", "year", "amount"]
        validators: list = []  # the service upserts on (pilot, year)


class PilotBudgetViewSet(ScopedModelViewSet):
    base_queryset = PilotBudget.objects.select_related("pilot")
    serializer_class = PilotBudgetSerializer
    write_roles = FINANCE
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["pilot", "year"]

    def create_object(self, data: dict[str, Any]) -> PilotBudget:
        return services.pilot_budget_set(actor=self.request.user, **data)


class HoldReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    message_en = serializers.CharField()
    details = serializers.DictField()


class ClaimSerializer(serializers.ModelSerializer):
    pilot_name = serializers.CharField(source="pilot.name", read_only=True)
    student_name = serializers.CharField(source="student.name", read_only=True)
    company_name = serializers.CharField(source="company.name", read_only=True)
    mentor_name = serializers.CharField(source="mentor.name", read_only=True)
    hold_reasons = HoldReasonSerializer(many=True, read_only=True)
    payment_reference = serializers.CharField(
        source="batch.reference", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "pilot",
            "pilot_name",
            "placement",
            "student",
            "student_name",
            "company",
            "company_name",
            "mentor",
            "mentor_name",
            "assessment",
            "policy",
            "mentor_amount",
            "company_amount",
            "amount",
            "budget_year",
            "status",
            "held",
            "hold_reasons",
            "accrued_at",
            "approved_at",
            "paid_at",
            "batch",
            "payment_reference",
            "reversed_at",
            "reversal_reason",
        ]
        read_only_fields = fields


class ClaimEventSerializer(serializers.ModelSerializer):
    actor: serializers.StringRelatedField = serializers.StringRelatedField(
        allow_null=True
    )  # system events have no actor

    class Meta:
        model = ClaimEvent
        fields = ["id", "at", "actor", "action", "from_status", "to_status", "details"]


class ReverseInputSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ApproveInOrderInputSerializer(serializers.Serializer):
    pilot = serializers.PrimaryKeyRelatedField(queryset=PilotProject.objects.all())
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class ApproveInOrderOutputSerializer(serializers.Serializer):
    approved = serializers.ListField(child=serializers.IntegerField())
    held = serializers.ListField(child=serializers.IntegerField())
    waiting = serializers.ListField(child=serializers.IntegerField())
    budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    remaining = serializers.DecimalField(max_digits=14, decimal_places=2)


class ClaimViewSet(viewsets.ReadOnlyModelViewSet):
    """Claims are accrued by the nightly sweep (never created by hand); the bureau approves, pays and reverses."""

    permission_classes = [RoleWritePermission]
    serializer_class = ClaimSerializer
    filterset_fields = ["pilot", "company", "mentor", "status", "held", "budget_year", "pilot__school"]
    search_fields = ["student__name", "company__name", "mentor__name"]
    ordering_fields = ["accrued_at", "amount", "status"]

    def get_write_roles(self) -> tuple[str, ...]:
        return FINANCE

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.claim_list(user=self.request.user)

    def _reload(self, claim: Claim) -> Response:
        return Response(ClaimSerializer(self.get_queryset().get(pk=claim.pk)).data)

    @extend_schema(request=None, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        claim = services.claim_approve(claim=self.get_object(), actor=request.user)
        return self._reload(claim)

    @extend_schema(request=ReverseInputSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, pk: str | None = None) -> Response:
        payload = ReverseInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        claim = services.claim_reverse(
            claim=self.get_object(), reason=payload.validated_data["reason"], actor=request.user
        )
        return self._reload(claim)

    @extend_schema(request=None, responses=ClaimSerializer)
    @action(detail=True, methods=["post"], url_path="check-holds")
    def check_holds(self, request: Request, pk: str | None = None) -> Response:
        claim = services.claim_holds_evaluate(
            claim=self.get_object(), actor=request.user, as_of=timezone.localdate()
        )
        return self._reload(claim)

    @extend_schema(responses=ClaimEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request: Request, pk: str | None = None) -> Response:
        claim = self.get_object()
        return Response(ClaimEventSerializer(claim.events.select_related("actor"), many=True).data)

    @extend_schema(request=ApproveInOrderInputSerializer, responses=ApproveInOrderOutputSerializer)
    @action(detail=False, methods=["post"], url_path="approve-in-order")
    def approve_in_order(self, request: Request) -> Response:
        payload = ApproveInOrderInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        result = services.claims_approve_in_order(actor=request.user, **payload.validated_data)
        return Response(ApproveInOrderOutputSerializer(result).data)

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"], url_path="export-xlsx")
    def export_xlsx(self, request: Request) -> HttpResponse:
        claims = self.filter_queryset(self.get_queryset())
        response = HttpResponse(exports.claims_xlsx(claims), content_type=XLSX)
        response["Content-Disposition"] = _attachment("学徒补助申领明细表.xlsx", "subsidy-claims.xlsx")
        return response

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"], url_path="export-csv")
    def export_csv(self, request: Request) -> HttpResponse:
        claims = self.filter_queryset(self.get_queryset())
        response = HttpResponse(exports.claims_csv(claims), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = _attachment("学徒补助申领明细表.csv", "subsidy-claims.csv")
        return response


def _attachment(name: str, ascii_name: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


class BatchSerializer(serializers.ModelSerializer):
    """A payment batch as the user may see it: only the claims (and the total) in the user's scope."""

    claims = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()

    class Meta:
        model = DisbursementBatch
        fields = ["id", "reference", "paid_on", "total", "claims", "note", "created_at"]

    def _visible(self, batch: DisbursementBatch) -> list[Claim]:
        user = self.context["request"].user
        return list(scope_queryset(user, Claim.objects.filter(batch=batch)))

    def get_claims(self, batch: DisbursementBatch) -> list[int]:
        return [c.pk for c in self._visible(batch)]

    def get_total(self, batch: DisbursementBatch) -> str:
        return str(sum((c.amount for c in self._visible(batch)), selectors.ZERO))


class BatchInputSerializer(serializers.Serializer):
    claims = serializers.PrimaryKeyRelatedField(queryset=Claim.objects.all(), many=True)
    reference = serializers.CharField(max_length=100)
    paid_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DisbursementBatchViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [RoleWritePermission]
    serializer_class = BatchSerializer

    def get_write_roles(self) -> tuple[str, ...]:
        return FINANCE

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return scope_queryset(self.request.user, DisbursementBatch.objects.all())

    @extend_schema(request=BatchInputSerializer, responses=BatchSerializer)
    def create(self, request: Request) -> Response:
        payload = BatchInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        batch = services.batch_pay(actor=request.user, **payload.validated_data)
        return Response(BatchSerializer(batch, context={"request": request}).data, status=201)


class ReportRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    # The stubs see Field.label; DRF's metaclass moves declared fields off the class, so this is a field.
    label = serializers.CharField()  # type: ignore[assignment]
    granted = serializers.DecimalField(max_digits=16, decimal_places=2)
    granted_count = serializers.IntegerField()
    approved = serializers.DecimalField(max_digits=16, decimal_places=2)
    paid = serializers.DecimalField(max_digits=16, decimal_places=2)
    reversed = serializers.DecimalField(max_digits=16, decimal_places=2)
    reversed_count = serializers.IntegerField()
    held = serializers.DecimalField(max_digits=16, decimal_places=2)
    held_count = serializers.IntegerField()
    waiting = serializers.DecimalField(max_digits=16, decimal_places=2)
    budget = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True)
    budget_left = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True)


REPORT_PARAMS = [
    OpenApiParameter(
        "by", str, enum=list(selectors.DIMENSIONS), description="pilot | school | company | mentor | year"
    ),
    OpenApiParameter("year", int, required=False),
]


def _report_args(request: Request) -> tuple[str, int | None]:
    by = request.query_params.get("by", "pilot")
    if by not in selectors.DIMENSIONS:
        raise exceptions.ValidationError({"by": f"one of {', '.join(selectors.DIMENSIONS)}"})
    year = request.query_params.get("year")
    if year and not (year.isdigit() and 2000 <= int(year) <= 2100):
        raise exceptions.ValidationError({"year": "a year such as 2026"})
    return by, int(year) if year else None


class SubsidyReportViewSet(viewsets.ViewSet):
    """Granted, approved, paid, reversed, held and budget left, by pilot, school, company, mentor or year."""

    @extend_schema(parameters=REPORT_PARAMS, responses=ReportRowSerializer(many=True))
    def list(self, request: Request) -> Response:
        by, year = _report_args(request)
        rows = selectors.subsidy_report(user=request.user, by=by, year=year)
        return Response(ReportRowSerializer(rows, many=True).data)

    @extend_schema(parameters=REPORT_PARAMS, responses={(200, "text/csv"): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"], url_path="export-csv")
    def export_csv(self, request: Request) -> HttpResponse:
        by, year = _report_args(request)
        rows = selectors.subsidy_report(user=request.user, by=by, year=year)
        response = HttpResponse(exports.report_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = _attachment(f"学徒补助统计-{by}.csv", f"subsidy-report-{by}.csv")
        return response


class ReconciliationCheckSerializer(serializers.Serializer):
    name = serializers.CharField()
    ok = serializers.BooleanField()
    problem_count = serializers.IntegerField()
    problems = serializers.ListField(child=serializers.DictField())


class ReconciliationSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    checks = ReconciliationCheckSerializer(many=True)


class ReconciliationViewSet(viewsets.ViewSet):
    """The whole ledger: for the bureau/finance (and admins) only."""

    @extend_schema(responses=ReconciliationSerializer)
    def list(self, request: Request) -> Response:
        if not cast(User, request.user).sees_everything:
            raise exceptions.PermissionDenied()
        return Response(reconcile())


routes = [
    ("subsidy-policies", SubsidyPolicyViewSet),
    ("subsidy-budgets", PilotBudgetViewSet),
    ("subsidy-claims", ClaimViewSet),
    ("subsidy-batches", DisbursementBatchViewSet),
    ("subsidy-reports", SubsidyReportViewSet),
    ("subsidy-reconciliation", ReconciliationViewSet),
]
