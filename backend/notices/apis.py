from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.scoping import scope_queryset

from .models import Notice
from .services import notice_mark_read


class NoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notice
        fields = ["id", "kind", "title", "body", "link", "created_at", "read_at"]
        read_only_fields = fields


class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = NoticeSerializer
    filterset_fields = ["kind"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        # An inbox: one's own notices only, for the overseers too (who would otherwise read and mark everyone's).
        return scope_queryset(self.request.user, Notice.objects.filter(recipient_id=self.request.user.pk))

    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        return Response(NoticeSerializer(notice_mark_read(notice=self.get_object())).data)


routes = [("notices", NoticeViewSet)]
