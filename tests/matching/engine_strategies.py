"""Hypothesis strategies and an independent brute-force reading of the stability definition."""

from __future__ import annotations

from hypothesis import strategies as st

from backend.matching.engine import COMPANY_CAP, MENTOR_RATIO, POST_CAP, POST_FULL, Instance, lottery

RULES = ["MINOR_FORBIDDEN_WORK", "FIRST_YEAR", "AGE_MIN", "PROGRAM_MATCH"]


@st.composite
def instances(
    draw,
    *,
    max_students: int = 9,
    max_posts: int = 5,
    max_groups: int = 4,
    with_ineligible: bool = True,
    max_priority: int = 3,
) -> Instance:
    n_posts = draw(st.integers(1, max_posts))
    n_groups = draw(st.integers(0, max_groups))
    # a parent always has a lower index, so the groups form a forest
    group_parent = [draw(st.integers(-1, g - 1)) for g in range(n_groups)]
    group_capacity = [draw(st.integers(0, 4)) for _ in range(n_groups)]
    group_kind = [draw(st.sampled_from([MENTOR_RATIO, COMPANY_CAP])) for _ in range(n_groups)]
    post_group = [draw(st.integers(-1, n_groups - 1)) for _ in range(n_posts)]
    post_capacity = [draw(st.integers(0, 3)) for _ in range(n_posts)]
    post_kind = [draw(st.sampled_from([POST_FULL, POST_CAP])) for _ in range(n_posts)]
    n_students = draw(st.integers(0, max_students))
    prefs, priority, ineligible = [], [], []
    for _ in range(n_students):
        row = draw(st.lists(st.integers(0, n_posts - 1), unique=True, max_size=n_posts))
        prefs.append(row)
        # negative priorities too: scores enter as -score
        priority.append([draw(st.integers(-max_priority, max_priority)) for _ in row])
        if with_ineligible:
            ineligible.append([draw(st.one_of(st.none(), st.none(), st.sampled_from(RULES))) for _ in row])
    return Instance(
        post_capacity=post_capacity,
        post_group=post_group,
        group_capacity=group_capacity,
        group_parent=group_parent,
        group_kind=group_kind,
        post_kind=post_kind,
        prefs=prefs,
        priority=priority,
        ineligible=ineligible if with_ineligible else None,
    )


def ancestors(inst: Instance, p: int) -> list[tuple[str, int]]:
    """The capacity sets containing post p, as ("post", p) and ("group", g) labels."""
    out = [("post", p)]
    g = inst.post_group[p]
    while g != -1:
        out.append(("group", g))
        g = inst.group_parent[g]
    return out


def capacity_of(inst: Instance, node: tuple[str, int]) -> int:
    kind, i = node
    return max(0, inst.post_capacity[i] if kind == "post" else inst.group_capacity[i])


def within_caps(inst: Instance, contracts: list[tuple[int, int]]) -> bool:
    counts: dict[tuple[str, int], int] = {}
    for _, p in contracts:
        for node in ancestors(inst, p):
            counts[node] = counts.get(node, 0) + 1
    return all(c <= capacity_of(inst, node) for node, c in counts.items())


def eligible(inst: Instance, s: int, k: int) -> bool:
    return inst.ineligible is None or inst.ineligible[s][k] is None


def brute_blocking_pairs(inst: Instance, assignment: list[int], seed: int) -> set[tuple[int, int]]:
    """Blocking pairs straight from the definition, for an assignment within caps: s prefers p and
    the company would take (s, p) with room, or by giving up one contract it ranks below (s, p)
    such that every cap holds. Unlisted placements count as ranked last by the company."""
    n = inst.n_students
    lot = lottery(seed, n)

    def key(s: int, p: int) -> float:
        row = list(inst.prefs[s])
        return inst.priority[s][row.index(p)] * n + lot[s] if p in row else float("inf")

    contracts = [(s, p) for s, p in enumerate(assignment) if p != -1]
    out = set()
    for s, row in enumerate(inst.prefs):
        current = assignment[s]
        upto = list(row).index(current) if current in row else len(row)
        for k in range(upto):
            p = row[k]
            if not eligible(inst, s, k):
                continue
            x = (s, p)
            offered = [*contracts, x]
            if within_caps(inst, offered):
                out.add(x)
                continue
            for y in contracts:
                if key(*y) > key(*x):
                    rest = list(offered)
                    rest.remove(y)
                    if within_caps(inst, rest):
                        out.add(x)
                        break
    return out


@st.composite
def feasible_assignments(draw, inst: Instance) -> list[int]:
    """Any assignment within caps, not necessarily stable, possibly on unlisted posts."""
    assignment = [-1] * inst.n_students
    order = draw(st.permutations(list(range(inst.n_students))))
    taken: list[tuple[int, int]] = []
    for s in order:
        p = draw(st.integers(-1, inst.n_posts - 1))
        if p != -1 and within_caps(inst, [*taken, (s, p)]):
            taken.append((s, p))
            assignment[s] = p
    return assignment
