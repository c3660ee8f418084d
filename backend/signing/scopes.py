"""Who sees which signing rows: the school's coordinators and the company's HR of the placement (of an
informed-consent form, the coordinators only); a student or guardian signs through a link, not through these
lists, and afterwards reads only the sealed agreement they are a party to (never the envelope's requests, which carry
the other parties' phones)."""

from django.db.models import Q

from backend.accounts.scoping import by_role, register_scope

from .models import SealedAgreement, Signature, SignatureRequest, SigningEnvelope


def _rule(prefix: str):
    p = f"{prefix}revision__agreement__placement__"
    c = f"{prefix}consent__placement__"  # an informed-consent form: the school's, never the company's
    return by_role(
        coordinator=lambda u: (
            Q(**{f"{p}pilot__school_id": u.school_id}) | Q(**{f"{c}pilot__school_id": u.school_id})
        ),
        hr=lambda u: Q(**{f"{p}post__company_id": u.company_id}),
    )


register_scope(SigningEnvelope)(_rule(""))
register_scope(SignatureRequest)(_rule("envelope__"))
register_scope(Signature)(_rule("request__envelope__"))
_party = "envelope__revision__agreement__placement__student__"
register_scope(SealedAgreement)(
    by_role(
        coordinator=lambda u: (
            Q(envelope__revision__agreement__placement__pilot__school_id=u.school_id)
            | Q(envelope__consent__placement__pilot__school_id=u.school_id)
        ),
        hr=lambda u: Q(envelope__revision__agreement__placement__post__company_id=u.company_id),
        student=lambda u: Q(**{f"{_party}id": u.student_id}),
        guardian=lambda u: Q(**{f"{_party}guardians__id": u.guardian_id}),
    )
)
