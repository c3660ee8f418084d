"""Reads for signing. Tenant scoping through backend.accounts.scoping, once."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from backend.accounts.scoping import scope_queryset
from backend.core.errors import NotFound

from .models import EnvelopeStatus, RequestStatus, SealedAgreement, SignatureRequest, SigningEnvelope


def agreement_is_sealed(placement: Any) -> bool:
    """Rule AGREEMENT_SIGNED: the placement's agreement is signed by every party and sealed (and not voided)."""
    return SealedAgreement.objects.filter(
        envelope__revision__agreement__placement=placement, envelope__status=EnvelopeStatus.SEALED
    ).exists()


_OWN_PARTY = {"hr": "company", "coordinator": "school"}


def signature_request_list(*, user: Any, status: str | None = None) -> QuerySet[SignatureRequest]:
    """The coordinator follows every request of the school's agreements; HR sees only the company's own requests,
    and only once it is the company's turn."""
    qs = SignatureRequest.objects.select_related("envelope__revision").order_by("-created_at", "position")
    qs = scope_queryset(user, qs)
    if getattr(user, "role", None) == "hr":
        qs = qs.filter(party="company").exclude(status=RequestStatus.WAITING)
    if status:
        qs = qs.filter(status=status)
    return qs


def signature_request_get(*, user: Any, pk: int) -> SignatureRequest:
    request = signature_request_list(user=user).filter(pk=pk).first()
    if request is None:
        raise NotFound("signature request")
    return request


def actionable_request_get(*, user: Any, pk: int) -> SignatureRequest:
    """A request this user may sign now. A request that is not yet anybody's turn is not shown at all."""
    request = signature_request_get(user=user, pk=pk)
    if request.status == RequestStatus.WAITING or request.party != _OWN_PARTY.get(getattr(user, "role", "")):
        raise NotFound("signature request")
    return request


def envelope_get(*, user: Any, pk: int) -> SigningEnvelope:
    envelope = scope_queryset(user, SigningEnvelope.objects.select_related("revision")).filter(pk=pk).first()
    if envelope is None:
        raise NotFound("signing envelope")
    return envelope


def sealed_agreement_get(*, user: Any, envelope_pk: int) -> SealedAgreement:
    sealed = scope_queryset(user, SealedAgreement.objects.all()).filter(envelope_id=envelope_pk).first()
    if sealed is None:
        raise NotFound("sealed agreement")
    return sealed


def sealed_agreements_of_placement(*, user: Any, placement: Any) -> QuerySet[SealedAgreement]:
    """The sealed agreements (the agreement and any supplementary one) of a placement that the user is a party to."""
    queryset = SealedAgreement.objects.filter(
        envelope__revision__agreement__placement=placement, envelope__status=EnvelopeStatus.SEALED
    )
    return (
        scope_queryset(user, queryset)
        .select_related("envelope__revision__agreement")
        .distinct()
        .order_by("sealed_at", "pk")
    )


def requests_due_for_reminder(*, now: Any) -> QuerySet[SignatureRequest]:
    import datetime as dt

    from .services import reminder_hours

    cutoff = now - dt.timedelta(hours=reminder_hours())
    from django.db.models import Q

    return SignatureRequest.objects.filter(
        status=RequestStatus.PENDING, envelope__status=EnvelopeStatus.SIGNING, expires_at__gt=now
    ).filter(Q(last_reminded_at__lte=cutoff) | Q(last_reminded_at__isnull=True, sent_at__lte=cutoff))


def requests_due_for_expiry(*, now: Any) -> QuerySet[SignatureRequest]:
    return SignatureRequest.objects.filter(status=RequestStatus.PENDING, expires_at__lte=now)


def envelopes_awaiting_seal(*, now: Any, grace_minutes: int = 5) -> QuerySet[SigningEnvelope]:
    import datetime as dt

    return SigningEnvelope.objects.filter(
        status__in=[EnvelopeStatus.COMPLETED, EnvelopeStatus.SEAL_FAILED],
        updated_at__lte=now - dt.timedelta(minutes=grace_minutes),
    )


def signature_requests_awaiting(*, user: Any) -> QuerySet[SignatureRequest]:
    """The inbox of an organisation's signer: requests of the user's own party (HR: the company, the coordinator:
    the school) whose turn it is, oldest first, with the agreement, placement and student read up front."""
    party = _OWN_PARTY.get(getattr(user, "role", ""))
    if party is None:
        return SignatureRequest.objects.none()
    return (
        signature_request_list(user=user, status=RequestStatus.PENDING)
        .filter(party=party)
        .select_related(
            "envelope__revision__agreement__placement__student",
            "envelope__revision__agreement__placement__post__company",
        )
        .order_by("sent_at", "created_at", "id")
    )
