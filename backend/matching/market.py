"""From the database to the engine's arrays and back: the market of one matching scope.

Reads go through plain SQL cursors over ORM-built queries (`_rows`): at province scale (a million preference
rows) Django's per-row model machinery would cost more than the matching itself.
"""

from __future__ import annotations

import datetime
import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

from backend.companies.models import Company, Mentor, Post
from backend.placements.models import PilotProject, Placement, PlacementStatus
from backend.rules.gates import cap_limit
from backend.rules.policy import Policy
from backend.rules.selectors import PolicyBook
from backend.schools.models import Student

from . import engine
from .eligibility import POST_NOT_IN_PILOT, POST_REQUIREMENT, combine, pair_violation, post_gate, student_gate
from .models import ApplicantScore, PostRequirement, StudentPreference, StudentScore

# Priorities: applicants the company scored come first, by its score; then the rest by school score.
_UNSCORED_TIER = 10**7


def _rows(queryset: QuerySet) -> list[tuple]:
    """The rows of a values_list queryset through a bare cursor (no per-row model conversion)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # e.g. `pk__in=[]`
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def priority_from(company_score: Decimal | None, school_score: Decimal | None) -> int:
    """Lower is better: the company's own score where given, else the school score one tier below."""
    if company_score is not None:
        return -int(company_score * 100)
    return _UNSCORED_TIER - int((school_score or Decimal(0)) * 100)


def describe_priority(priority: int) -> dict[str, Any]:
    """A priority back as the score it came from: {"by": "company" | "school", "score": "88.50"}."""
    if priority > _UNSCORED_TIER // 2:
        return {"by": "school", "score": str(Decimal(_UNSCORED_TIER - priority) / 100)}
    return {"by": "company", "score": str(Decimal(-priority) / 100)}


@dataclass
class Market:
    instance: engine.Instance
    as_of: datetime.date
    student_ids: list[int]
    post_ids: list[int]
    pref_pilot: list[list[int]]  # pilot id of each preference entry
    post_company: list[int]
    student_index: dict[int, int]
    post_index: dict[int, int]
    mentors_by_post: list[list[tuple[int, int]]]  # (mentor id, current apprentices) usable on each post
    labels: dict[str, list[str]]
    student_facts: dict[int, tuple[datetime.date, int]]  # student id -> (birth date, entry year)
    post_tags: dict[int, list[str]]
    pilot_companies: dict[int, set[int]]
    student_pilots: dict[int, list[int]]  # student id -> pilots of the student's school and program
    policy: Policy = field(default_factory=Policy)  # caps and mentor ratio: the national version on as_of
    pilot_policy: dict[int, Policy] = field(default_factory=dict)  # gates: each pilot's version on as_of
    extra_priority: dict[tuple[int, int], int] = field(default_factory=dict)
    _priority: Any = None  # (student idx, post idx) -> priority, for pairs outside the preference lists
    _requirement: Any = None  # (student idx, post idx) -> POST_REQUIREMENT or None

    def priority_for(self, s: int, p: int) -> int:
        return self._priority(s, p)

    def ineligibility(self, student_id: int, post_id: int, pilot_id: int | None) -> str | None:
        birth, entry = self.student_facts[student_id]
        rule = pair_violation(
            birth_date=birth,
            entry_year=entry,
            post_tags=self.post_tags.get(post_id, []),
            as_of=self.as_of,
            policy=self.pilot_policy.get(pilot_id or 0, self.policy),
        )
        if rule:
            return rule
        companies = self.pilot_companies.get(pilot_id, set()) if pilot_id else set()
        if self.post_company[self.post_index[post_id]] not in companies:
            return POST_NOT_IN_PILOT
        return self._requirement(self.student_index[student_id], self.post_index[post_id])


