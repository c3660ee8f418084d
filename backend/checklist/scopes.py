"""Who sees the checklist: the pilot's school sees everything of its pilots; the company's HR reads its own visit
reports and approval (and the pilot's plans it wrote with the school); a student and the guardian see the student's
consent record and consent forms (the company is not a party to the consent). Nobody else (see backend/accounts/scoping.py)."""

from django.db.models import Q

from backend.accounts.scoping import by_role, register_scope

from .models import (
    ConsentDocument,
    ConsentRecord,
    Filing,
    HostApproval,
    HostVisit,
    HostVisitPhoto,
    PilotDocument,
    ProvinceApproval,
    SafetyTraining,
)

register_scope(HostVisit)(
    by_role(
        coordinator=lambda u: Q(pilot__school_id=u.school_id),
        hr=lambda u: Q(company_id=u.company_id),
    )
)
register_scope(HostVisitPhoto)(
    by_role(
        coordinator=lambda u: Q(visit__pilot__school_id=u.school_id),
        hr=lambda u: Q(visit__company_id=u.company_id),
    )
)
register_scope(HostApproval)(
    by_role(
        coordinator=lambda u: Q(school_id=u.school_id),
        hr=lambda u: Q(company_id=u.company_id),
    )
)
register_scope(PilotDocument)(
    by_role(
        coordinator=lambda u: Q(pilot__school_id=u.school_id),
        hr=lambda u: Q(pilot__companies__id=u.company_id),
    )
)
register_scope(ConsentRecord)(
    by_role(
        coordinator=lambda u: Q(placement__pilot__school_id=u.school_id),
        student=lambda u: Q(placement__student_id=u.student_id),
        guardian=lambda u: Q(placement__student__guardians__id=u.guardian_id),
    )
)
register_scope(ConsentDocument)(
    by_role(
        coordinator=lambda u: Q(placement__pilot__school_id=u.school_id),
        student=lambda u: Q(placement__student_id=u.student_id),
        guardian=lambda u: Q(placement__student__guardians__id=u.guardian_id),
    )
)
_the_pilots_school = by_role(coordinator=lambda u: Q(pilot__school_id=u.school_id))
register_scope(Filing)(_the_pilots_school)
register_scope(SafetyTraining)(_the_pilots_school)
register_scope(ProvinceApproval)(_the_pilots_school)
