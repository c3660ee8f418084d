"""Who sees companies, posts and mentors. See backend/accounts/scoping.py for the mechanism."""

from django.db.models import Q

from backend.accounts.scoping import by_role, register_scope

from .models import Company, Mentor, Post

register_scope(Company)(
    by_role(
        coordinator=lambda u: Q(pilots__school_id=u.school_id),
        hr=lambda u: Q(id=u.company_id),
        mentor=lambda u: Q(mentors__id=u.mentor_id),
        student=lambda u: Q(posts__placements__student_id=u.student_id),
        guardian=lambda u: Q(posts__placements__student__guardians__id=u.guardian_id),
    )
)
register_scope(Post)(
    by_role(
        coordinator=lambda u: Q(company__pilots__school_id=u.school_id),
        hr=lambda u: Q(company_id=u.company_id),
        mentor=lambda u: Q(company__mentors__id=u.mentor_id),
        student=lambda u: Q(placements__student_id=u.student_id),
        guardian=lambda u: Q(placements__student__guardians__id=u.guardian_id),
    )
)
register_scope(Mentor)(
    by_role(
        coordinator=lambda u: Q(company__pilots__school_id=u.school_id),
        hr=lambda u: Q(company_id=u.company_id),
        mentor=lambda u: Q(id=u.mentor_id),
        student=lambda u: Q(placements__student_id=u.student_id),
        guardian=lambda u: Q(placements__student__guardians__id=u.guardian_id),
    )
)