def load_market(
    *,
    pilot_ids: Sequence[int],
    as_of: datetime.date,
    student_ids: Iterable[int] | None = None,
    ignore_placements: Iterable[int] = (),
) -> Market:
    """The market of these pilots on `as_of`.

    Students: those given, else every student of the pilots' schools and programs with no live placement.
    Capacities: what is left after live placements (except `ignore_placements`, e.g. the ones an audited run
    created itself) on each post, mentor and company, also placements through other pilots and schools."""
    pilots = _rows(PilotProject.objects.filter(pk__in=pilot_ids).values_list("id", "school_id", "program_id"))
    book = PolicyBook()
    policy = book.policy(pilot_id=None, on=as_of)
    pilot_policy = {row[0]: book.policy(pilot_id=row[0], on=as_of) for row in pilots}
    mentor_max = policy.mentor_max
    links = _rows(
        PilotProject.companies.through.objects.filter(pilotproject_id__in=pilot_ids).values_list(
            "pilotproject_id", "company_id"
        )
    )
    pilot_companies: dict[int, set[int]] = defaultdict(set)
    for pilot_id, company_id in links:
        pilot_companies[pilot_id].add(company_id)
    company_ids = sorted({c for cs in pilot_companies.values() for c in cs})
    pilot_of_program: dict[tuple[int, int], list[int]] = defaultdict(list)
    for pilot_id, school_id, program_id in pilots:
        pilot_of_program[(school_id, program_id)].append(pilot_id)

    # Students
    qs = Student.objects.all()
    if student_ids is not None:
        qs = qs.filter(pk__in=list(student_ids))
    else:
        from django.db.models import Q

        cond = Q(pk__in=[])
        for school_id, program_id in pilot_of_program:
            cond |= Q(school_id=school_id, cohort__program_id=program_id)
        qs = qs.filter(cond).exclude(placements__status__in=PlacementStatus.LIVE)
    students = _rows(
        qs.order_by("pk").values_list(
            "id",
            "birth_date",
            "cohort__entry_year",
            "cohort__program_id",
            "school_id",
            "cohort__program__name",
            "school__name",
        )
    )
    student_ids_list = [row[0] for row in students]
    student_index = {sid: i for i, sid in enumerate(student_ids_list)}
    student_facts = {row[0]: (row[1], row[2]) for row in students}
    student_program = {row[0]: row[3] for row in students}
    student_pilots = {row[0]: pilot_of_program.get((row[4], row[3]), []) for row in students}

    # Posts, companies, mentors, current load
    posts = _rows(
        Post.objects.filter(company_id__in=company_ids)
        .order_by("pk")
        .values_list("id", "company_id", "capacity", "staff_on_post", "hazard_tags")
    )
    post_ids = [row[0] for row in posts]
    post_index = {pid: i for i, pid in enumerate(post_ids)}
    post_tags = {
        row[0]: list(row[4] or []) if not isinstance(row[4], str) else _json_list(row[4]) for row in posts
    }
    staff = dict(_rows(Company.objects.filter(pk__in=company_ids).values_list("id", "staff_count")))
    ignore = list(ignore_placements)
    live = Placement.objects.filter(status__in=PlacementStatus.LIVE).exclude(pk__in=ignore)
    post_load = Counter(
        dict(
            _rows(
                live.filter(post__company_id__in=company_ids)
                .order_by()
                .values_list("post_id")
                .annotate(n=_count())
            )
        )
    )
    company_load = Counter(
        dict(
            _rows(
                live.filter(post__company_id__in=company_ids)
                .order_by()
                .values_list("post__company_id")
                .annotate(n=_count())
            )
        )
    )
    mentors = _rows(
        Mentor.objects.filter(company_id__in=company_ids)
        .order_by("pk")
        .values_list("id", "company_id", "post_id")
    )
    mentor_load = Counter(
        dict(
            _rows(
                live.filter(mentor__company_id__in=company_ids)
                .order_by()
                .values_list("mentor_id")
                .annotate(n=_count())
            )
        )
    )

    # Capacity groups: company -> mentor group (the post's own mentors, or the company's unattached ones) -> post
    group_capacity: list[int] = []
    group_parent: list[int] = []
    group_kind: list[str] = []
    company_group: dict[int, int] = {}
    for company_id in company_ids:
        company_group[company_id] = len(group_capacity)
        group_capacity.append(
            cap_limit(staff.get(company_id, 0), policy.company_cap_percent) - company_load[company_id]
        )
        group_parent.append(-1)
        group_kind.append(engine.COMPANY_CAP)
    own_mentors: dict[int, list[tuple[int, int]]] = defaultdict(list)
    pool_mentors: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for mentor_id, company_id, post_id in mentors:
        entry = (mentor_id, mentor_load[mentor_id])
        (own_mentors[post_id] if post_id in post_index else pool_mentors[company_id]).append(entry)
    pool_group: dict[int, int] = {}
    post_capacity, post_kind, post_group, post_company = [], [], [], []
    mentors_by_post: list[list[tuple[int, int]]] = []
    for post_id, company_id, capacity, staff_on_post, _tags in posts:
        legal = cap_limit(staff_on_post, policy.post_cap_percent)
        used = post_load[post_id]
        post_capacity.append(min(capacity, legal) - used)
        post_kind.append(engine.POST_FULL if capacity <= legal else engine.POST_CAP)
        post_company.append(company_id)
        usable = own_mentors.get(post_id)
        if usable:
            group = len(group_capacity)
            group_capacity.append(sum(max(0, mentor_max - load) for _, load in usable))
            group_parent.append(company_group[company_id])
            group_kind.append(engine.MENTOR_RATIO)
        else:
            usable = pool_mentors.get(company_id, [])
            if company_id not in pool_group:
                pool_group[company_id] = len(group_capacity)
                group_capacity.append(sum(max(0, mentor_max - load) for _, load in usable))
                group_parent.append(company_group[company_id])
                group_kind.append(engine.MENTOR_RATIO)
            group = pool_group[company_id]
        post_group.append(group)
        mentors_by_post.append(list(usable))

    # Rankings: company scores, requirements, school scores
    scored = ApplicantScore.objects.filter(company_id__in=company_ids)
    if student_ids is not None:
        scored = scored.filter(student_id__in=student_ids_list)
    by_post: dict[tuple[int, int], Decimal] = {}
    by_company: dict[tuple[int, int], Decimal] = {}
    for company_id, post_id, student_id, score in _rows(
        scored.values_list("company_id", "post_id", "student_id", "score")
    ):
        if post_id is None:
            by_company[(company_id, student_id)] = score
        else:
            by_post[(post_id, student_id)] = score
    school_scores = StudentScore.objects.all()
    if student_ids is not None:
        school_scores = school_scores.filter(student_id__in=student_ids_list)
    school_score = dict(_rows(school_scores.values_list("student_id", "score")))
    requirements: dict[int, tuple[Any, set[int]]] = {
        post_id: (minimum, set())
        for post_id, minimum in _rows(
            PostRequirement.objects.filter(post__company_id__in=company_ids).values_list(
                "post_id", "minimum_score"
            )
        )
    }
    for post_id, program_id in _rows(
        PostRequirement.programs.through.objects.filter(
            postrequirement__post_id__in=list(requirements)
        ).values_list("postrequirement__post_id", "program_id")
    ):
        requirements[post_id][1].add(program_id)

    def priority(s: int, p: int) -> int:
        sid, pid = student_ids_list[s], post_ids[p]
        company_score = by_post.get((pid, sid))
        if company_score is None:
            company_score = by_company.get((post_company[p], sid))
        return priority_from(company_score, school_score.get(sid))

    def requirement(s: int, p: int) -> str | None:
        req = requirements.get(post_ids[p])
        if req is None:
            return None
        minimum, programs = req
        sid = student_ids_list[s]
        if programs and student_program[sid] not in programs:
            return POST_REQUIREMENT
        if minimum is not None and (school_score.get(sid) is None or school_score[sid] < minimum):
            return POST_REQUIREMENT
        return None

    # Preferences, in rank order
    prefs: list[list[int]] = [[] for _ in student_ids_list]
    pref_pilot: list[list[int]] = [[] for _ in student_ids_list]
    pref_qs = StudentPreference.objects.filter(pilot_id__in=pilot_ids)
    if student_ids is not None:
        pref_qs = pref_qs.filter(student_id__in=student_ids_list)
    last_student, row_posts, row_pilots = None, None, None
    for student_id, post_id, pilot_id in _rows(
        pref_qs.order_by("student_id", "rank").values_list("student_id", "post_id", "pilot_id")
    ):
        if student_id != last_student:
            last_student = student_id
            s = student_index.get(student_id)
            row_posts = prefs[s] if s is not None else None  # None: a placed student
            row_pilots = pref_pilot[s] if s is not None else None
        p = post_index.get(post_id)
        if row_posts is None or p is None:
            continue  # a placed student, or a post of a company that left the pilot
        row_posts.append(p)
        row_pilots.append(pilot_id)  # type: ignore[union-attr]
    # Gates split into a student part and a post part, each computed once (a million pairs at province
    # scale): per post, the rule it breaks for an adult and for a minor.
    tables: dict[str, tuple[list[str | None], list[str | None]]] = {}
    for pol in {policy, *pilot_policy.values()}:
        gate_of_post = [post_gate(post_tags[pid], pol) for pid in post_ids]
        tables[pol.code] = (
            [combine((None, False), g) for g in gate_of_post],
            [combine((None, True), g) for g in gate_of_post],
        )
    has_company_scores = bool(by_post or by_company)
    no_companies: set[int] = set()
    priorities: list[list[int]] = []
    ineligible: list[list[str | None]] = []
    for s, row in enumerate(prefs):
        if not row:
            priorities.append([])
            ineligible.append([])
            continue
        sid = student_ids_list[s]
        birth, entry = student_facts[sid]
        # the policy of the pilot the student applies through (their first listed post's)
        pol = pilot_policy.get(pref_pilot[s][0], policy)
        student_rule, minor = student_gate(birth_date=birth, entry_year=entry, as_of=as_of, policy=pol)
        if has_company_scores:
            priorities.append([priority(s, p) for p in row])
        else:
            priorities.append([priority_from(None, school_score.get(sid))] * len(row))
        if student_rule:
            ineligible.append([student_rule] * len(row))
            continue
        table = tables[pol.code][1 if minor else 0]
        pilots_k = pref_pilot[s]
        reasons = [
            table[p]
            or (None if post_company[p] in pilot_companies.get(pl, no_companies) else POST_NOT_IN_PILOT)
            for p, pl in zip(row, pilots_k, strict=True)
        ]
        if requirements:
            reasons = [r or requirement(s, p) for r, p in zip(reasons, row, strict=True)]
        ineligible.append(reasons)

    instance = engine.Instance(
        post_capacity=post_capacity,
        post_group=post_group,
        group_capacity=group_capacity,
        group_parent=group_parent,
        group_kind=group_kind,
        post_kind=post_kind,
        prefs=prefs,
        priority=priorities,
        ineligible=ineligible,
    )
    market = Market(
        instance=instance,
        as_of=as_of,
        student_ids=student_ids_list,
        post_ids=post_ids,
        pref_pilot=pref_pilot,
        post_company=post_company,
        student_index=student_index,
        post_index=post_index,
        mentors_by_post=mentors_by_post,
        labels={"program": [row[5] for row in students], "school": [row[6] for row in students]},
        student_facts=student_facts,
        post_tags=post_tags,
        pilot_companies=dict(pilot_companies),
        student_pilots=student_pilots,
        policy=policy,
        pilot_policy=pilot_policy,
    )
    market._priority = priority
    market._requirement = requirement
    return market


def _count() -> Any:
    from django.db.models import Count

    return Count("id")


def _json_list(value: str) -> list[str]:
    import json

    return list(json.loads(value) or [])


def assign_mentors(market: Market, assignment: Sequence[int]) -> list[int | None]:
    """A mentor for each matched student: the least-loaded mentor of the post's group with a free slot.

    The engine kept every mentor group within its free slots, so a mentor is always found; posts sharing
    the company's unattached mentors share their load."""
    heaps: dict[int, list[tuple[int, int]]] = {}
    out: list[int | None] = [None] * len(assignment)
    for s, p in enumerate(assignment):
        if p == -1:
            continue
        group = market.instance.post_group[p]
        heap = heaps.get(group)
        if heap is None:
            heap = [(load, mentor_id) for mentor_id, load in market.mentors_by_post[p]]
            heapq.heapify(heap)
            heaps[group] = heap
        if heap and heap[0][0] < market.policy.mentor_max:
            load, mentor_id = heapq.heappop(heap)
            out[s] = mentor_id
            heapq.heappush(heap, (load + 1, mentor_id))
    return out
