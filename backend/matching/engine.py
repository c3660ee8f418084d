"""Stable matching of students to posts under nested capacity limits. Pure Python: no ORM, no clock.

The market
==========
* Posts ``0..P-1``. Each post has a capacity and belongs to at most one enclosing *group*; groups
  ``0..G-1`` have a capacity and at most one parent group. Parents form a forest, so the family of
  sets {post} and {posts under a group} is laminar: two sets are either disjoint or nested. The
  usual shape is company -> mentor group -> post, where

  - the post's capacity is ``min(seats offered, 20% of staff on the post)`` (``POST_FULL`` or
    ``POST_CAP``, whichever binds),
  - a mentor group's capacity is the free apprentice slots of its mentors (5 each, ``MENTOR_RATIO``),
  - a company's capacity is 10% of its staff minus interns already there (``COMPANY_CAP``).

  A student placed on a post consumes one unit of the post and of every group above it.
* Each student lists posts, most preferred first. For each listed post the company gives a
  *priority* (an int, lower is better). A company compares *contracts* (student, post) by that
  priority, also across its own posts: the figure must be comparable within one company (a score of
  the applicant, or a rank position on a single company-wide list). Ties are broken by one lottery
  over students drawn from a recorded seed (single tie-breaking), so a run reproduces exactly:
  ``key(s, p) = priority(s, p) * n_students + lottery[s]``.
* A pair may be ineligible (age, first year, forbidden work for minors, program...). Eligibility is
  decided upstream and passed in as the rule code that forbids the pair; an ineligible pair is never
  proposed, never matched and never part of a blocking pair.

What "stable" means here
========================
A company's choice among offered contracts is greedy over the laminar matroid its caps define: take
contracts best key first, keep one if every set containing it still has room. When a contract x
arrives at a set of held contracts H (feasible), the result of that choice is

* H + x if every set on x's chain (post, its group, the group's parent...) has room;
* otherwise let T be the *innermost* full set on x's chain: H + x - w, where w is the worst-key
  contract held in T (which may be x itself: then x is rejected).

Removing w from T frees one unit in T and in every set above it, and the sets below T on x's chain
were not full, so the swap keeps every cap. No other single removal makes room for x (it must lie in
every full set on x's chain, hence in T).

**Blocking pair.** For an assignment that respects all caps, an eligible student-post pair (s, p) is
blocking when s prefers p to their match (or is unmatched and listed p) and the company would take
the contract (s, p): p's chain has room everywhere, or the innermost full set T on p's chain holds a
contract with a worse key than (s, p). Because the swap must keep every cap, "p ranks s above its
worst holder" is read inside T: a post with free seats in a company at its 10% cap may displace the
company's worst intern on another post; a full post can only displace one of its own holders. If s
already holds another post of the same company, the contract s gives up is one of those the company
may drop (it prefers s on p to s on q, or has room).

**Guarantee.** Greedy choice over a matroid is substitutable and satisfies the law of aggregate
demand (Fleiner 2001; Hatfield and Milgrom 2005). Student-proposing deferred acceptance in which each
company keeps its choice out of what it holds plus the new offer therefore ends in an assignment that

1. respects every post, mentor and company cap at every step, not only at the end;
2. contains no ineligible pair;
3. has no blocking pair as defined above;
4. is the student-optimal stable assignment: every student weakly prefers it to every other
   stable assignment, so the order in which free students propose does not change it;
5. is strategy-proof for students: listing one's true preferences is a dominant strategy.

With post capacities only (no binding groups) this is the textbook hospital/resident matching, and
it is identical to the resident-optimal matching of the ``matching`` package (checked in tests).
The guarantee does NOT cover what the caps leave out: stability is with respect to the company's
priorities and the caps passed in; a cap that is not modelled (for instance one mentor split across
two companies) is not enforced.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from backend.rules.codes import RuleCode

POST_FULL = "POST_FULL"
POST_CAP = RuleCode.POST_CAP
MENTOR_RATIO = RuleCode.MENTOR_RATIO
COMPANY_CAP = RuleCode.COMPANY_CAP
NOT_ELIGIBLE = "NOT_ELIGIBLE"
WOULD_ACCEPT = "WOULD_ACCEPT"  # only for assignments that are not stable (manual changes)

NO_PREFERENCES = "NO_PREFERENCES"
NO_ELIGIBLE_CHOICE = "NO_ELIGIBLE_CHOICE"
ALL_CHOICES_FULL = "ALL_CHOICES_FULL"

TIEBREAK_METHOD = "single-lottery/sort-by-random.random/v1"

# Chinese first, then English. {rule} is the eligibility rule code.
MESSAGES: dict[str, tuple[str, str]] = {
    POST_FULL: (
        "岗位已满，已录取的申请人企业排序更靠前",
        "post full with applicants the company ranked higher",
    ),
    POST_CAP: (
        "岗位实习生已达该岗位在岗职工的20%，已录取的申请人企业排序更靠前",
        "post at 20% of its staff on post (POST_CAP), held by applicants the company ranked higher",
    ),
    MENTOR_RATIO: (
        "师傅已带满5名学徒，已录取的申请人企业排序更靠前",
        "mentor at 5 apprentices (MENTOR_RATIO), held by applicants the company ranked higher",
    ),
    COMPANY_CAP: (
        "企业实习生已达职工总数的10%，已录取的申请人企业排序更靠前",
        "company cap reached: 10% of staff (COMPANY_CAP), held by applicants the company ranked higher",
    ),
    NOT_ELIGIBLE: ("不符合条件：规则 {rule}", "not eligible: rule {rule}"),
    WOULD_ACCEPT: (
        "该岗位本可录取此学生（阻塞对）",
        "the post would take this student: blocking pair",
    ),
    NO_PREFERENCES: ("未填报志愿", "no preferences submitted"),
    NO_ELIGIBLE_CHOICE: ("所填志愿均不符合条件", "not eligible for any listed post"),
    ALL_CHOICES_FULL: (
        "所填符合条件的志愿均已被排序更靠前的申请人占满",
        "every eligible choice is full with applicants ranked higher",
    ),
}


def message_for(kind: str, rule: str | None = None) -> tuple[str, str]:
    zh, en = MESSAGES.get(kind, (kind, kind))
    return zh.format(rule=rule or ""), en.format(rule=rule or "")


# --------------------------------------------------------------------------------------------------
# Input


@dataclass(frozen=True)
class Instance:
    """One matching problem. Indices are positions in these sequences.

    ``prefs[s]`` lists post indices, most preferred first (no repeats). ``priority[s][k]`` is the
    company's priority of student ``s`` for ``prefs[s][k]``, lower is better. ``ineligible[s][k]`` is
    the rule code that forbids the pair, or None when it is eligible (None for the whole argument:
    every listed pair is eligible).
    """

    post_capacity: Sequence[int]
    post_group: Sequence[int]  # enclosing group index, or -1
    group_capacity: Sequence[int]
    group_parent: Sequence[int]  # parent group index, or -1
    group_kind: Sequence[str]  # rule code reported when this group is the binding one
    prefs: Sequence[Sequence[int]]
    priority: Sequence[Sequence[int]]
    ineligible: Sequence[Sequence[str | None]] | None = None
    post_kind: Sequence[str] | None = None  # default POST_FULL for every post

    @property
    def n_posts(self) -> int:
        return len(self.post_capacity)

    @property
    def n_groups(self) -> int:
        return len(self.group_capacity)

    @property
    def n_students(self) -> int:
        return len(self.prefs)

    def node_kind(self, node: int) -> str:
        """Kind of a node: nodes ``0..P-1`` are posts, ``P..P+G-1`` are groups."""
        n_posts = self.n_posts
        if node < n_posts:
            return self.post_kind[node] if self.post_kind is not None else POST_FULL
        return self.group_kind[node - n_posts]

    def validate(self) -> None:
        n_posts, n_groups = self.n_posts, self.n_groups
        if len(self.post_group) != n_posts:
            raise ValueError("post_group must have one entry per post")
        if self.post_kind is not None and len(self.post_kind) != n_posts:
            raise ValueError("post_kind must have one entry per post")
        if not (len(self.group_parent) == len(self.group_kind) == n_groups):
            raise ValueError("group_capacity, group_parent and group_kind must have the same length")
        for g in self.post_group:
            if not -1 <= g < n_groups:
                raise ValueError(f"post group {g} out of range")
        for g, parent in enumerate(self.group_parent):
            if not -1 <= parent < n_groups:
                raise ValueError(f"group parent {parent} out of range")
            seen = {g}
            while parent != -1:  # a cycle would make the chain walk forever
                if parent in seen:
                    raise ValueError(f"group {g} is its own ancestor")
                seen.add(parent)
                parent = self.group_parent[parent]
        if len(self.priority) != len(self.prefs):
            raise ValueError("priority must have one row per student")
        if self.ineligible is not None and len(self.ineligible) != len(self.prefs):
            raise ValueError("ineligible must have one row per student")
        for s, row in enumerate(self.prefs):
            if len(self.priority[s]) != len(row):
                raise ValueError(f"student {s}: one priority per listed post")
            if self.ineligible is not None and len(self.ineligible[s]) != len(row):
                raise ValueError(f"student {s}: one eligibility entry per listed post")
            if not row:
                continue
            if len(set(row)) != len(row):
                raise ValueError(f"student {s} lists a post twice")
            low, high = min(row), max(row)
            if low < 0 or high >= n_posts:
                raise ValueError(f"student {s} lists unknown post {low if low < 0 else high}")


def lottery(seed: int, n: int) -> list[int]:
    """Tie-break number of each student: a permutation of ``0..n-1`` drawn from ``seed``.

    Built from ``random.Random(seed).random()`` only, the one part of :mod:`random` whose sequence
    Python promises to keep across versions, so a recorded seed reproduces a run on any Python 3.
    """
    draw = random.Random(seed).random
    ticket = [draw() for _ in range(n)]
    out = [0] * n
    for place, s in enumerate(sorted(range(n), key=ticket.__getitem__)):
        out[s] = place
    return out


def _chains(inst: Instance) -> list[tuple[int, ...]]:
    """For each post, the nodes containing it, innermost first (the post itself, then its groups)."""
    n_posts = inst.n_posts
    group_chain: list[tuple[int, ...] | None] = [None] * inst.n_groups

    def chain_of_group(g: int) -> tuple[int, ...]:
        path = []
        while g != -1 and group_chain[g] is None:
            path.append(g)
            g = inst.group_parent[g]
        tail: tuple[int, ...] = (group_chain[g] or ()) if g != -1 else ()
        for h in reversed(path):
            tail = (n_posts + h, *tail)
            group_chain[h] = tail
        out = group_chain[path[0]] if path else tail
        assert out is not None
        return out

    out = []
    for p in range(n_posts):
        g = inst.post_group[p]
        out.append((p, *chain_of_group(g)) if g != -1 else (p,))
    return out


def _capacities(inst: Instance) -> list[int]:
    return [max(0, c) for c in inst.post_capacity] + [max(0, c) for c in inst.group_capacity]


def _binding_chains(inst: Instance, chains: list[tuple[int, ...]], cap: list[int]) -> list[tuple[int, ...]]:
    """Chains without groups that can never be the innermost full set.

    A group whose capacity is at least the sum of its children's effective capacities can only be
    full when every child is full, and then a child is the innermost full set. Dropping it changes no
    decision and saves work in the proposal loop.
    """
    n_posts = inst.n_posts
    n_nodes = len(cap)
    depth = [0] * n_nodes
    for chain in chains:
        for i, node in enumerate(chain):
            depth[node] = max(depth[node], len(chain) - 1 - i)
    children_sum = [0] * n_nodes
    eff = cap[:]
    parent = [inst.post_group[p] for p in range(n_posts)] + list(inst.group_parent)
    has_child = [False] * n_nodes
    for node in sorted(range(n_nodes), key=lambda n: -depth[n]):  # children first
        if node >= n_posts and has_child[node]:
            eff[node] = min(cap[node], children_sum[node])
        elif node >= n_posts:
            eff[node] = 0  # a group with no post under it
        up = parent[node]
        if up != -1:
            children_sum[n_posts + up] += eff[node]
            has_child[n_posts + up] = True
    redundant = [node >= n_posts and cap[node] >= children_sum[node] for node in range(n_nodes)]
    return [tuple(n for n in chain if not redundant[n]) for chain in chains]


# --------------------------------------------------------------------------------------------------
# Deferred acceptance


@dataclass(frozen=True)
class MatchResult:
    seed: int
    tiebreak: str
    assignment: list[int]  # post index per student, -1 when unmatched
    choice: list[int]  # 0-based position of the post in the student's list, -1 when unmatched
    proposals: int


def match(inst: Instance, *, seed: int, validate: bool = True) -> MatchResult:
    """Student-proposing deferred acceptance with nested caps (see the module docstring)."""
    if validate:
        inst.validate()
    n = inst.n_students
    lot = lottery(seed, n)
    cap = _capacities(inst)
    chains = _binding_chains(inst, _chains(inst), cap)

    prefs, priority, inel = inst.prefs, inst.priority, inst.ineligible
    width = max((len(row) for row in prefs), default=0) + 1
    # A heap item packs (key, position in the list, student) into one int, negated so that the
    # top of each node's heap is its worst holder: -(key * width * n + position * n + student).
    # Items of students who moved on stay in the heaps; they are recognised (the student no longer
    # holds that item) and dropped when they reach the top.
    per_priority = n * width * n
    above = [chain[1:] for chain in chains]  # the binding groups above each post
    room = cap[:]
    heaps: list[list[int]] = [[] for _ in cap]
    held: list[int | None] = [None] * n  # the item each student holds
    nxt = [0] * n
    free = [s for s in range(n - 1, -1, -1) if prefs[s]]
    push, pop = heapq.heappush, heapq.heappop
    proposals = 0

    while free:
        s = free.pop()
        row = prefs[s]
        pri = priority[s]
        bad = inel[s] if inel is not None else None
        base = lot[s] * width * n + s
        for k in range(nxt[s], len(row)):
            if bad is not None and bad[k] is not None:
                continue  # ineligible: never proposed
            proposals += 1
            item = -(pri[k] * per_priority + base + k * n)
            p = row[k]
            if room[p] > 0:
                for t in above[p]:
                    if room[t] <= 0:
                        break
                else:  # room everywhere
                    room[p] -= 1
                    push(heaps[p], item)
                    for g in above[p]:
                        room[g] -= 1
                        push(heaps[g], item)
                    held[s] = item
                    break
            else:
                t = p
            h = heaps[t]
            while h and held[-h[0] % n] != h[0]:
                pop(h)  # stale: that student moved on
            if h and h[0] < item:  # the worst holder in T is worse than s: swap
                top = pop(h)
                loser = -top % n
                lk = -top // n % width
                for g in chains[prefs[loser][lk]]:
                    room[g] += 1
                held[loser] = None
                nxt[loser] = lk + 1
                free.append(loser)
                for g in chains[p]:
                    room[g] -= 1
                    push(heaps[g], item)
                held[s] = item
                break
        else:
            nxt[s] = len(row)

    choice = [-1] * n
    for s, held_item in enumerate(held):
        if held_item is not None:
            choice[s] = -held_item // n % width
    assignment = [prefs[s][k] if k != -1 else -1 for s, k in enumerate(choice)]
    return MatchResult(
        seed=seed, tiebreak=TIEBREAK_METHOD, assignment=assignment, choice=choice, proposals=proposals
    )


# --------------------------------------------------------------------------------------------------
# Evaluating any assignment: audit and explanations share one view of the final state


_INF = math.inf


class _State:
    """Counts and worst holder key per node for a given assignment."""

    def __init__(
        self,
        inst: Instance,
        assignment: Sequence[int],
        seed: int,
        extra_priority: Mapping[tuple[int, int], int] | None = None,
    ) -> None:
        self.inst = inst
        n = inst.n_students
        self.n = n
        self.lot = lottery(seed, n)
        self.cap = _capacities(inst)
        self.chains = _chains(inst)
        self.kinds = [inst.node_kind(node) for node in range(len(self.cap))]
        self.count = [0] * len(self.cap)
        self.worst: list[float] = [-_INF] * len(self.cap)
        self.worst_student = [-1] * len(self.cap)
        self.position = [-1] * n  # position of the assigned post in the student's list, -1 if unlisted
        self.unranked: list[tuple[int, int]] = []
        extra = extra_priority or {}
        for s, p in enumerate(assignment):
            if p == -1:
                continue
            if not 0 <= p < inst.n_posts:
                raise ValueError(f"student {s} assigned to unknown post {p}")
            row = inst.prefs[s]
            key: float
            try:
                k = list(row).index(p)
            except ValueError:
                k = -1
            self.position[s] = k
            if k != -1:
                key = inst.priority[s][k] * n + self.lot[s]
            elif (s, p) in extra:
                key = extra[(s, p)] * n + self.lot[s]
            else:
                key = _INF  # the company never ranked this student for this post: ranked last
                self.unranked.append((s, p))
            for g in self.chains[p]:
                self.count[g] += 1
                if key > self.worst[g]:
                    self.worst[g] = key
                    self.worst_student[g] = s

    def key(self, s: int, k: int) -> int:
        return self.inst.priority[s][k] * self.n + self.lot[s]

    def verdict(self, s: int, p: int, key: float) -> tuple[str, int | None]:
        """Would the company take (s, p)? Returns (kind, node): WOULD_ACCEPT, or the kind of the
        innermost full node that refuses it. Nodes already over capacity refuse."""
        count, cap, chain = self.count, self.cap, self.chains[p]
        for t in chain:
            if count[t] > cap[t]:
                return self.kinds[t], t
        for t in chain:
            if count[t] >= cap[t]:
                if self.worst[t] > key:
                    return WOULD_ACCEPT, t
                return self.kinds[t], t
        return WOULD_ACCEPT, None

    def priority_of_key(self, key: float) -> int | None:
        return None if key in (_INF, -_INF) else int(key) // self.n


# --------------------------------------------------------------------------------------------------
# Audit


@dataclass(frozen=True)
class BlockingPair:
    student: int
    post: int
    choice: int  # 0-based position of the post in the student's list
    node: int | None  # innermost full node whose worst holder would be displaced; None: room everywhere
    displaced: int | None  # that holder (a student index)


@dataclass(frozen=True)
class OverCapacity:
    node: int
    kind: str
    count: int
    capacity: int


@dataclass(frozen=True)
class AuditReport:
    blocking_pairs: list[BlockingPair]
    over_capacity: list[OverCapacity]
    ineligible: list[tuple[int, int, str]]  # (student, post, rule)
    unranked: list[tuple[int, int]]  # placements the company never ranked (treated as ranked last)

    @property
    def ok(self) -> bool:
        return not (self.blocking_pairs or self.over_capacity or self.ineligible)


def audit(
    inst: Instance,
    assignment: Sequence[int],
    *,
    seed: int,
    extra_priority: Mapping[tuple[int, int], int] | None = None,
) -> AuditReport:
    """Check any assignment (a run's result, or one with manual changes) for blocking pairs, caps
    exceeded and ineligible pairs. ``extra_priority`` gives the company's priority for placements on
    posts the student did not list; without it such a placement is ranked last by its company. A
    student on a post they did not list is taken to prefer every post they did list."""
    state = _State(inst, assignment, seed, extra_priority)
    over = [
        OverCapacity(node=t, kind=inst.node_kind(t), count=state.count[t], capacity=state.cap[t])
        for t in range(len(state.cap))
        if state.count[t] > state.cap[t]
    ]
    ineligible = []
    blocking = []
    inel = inst.ineligible
    for s, row in enumerate(inst.prefs):
        p_s = assignment[s]
        pos = state.position[s]
        rule = inel[s][pos] if (p_s != -1 and pos != -1 and inel is not None) else None
        if rule is not None:
            ineligible.append((s, p_s, rule))
        upto = pos if (p_s != -1 and pos != -1) else len(row)
        for k in range(upto):
            if inel is not None and inel[s][k] is not None:
                continue
            p = row[k]
            kind, node = state.verdict(s, p, state.key(s, k))
            if kind == WOULD_ACCEPT:
                displaced = state.worst_student[node] if node is not None else None
                blocking.append(BlockingPair(student=s, post=p, choice=k, node=node, displaced=displaced))
    return AuditReport(
        blocking_pairs=blocking, over_capacity=over, ineligible=ineligible, unranked=state.unranked
    )


# --------------------------------------------------------------------------------------------------
# Explanations and statistics


class ChoiceOutcome(NamedTuple):
    """Why the student did not get one of the posts they preferred to the one they got."""

    choice: int  # 0-based position in the student's list
    post: int
    reason: str  # NOT_ELIGIBLE, POST_FULL, POST_CAP, MENTOR_RATIO, COMPANY_CAP, WOULD_ACCEPT
    rule: str | None = None  # the eligibility rule when reason is NOT_ELIGIBLE
    node: int | None = None  # the binding post or group
    capacity: int | None = None
    held: int | None = None
    student_priority: int | None = None
    last_admitted_priority: int | None = None  # worst priority held in the binding node

    def message(self) -> tuple[str, str]:
        return message_for(self.reason, self.rule)

    def as_dict(self) -> dict:
        zh, en = self.message()
        return {
            "choice": self.choice + 1,
            "post": self.post,
            "reason": self.reason,
            "rule": self.rule,
            "capacity": self.capacity,
            "held": self.held,
            "student_priority": self.student_priority,
            "last_admitted_priority": self.last_admitted_priority,
            "message": zh,
            "message_en": en,
        }


@dataclass(frozen=True)
class Explanation:
    student: int
    post: int  # -1 when unmatched
    choice: int  # 0-based, -1 when unmatched or on a post the student did not list
    higher: list[ChoiceOutcome] = field(default_factory=list)
    unmatched_reason: str | None = None

    def as_dict(self) -> dict:
        out: dict = {
            "post": self.post,
            "choice": self.choice + 1 if self.choice >= 0 else None,
            "higher": [h.as_dict() for h in self.higher],
        }
        if self.unmatched_reason is not None:
            zh, en = message_for(self.unmatched_reason)
            out["unmatched"] = {"reason": self.unmatched_reason, "message": zh, "message_en": en}
        return out


def explain(
    inst: Instance,
    assignment: Sequence[int],
    *,
    seed: int,
    extra_priority: Mapping[tuple[int, int], int] | None = None,
    students: Sequence[int] | None = None,
) -> list[Explanation]:
    """For each student: the post they got, and for every post they listed higher, why not.

    Reasons are read from the final state, so they agree with :func:`audit`: for a stable
    assignment every higher eligible choice is refused by its innermost full post or group, whose
    holders the company all ranked higher."""
    state = _State(inst, assignment, seed, extra_priority)
    inel = inst.ineligible
    n = inst.n_students
    out = []
    for s in range(inst.n_students) if students is None else students:
        row = inst.prefs[s]
        priority = inst.priority[s]
        lot_s = state.lot[s]
        p_s = assignment[s]
        pos = state.position[s]
        upto = pos if (p_s != -1 and pos != -1) else len(row)
        higher = []
        for k in range(upto):
            p = row[k]
            rule = inel[s][k] if inel is not None else None
            if rule is not None:
                higher.append(ChoiceOutcome(choice=k, post=p, reason=NOT_ELIGIBLE, rule=rule))
                continue
            key = priority[k] * n + lot_s
            kind, node = state.verdict(s, p, key)
            if node is None:
                higher.append(ChoiceOutcome(choice=k, post=p, reason=kind, student_priority=key // state.n))
                continue
            higher.append(
                ChoiceOutcome(
                    choice=k,
                    post=p,
                    reason=kind,
                    node=node,
                    capacity=state.cap[node],
                    held=state.count[node],
                    student_priority=key // state.n,
                    last_admitted_priority=state.priority_of_key(state.worst[node]),
                )
            )
        reason = None
        if p_s == -1:
            if not row:
                reason = NO_PREFERENCES
            elif all(h.reason == NOT_ELIGIBLE for h in higher):
                reason = NO_ELIGIBLE_CHOICE
            else:
                reason = ALL_CHOICES_FULL
        out.append(Explanation(student=s, post=p_s, choice=pos, higher=higher, unmatched_reason=reason))
    return out


def statistics(
    explanations: Sequence[Explanation],
    *,
    labels: Mapping[str, Sequence[str]] | None = None,
) -> dict:
    """Share matched to each choice, unmatched by reason, refusals by reason; the same figures per
    label for each labelling given (e.g. ``{"program": [...], "school": [...]}``, one label per
    student index). JSON-ready."""

    def summarise(items: Sequence[Explanation]) -> dict:
        n = len(items)
        by_choice: Counter[int] = Counter()
        unlisted = 0
        unmatched: Counter[str] = Counter()
        refusals: Counter[str] = Counter()
        for ex in items:
            if ex.post == -1:
                unmatched[ex.unmatched_reason or ""] += 1
            elif ex.choice == -1:
                unlisted += 1
            else:
                by_choice[ex.choice + 1] += 1
            for h in ex.higher:
                refusals[f"{h.reason}:{h.rule}" if h.rule else h.reason] += 1
        matched = n - sum(unmatched.values())

        def share(x: int) -> float:
            return round(x / n, 4) if n else 0.0

        return {
            "students": n,
            "matched": matched,
            "matched_share": share(matched),
            "unmatched": n - matched,
            "by_choice": [
                {"choice": c, "count": by_choice[c], "share": share(by_choice[c])} for c in sorted(by_choice)
            ],
            "on_unlisted_post": unlisted,
            "unmatched_reasons": dict(sorted(unmatched.items())),
            "refusal_reasons": dict(sorted(refusals.items())),
        }

    out = summarise(explanations)
    for name, per_student in (labels or {}).items():
        buckets: dict[str, list[Explanation]] = {}
        for ex in explanations:
            buckets.setdefault(str(per_student[ex.student]), []).append(ex)
        out[f"by_{name}"] = {label: summarise(items) for label, items in sorted(buckets.items())}
    return out
