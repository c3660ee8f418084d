"""Who sees matching rows. A coordinator sees their school's; HR sees what concerns their company's posts."""

from django.db.models import Q

from backend.accounts.scoping import by_role, register_scope

from .models import (
    ApplicantScore,
    MatchRun,
    PostRequirement,
    Proposal,
    RankingRound,
    StudentPreference,
    StudentScore,
)

register_scope(StudentPreference)(
    by_role(
        coordinator=lambda u: Q(student__school_id=u.school_id),
        hr=lambda u: Q(post__company_id=u.company_id),
        student=lambda u: Q(student_id=u.student_id),
    )
)
register_scope(ApplicantScore)(
    by_role(
        coordinator=lambda u: Q(student__school_id=u.school_id),
        hr=lambda u: Q(company_id=u.company_id),
    )
)
register_scope(PostRequirement)(
    by_role(
        coordinator=lambda u: Q(post__company__pilots__school_id=u.school_id),
        hr=lambda u: Q(post__company_id=u.company_id),
    )
)
register_scope(StudentScore)(
    by_role(
        coordinator=lambda u: Q(student__school_id=u.school_id),
        student=lambda u: Q(student_id=u.student_id),
    )
)
register_scope(MatchRun)(by_role(coordinator=lambda u: Q(school_id=u.school_id)))
register_scope(Proposal)(
    by_role(
        coordinator=lambda u: Q(run__school_id=u.school_id),
        hr=lambda u: Q(post__company_id=u.company_id),
        student=lambda u: Q(student_id=u.student_id),
    )
)
register_scope(RankingRound)(
    by_role(
        coordinator=lambda u: Q(pilot__school_id=u.school_id),
        student=lambda u: Q(
            pilot__school__students__id=u.student_id, pilot__program__cohorts__students__id=u.student_id
        ),
    )
)
