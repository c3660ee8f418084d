"""The signing API: one view per operation. Link endpoints take no login: the token is the credential."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from backend.accounts.scoping import scope_queryset
from backend.agreements.models import AgreementRevision
from backend.core.errors import ApplicationError, NotFound

from . import agreement_source as source
from . import selectors, services
from .models import SignatureRequest, SigningEnvelope
from .sealing import verify_document


def client_evidence(request: Request) -> services.Evidence:
    return services.Evidence(
        ip_address=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:500],
    )


class SignatureRequestOutputSerializer(serializers.ModelSerializer):
    envelope_status = serializers.CharField(source="envelope.status")
    revision = serializers.IntegerField(source="envelope.revision_id")

    class Meta:
        model = SignatureRequest
        fields = [
            "id",
            "envelope",
            "envelope_status",
            "revision",
            "party",
            "position",
            "status",
            "party_name",
            "sent_at",
            "expires_at",
            "reminder_count",
            "declined_at",
            "decline_reason",
        ]


class EnvelopeOutputSerializer(serializers.ModelSerializer):
    requests = SignatureRequestOutputSerializer(many=True)
    sealed_sha256 = serializers.SerializerMethodField()

    class Meta:
        model = SigningEnvelope
        fields = [
            "id",
            "revision",
            "status",
            "signing_order",
            "declined_reason",
            "voided_reason",
            "replaced_by",
            "requests",
            "sealed_sha256",
            "created_at",
        ]

    def get_sealed_sha256(self, obj: SigningEnvelope) -> str | None:
        sealed = getattr(obj, "sealed", None)
        return sealed.sha256 if sealed else None


class SignInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=12)
    typed_name = serializers.CharField(max_length=50)
    agreed = serializers.BooleanField()
    drawing = serializers.CharField(
        required=False,
        max_length=500_000,
        help_text="The signature drawn on the screen: a data:image/png;base64 URL (PNG only, not blank).",
    )


class DeclineInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=12)
    reason = serializers.CharField(max_length=2000)


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class SignatureOutputSerializer(serializers.Serializer):
    request = serializers.IntegerField(source="request_id")
    party = serializers.CharField()
    typed_name = serializers.CharField()
    signed_at = serializers.DateTimeField()
    verification_method = serializers.CharField()
    agreed_text = serializers.CharField()
    agreed_text_sha256 = serializers.CharField()


CODE_SENT = inline_serializer(
    "CodeSent", {"sent_to": serializers.CharField(), "expires_at": serializers.DateTimeField()}
)


def _masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


# --- coordinator and HR (accounts) ------------------------------------------------------------------------------------


class SignatureRequestListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=SignatureRequestOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        qs = selectors.signature_request_list(user=request.user, status=request.query_params.get("status"))
        return Response(SignatureRequestOutputSerializer(qs[:200], many=True).data)


class SigningSendApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        revision = serializers.IntegerField()

        class Meta:
            ref_name = "SigningSendInput"

    @extend_schema(request=InputSerializer, responses={201: EnvelopeOutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        revision = _scoped_revision(request.user, data.validated_data["revision"])
        envelope = services.signing_send(actor=request.user, revision=revision, now=timezone.now())
        return Response(EnvelopeOutputSerializer(envelope).data, status=201)


def _scoped_revision(user: Any, pk: int) -> AgreementRevision:
    from backend.agreements.models import Agreement

    agreements = scope_queryset(user, Agreement.objects.all())
    revision = AgreementRevision.objects.filter(pk=pk, agreement__in=agreements).first()
    if revision is None:
        raise NotFound("agreement revision")
    return revision


class EnvelopeDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=EnvelopeOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        envelope = selectors.envelope_get(user=request.user, pk=pk)
        if getattr(request.user, "role", None) == "hr":
            raise NotFound("signing envelope")
        return Response(EnvelopeOutputSerializer(envelope).data)


class SigningCodeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=CODE_SENT)
    def post(self, request: Request, pk: int) -> Response:
        req = selectors.actionable_request_get(user=request.user, pk=pk)
        otp = services.signing_code_send(request=req, now=timezone.now(), user=request.user)
        return Response({"sent_to": _masked(otp.phone), "expires_at": otp.expires_at})


class SigningSignApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=SignInputSerializer, responses={201: SignatureOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        req = selectors.actionable_request_get(user=request.user, pk=pk)
        data = SignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        signature = services.signing_sign(
            request=req,
            evidence=client_evidence(request),
            now=timezone.now(),
            user=request.user,
            **data.validated_data,
        )
        return Response(SignatureOutputSerializer(signature).data, status=201)


class SigningDeclineApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=DeclineInputSerializer, responses=SignatureRequestOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        req = selectors.actionable_request_get(user=request.user, pk=pk)
        data = DeclineInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        declined = services.signing_decline(
            request=req,
            evidence=client_evidence(request),
            now=timezone.now(),
            user=request.user,
            **data.validated_data,
        )
        return Response(SignatureRequestOutputSerializer(declined).data)


class SigningResendApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=SignatureRequestOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        req = selectors.signature_request_get(user=request.user, pk=pk)
        resent = services.signing_resend(actor=request.user, request=req, now=timezone.now())
        return Response(SignatureRequestOutputSerializer(resent).data)


class SigningVoidApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReasonInputSerializer, responses=EnvelopeOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        envelope = selectors.envelope_get(user=request.user, pk=pk)
        data = ReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        voided = services.signing_void(
            actor=request.user, envelope=envelope, reason=data.validated_data["reason"], now=timezone.now()
        )
        return Response(EnvelopeOutputSerializer(voided).data)


class SealedPdfApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request: Request, pk: int) -> FileResponse:
        sealed = selectors.sealed_agreement_get(user=request.user, envelope_pk=pk)
        return FileResponse(
            sealed.pdf.open("rb"), content_type="application/pdf", filename=f"{sealed.sha256}.pdf"
        )


# --- students and guardians (links; no login) -------------------------------------------------------------------------


class LinkThrottle(AnonRateThrottle):
    rate = "60/min"


class _LinkApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [LinkThrottle]

    def resolve(self, request_id: int, token: str) -> SignatureRequest:
        return services.link_resolve(request_id=request_id, token=token, now=timezone.now())


class LinkDetailApi(_LinkApi):
    @extend_schema(
        responses=inline_serializer(
            "SigningLinkDetail",
            {
                "party": serializers.CharField(),
                "party_name": serializers.CharField(),
                "agreement_reference": serializers.CharField(),
                "agreement_title": serializers.CharField(),
                "pdf_sha256": serializers.CharField(),
                "agreed_text": serializers.CharField(),
                "expires_at": serializers.DateTimeField(),
            },
        )
    )
    def get(self, request: Request, request_id: int, token: str) -> Response:
        req = self.resolve(request_id, token)
        agreement = source.agreement_of(req.envelope.document)
        return Response(
            {
                "party": req.party,
                "party_name": req.party_name,
                "agreement_reference": source.agreement_reference(agreement),
                "agreement_title": source.agreement_title(agreement),
                "pdf_sha256": source.revision_pdf_sha256(req.envelope.document),
                "agreed_text": services.agreed_text(req, req.signer_name),
                "expires_at": req.expires_at,
            }
        )


class LinkPdfApi(_LinkApi):
    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request: Request, request_id: int, token: str) -> FileResponse:
        req = self.resolve(request_id, token)
        revision = req.envelope.document
        return FileResponse(revision.pdf.open("rb"), content_type="application/pdf", filename="agreement.pdf")


class LinkCodeApi(_LinkApi):
    @extend_schema(request=None, responses=CODE_SENT)
    def post(self, request: Request, request_id: int, token: str) -> Response:
        req = self.resolve(request_id, token)
        otp = services.signing_code_send(request=req, now=timezone.now(), via_link=True)
        return Response({"sent_to": _masked(otp.phone), "expires_at": otp.expires_at})


class LinkSignApi(_LinkApi):
    parser_classes = [JSONParser, FormParser]

    @extend_schema(request=SignInputSerializer, responses={201: SignatureOutputSerializer})
    def post(self, request: Request, request_id: int, token: str) -> Response:
        req = self.resolve(request_id, token)
        data = SignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        signature = services.signing_sign(
            request=req,
            evidence=client_evidence(request),
            now=timezone.now(),
            token=token,
            **data.validated_data,
        )
        return Response(SignatureOutputSerializer(signature).data, status=201)


class LinkDeclineApi(_LinkApi):
    @extend_schema(request=DeclineInputSerializer, responses=SignatureRequestOutputSerializer)
    def post(self, request: Request, request_id: int, token: str) -> Response:
        req = self.resolve(request_id, token)
        data = DeclineInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        declined = services.signing_decline(
            request=req,
            evidence=client_evidence(request),
            now=timezone.now(),
            via_link=True,
            **data.validated_data,
        )
        return Response(SignatureRequestOutputSerializer(declined).data)


# --- public verification ---------------------------------------------------------------------------------------------


MAX_VERIFY_UPLOAD = 20 * 1024 * 1024


class VerifyThrottle(AnonRateThrottle):
    rate = "30/min"


class VerifyApi(APIView):
    """Upload a PDF (field ``file``) or give its ``sha256``: is it an agreement sealed here, unchanged?"""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [VerifyThrottle]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(required=False)
        sha256 = serializers.CharField(required=False, max_length=64)

        class Meta:
            ref_name = "VerifyInput"

    @extend_schema(
        request=InputSerializer,
        responses=inline_serializer(
            "VerifyAnswer",
            {
                "valid": serializers.BooleanField(),
                "reason": serializers.CharField(),
                "message": serializers.CharField(),
                "message_en": serializers.CharField(),
                "document_sha256": serializers.CharField(),
                "checked": serializers.CharField(),
                "signature": serializers.DictField(allow_null=True),
                "agreement": serializers.DictField(allow_null=True),
                "history": serializers.ListField(child=serializers.DictField()),
                "record": serializers.DictField(allow_null=True),
            },
        ),
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data.get("file")
        if upload is None and not data.validated_data.get("sha256"):
            raise serializers.ValidationError({"file": ["upload a PDF or give its sha256"]})
        if upload is not None and (upload.size or 0) > MAX_VERIFY_UPLOAD:
            raise ApplicationError(
                "FILE_TOO_LARGE", "文件过大（上限 20 MB）", "file too large (20 MB at most)"
            )
        answer = verify_document(
            pdf=upload.read() if upload is not None else None, sha256=data.validated_data.get("sha256")
        )
        return Response(answer.__dict__)
