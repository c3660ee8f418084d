"""Who sees journals and visits (see accounts/scoping.py for the mechanism). A journal follows its placement:
the school, the company, the mentor, the apprentice, the guardian and the supervising teacher. A visit is the
school's: its coordinators see all of the school's visits, a teacher only their own."""

from django.db.models import Q

from backend.accounts.scoping import by_role, register_scope
from backend.attendance.scopes import placement_parties_q

from .models import (
    JournalEntry,
    JournalPhoto,
    JournalReview,
    JournalRevision,
    JournalRule,
    TeacherVisit,
    VisitPhoto,
)

register_scope(JournalEntry)(lambda u: placement_parties_q(u, "placement__"))
register_scope(JournalRevision)(lambda u: placement_parties_q(u, "entry__placement__"))
register_scope(JournalReview)(lambda u: placement_parties_q(u, "entry__placement__"))
register_scope(JournalPhoto)(lambda u: placement_parties_q(u, "entry__placement__"))
# A pilot's rule: its school sets it; the pilot's companies, mentors, teachers and apprentices read it.
register_scope(JournalRule)(
    by_role(
        coordinator=lambda u: Q(pilot__school_id=u.school_id),
        teacher=lambda u: Q(pilot__school_id=u.school_id),
        hr=lambda u: Q(pilot__companies__id=u.company_id),
        mentor=lambda u: Q(pilot__placements__mentor_id=u.mentor_id),
        student=lambda u: Q(pilot__placements__student_id=u.student_id),
    )
)
register_scope(TeacherVisit)(
    by_role(coordinator=lambda u: Q(school_id=u.school_id), teacher=lambda u: Q(teacher_id=u.id))
)
register_scope(VisitPhoto)(
    by_role(
        coordinator=lambda u: Q(visit__school_id=u.school_id), teacher=lambda u: Q(visit__teacher_id=u.id)
    )
)
