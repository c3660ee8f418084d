"""Journals API: the apprentice writes and resubmits, the mentor and the teacher review (one or a week at once),
the coordinator reads the overview; the pilot's journal rule; the supervising teacher's visits. Photos are read
only through the scoped routes here (never from MEDIA_URL)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.models import Role
from backend.accounts.scoping import scope_queryset
from backend.api.mixins import RoleWritePermission, ScopedRelatedFieldsMixin
from backend.companies.models import Company
from backend.core.clock import local_today
from backend.core.errors import ApplicationError
from backend.placements.models import PilotProject

from . import selectors, services
from .models import JournalEntry, JournalKind, JournalRule, ReviewAction, TeacherVisit


class ReviewOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reviewer_role = serializers.CharField()
    reviewer_name = serializers.SerializerMethodField()
    action = serializers.CharField()
    comment = serializers.CharField()
    entry_version = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    def get_reviewer_name(self, review: Any) -> str:
        return review.reviewer.display_name or review.reviewer.username


class PhotoOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()


class JournalSerializer(serializers.ModelSerializer):
    reviews = ReviewOutSerializer(many=True, read_only=True)
    photos = PhotoOutSerializer(many=True, read_only=True)

    class Meta:
        model = JournalEntry
        fields = [
            "id",
            "placement",
            "student",
            "kind",
            "period_start",
            "tasks",
            "hours",
            "learned",
            "problems",
            "status",
            "version",
            "deadline",
            "submitted_at",
            "resubmitted_at",
            "late",
            "reviews",
            "photos",
        ]
        read_only_fields = fields


class JournalWriteSerializer(serializers.Serializer):
    placement = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=JournalKind.choices)
    day = serializers.DateField(help_text="the day (daily) or any day of the ISO week (weekly)")
    tasks = serializers.ListField(child=serializers.CharField(max_length=200), required=False, default=list)
    hours = serializers.DecimalField(max_digits=5, decimal_places=1)
    learned = serializers.CharField(max_length=5000)
    problems = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class ReviewSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ReviewAction.choices)
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class ReviewWeekSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ReviewAction.choices)
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    week = serializers.DateField(help_text="any day of the ISO week")
    entries = serializers.ListField(
        child=serializers.IntegerField(), required=False, allow_null=True, default=None
    )


class OverviewRowSerializer(serializers.Serializer):
    key = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(source="label")
    due = serializers.IntegerField()
    written = serializers.IntegerField()
    missing = serializers.IntegerField()
    late = serializers.IntegerField()
    waiting = serializers.IntegerField()
    reviewed = serializers.IntegerField()


class OverviewSerializer(serializers.Serializer):
    week = serializers.DateField()
    classes = OverviewRowSerializer(many=True)
    teachers = OverviewRowSerializer(many=True)


def _multi(request: Request) -> dict[str, Any]:
    """The body with the repeated fields (tasks, photos) as lists, whether JSON or multipart."""
    body: Any = request.data
    if hasattr(body, "getlist"):
        data: dict[str, Any] = {k: body.get(k) for k in body}
        data["tasks"] = body.getlist("tasks")
        data["photos"] = request.FILES.getlist("photos")
        return data
    return dict(body)


class JournalViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Journals of the placements the user sees. POST writes (or resubmits a returned one); review and
    review-week for the mentor and the teacher; overview for the coordinator."""

    serializer_class = JournalSerializer
    permission_classes = [RoleWritePermission]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = ["placement", "kind", "status", "late", "period_start"]

    def get_write_roles(self) -> tuple[str, ...]:
        if self.action in ("review", "review_week"):
            return (Role.MENTOR, Role.TEACHER)
        return (Role.STUDENT,)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.journal_list(user=self.request.user).order_by("-period_start", "-id")

    @extend_schema(request=JournalWriteSerializer, responses={201: JournalSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = JournalWriteSerializer(data=_multi(request))
        payload.is_valid(raise_exception=True)
        d = payload.validated_data
        placement = selectors.writable_placements(user=request.user).filter(pk=d["placement"]).first()
        if placement is None:
            raise ApplicationError("NOT_FOUND", "未找到学徒岗位安排", "placement not found", status=404)
        entry = services.journal_submit(
            actor=request.user,
            placement=placement,
            kind=d["kind"],
            day=d["day"],
            tasks=d["tasks"],
            hours=d["hours"],
            learned=d["learned"],
            problems=d["problems"],
            photos=d["photos"],
        )
        return Response(
            JournalSerializer(self.get_queryset().get(pk=entry.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=ReviewSerializer, responses=JournalSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        payload = ReviewSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.journal_review(actor=request.user, entry=self.get_object(), **payload.validated_data)
        return Response(JournalSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(request=ReviewWeekSerializer, responses=JournalSerializer(many=True))
    @action(detail=False, methods=["post"], url_path="review-week")
    def review_week(self, request: Request) -> Response:
        payload = ReviewWeekSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        d = payload.validated_data
        reviews = services.journals_review_week(
            actor=request.user,
            week=d["week"],
            action=d["action"],
            comment=d["comment"],
            entry_ids=d["entries"],
        )
        rows = self.get_queryset().filter(pk__in=[r.entry_id for r in reviews])
        return Response(JournalSerializer(rows, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("week", str, description="any day of the ISO week (default: this week)")
        ],
        responses=OverviewSerializer,
    )
    @action(detail=False, methods=["get"])
    def overview(self, request: Request) -> Response:
        """Per class and per teacher: journals due, written, missing, late, waiting for review, reviewed."""
        week = serializers.DateField().to_internal_value(
            request.query_params.get("week") or local_today().isoformat()
        )
        figures = selectors.journal_overview(user=request.user, week=week)
        return Response(
            OverviewSerializer({"week": services.rhythm.week_start(week), **figures}).data  # type: ignore[arg-type]
        )

    @extend_schema(responses={(200, "image/*"): bytes})
    @action(detail=True, methods=["get"], url_path=r"photos/(?P<photo>\d+)")
    def photo(self, request: Request, pk: str | None = None, photo: str | None = None) -> FileResponse:
        entry = self.get_object()
        found = entry.photos.filter(pk=photo).first()
        if found is None:
            raise Http404
        return FileResponse(found.file.open("rb"), content_type=found.content_type)


class JournalRuleSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    # declared, so that a second POST replaces the pilot's rule (no uniqueness check); scoped by the mixin
    pilot = serializers.PrimaryKeyRelatedField(queryset=PilotProject.objects.all())

    class Meta:
        model = JournalRule
        fields = [
            "id",
            "pilot",
            "weekly_required",
            "daily_required",
            "term_min",
            "deadline_days",
            "deadline_hour",
            "remind_hours",
        ]


class JournalRuleViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """A pilot's journal rhythm and deadline; POST sets it (creates or replaces), by the pilot's coordinator."""

    serializer_class = JournalRuleSerializer
    permission_classes = [RoleWritePermission]

    def get_write_roles(self) -> tuple[str, ...]:
        return (Role.COORDINATOR,)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return scope_queryset(self.request.user, JournalRule.objects.order_by("pilot_id"))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = JournalRuleSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        d = dict(payload.validated_data)
        pilot = scope_queryset(request.user, PilotProject.objects.filter(pk=d.pop("pilot").pk)).first()
        if pilot is None:
            raise ApplicationError("NOT_FOUND", "未找到试点项目", "pilot not found", status=404)
        defaults = {
            "weekly_required": True,
            "daily_required": False,
            "term_min": 12,
            "deadline_days": 1,
            "deadline_hour": 12,
            "remind_hours": 24,
        }
        rule = services.journal_rule_set(actor=request.user, pilot=pilot, **{**defaults, **d})
        return Response(JournalRuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class VisitSerializer(serializers.ModelSerializer):
    photos = PhotoOutSerializer(many=True, read_only=True)

    class Meta:
        model = TeacherVisit
        fields = [
            "id",
            "school",
            "teacher",
            "company",
            "placement",
            "visited_on",
            "place",
            "met",
            "findings",
            "follow_up",
            "photos",
            "created_at",
        ]
        read_only_fields = fields


class VisitWriteSerializer(serializers.Serializer):
    company = serializers.IntegerField(required=False, allow_null=True)
    placement = serializers.IntegerField(required=False, allow_null=True)
    visited_on = serializers.DateField()
    place = serializers.CharField(max_length=300)
    met = serializers.CharField(max_length=300)
    findings = serializers.CharField(max_length=5000)
    follow_up = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class TeacherVisitViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """走访: the coordinator sees all of the school's visits, a teacher their own; a teacher records one."""

    serializer_class = VisitSerializer
    permission_classes = [RoleWritePermission]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = ["company", "placement", "teacher"]

    def get_write_roles(self) -> tuple[str, ...]:
        return (Role.TEACHER,)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.visit_list(user=self.request.user)

    @extend_schema(request=VisitWriteSerializer, responses={201: VisitSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _multi(request)
        payload = VisitWriteSerializer(data=data)
        payload.is_valid(raise_exception=True)
        d = payload.validated_data
        placement, company = visit_target(request.user, d.get("placement"), d.get("company"))
        visit = services.visit_create(
            actor=request.user,
            company=company,
            placement=placement,
            visited_on=d["visited_on"],
            place=d["place"],
            met=d["met"],
            findings=d["findings"],
            follow_up=d["follow_up"],
            photos=d["photos"],
            today=local_today(),
        )
        return Response(VisitSerializer(visit).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "image/*"): bytes})
    @action(detail=True, methods=["get"], url_path=r"photos/(?P<photo>\d+)")
    def photo(self, request: Request, pk: str | None = None, photo: str | None = None) -> FileResponse:
        found = self.get_object().photos.filter(pk=photo).first()
        if found is None:
            raise Http404
        return FileResponse(found.file.open("rb"), content_type=found.content_type)


def visit_target(user: Any, placement_id: int | None, company_id: int | None) -> tuple[Any, Company]:
    """The placement (one the teacher sees) or the company (one the teacher's apprentices work at), or 404."""
    from backend.placements.models import Placement

    placement = None
    if placement_id:
        placement = (
            scope_queryset(user, Placement.objects.select_related("post__company"))
            .filter(pk=placement_id)
            .first()
        )
        if placement is None:
            raise ApplicationError("NOT_FOUND", "未找到学徒岗位安排", "placement not found", status=404)
        return placement, placement.post.company
    company = Company.objects.filter(
        pk=company_id or 0, posts__placements__teacher_assignment__teacher=user
    ).first()
    if company is None:
        raise ApplicationError("NOT_FOUND", "未找到企业", "company not found", status=404)
    return None, company


routes = [
    ("journals", JournalViewSet),
    ("journal-rules", JournalRuleViewSet),
    ("teacher-visits", TeacherVisitViewSet),
]
