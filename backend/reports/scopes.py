"""Who sees a pilot's report text and funds lines: the coordinators of the pilot's school (and the overseers, who
see everything). Companies, mentors, students and guardians see none of it."""

from django.db.models import Q

from backend.accounts.scoping import by_role, register_scope

from .models import FundsLine, YearlyReportText

register_scope(YearlyReportText)(by_role(coordinator=lambda u: Q(pilot__school_id=u.school_id)))
register_scope(FundsLine)(by_role(coordinator=lambda u: Q(pilot__school_id=u.school_id)))
