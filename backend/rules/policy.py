"""The rules' figures as one frozen value: a policy version.

Every figure the gates and working-time checks use lives here, with the national defaults of docs/domain.md.
A stored policy version (phase 2: the ``PolicyVersion`` table) is this dataclass serialised with
``to_dict`` / ``from_dict``; a pilot project may override any figure (a province can be stricter).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from typing import Any

# Hazard tags carried by ``Post.hazard_tags`` (the vocabulary of ``backend.companies.models.HazardTag``).
# 未成年工特殊保护规定 art. 3: work a minor (16-17) must never do.
MINOR_FORBIDDEN_TAGS: frozenset[str] = frozenset(
    {
        "underground",  # 矿山井下
        "toxic",  # 有毒有害
        "height",  # 高处作业
        "physical_iv",  # 第四级体力劳动强度
        "heavy_lifting",  # 负重超过 20 公斤
        "radioactive",  # 放射性
        "flammable_explosive",  # 易燃易爆
        "low_temperature",  # 低温、冷水作业
        "noise",  # 高噪声
    }
)

# 职业学校学生实习管理规定 (2021) art. 16: no student at all on these posts or venues.
HAZARDOUS_TAGS: frozenset[str] = frozenset(
    {
        "height",  # 高空
        "underground",  # 井下
        "radioactive",  # 放射性
        "toxic",  # 高毒
        "flammable_explosive",  # 易燃易爆
        "entertainment",  # 酒吧、夜总会、歌厅、洗浴中心等营业性娱乐场所
    }
)

TAG_LABELS_ZH: dict[str, str] = {
    "underground": "井下/矿山",
    "toxic": "有毒有害",
    "height": "高处作业",
    "physical_iv": "第四级体力劳动强度",
    "heavy_lifting": "负重超过20公斤",
    "radioactive": "放射性",
    "flammable_explosive": "易燃易爆",
    "entertainment": "娱乐场所",
    "low_temperature": "低温/冷水作业",
    "noise": "高噪声",
}

INSURANCE_KIND_LABELS_ZH: dict[str, str] = {"liability": "实习责任保险", "work_injury": "工伤保险"}


@dataclass(frozen=True)
class Policy:
    """One version of every figure the rules use. Defaults are the national figures (docs/domain.md)."""

    code: str = "CN-NATIONAL-2021"
    # (no time zone: every rule reads local days in backend.core.clock.RULES_ZONE, the one zone of the nation)
    # working time
    max_daily_minutes: int = 8 * 60  # DAILY_HOURS
    max_weekly_minutes: int = 40 * 60  # WEEKLY_HOURS (ISO week)
    night_start: time = time(22, 0)  # NIGHT_WORK window start (local)
    night_end: time = time(6, 0)  # NIGHT_WORK window end (local); start > end wraps midnight
    min_rest_days_per_week: int = 1  # REST_DAY (full calendar days without work per ISO week)
    max_overtime_minutes: int = 0  # OVERTIME: actual beyond plan, per day
    # placement gates
    mentor_min: int = 2  # MENTOR_RATIO: fewer is a warning
    mentor_max: int = 5  # MENTOR_RATIO: more is refused
    company_cap_percent: Decimal = Decimal("10")  # COMPANY_CAP, of the company's staff
    post_cap_percent: Decimal = Decimal("20")  # POST_CAP, of the staff on the post
    min_age: int = 16  # AGE_MIN
    adult_age: int = 18  # protections for minors end on this birthday
    school_year_start_month: int = 9  # FIRST_YEAR: year 1 runs from 1 Sep of the entry year
    first_year_forbidden: bool = True  # FIRST_YEAR
    max_company_months: int = 12  # TOTAL_DURATION
    program_years: int = 3  # TOTAL_DURATION applies over a program of this length
    health_check_levels: frozenset[str] = frozenset({"county", "city", "province"})  # county or higher
    health_recheck_minor_months: int = 12  # HEALTH_CHECK: 16-17 again after one year of work
    health_on_adult_max_age_months: int = 6  # HEALTH_CHECK: on turning 18, if the last is older
    pay_floor_percent: Decimal = Decimal("80")  # PAY_FLOOR, of the same post's wage
    insurance_kinds: frozenset[str] = frozenset({"liability", "work_injury"})  # INSURANCE
    minor_forbidden_tags: frozenset[str] = field(default=MINOR_FORBIDDEN_TAGS)  # MINOR_FORBIDDEN_WORK
    hazardous_tags: frozenset[str] = field(default=HAZARDOUS_TAGS)  # HAZARDOUS_POST
    warn_days_ahead: int = 14  # warnings: insurance or health check lapsing within this many days

    # -- serialisation (stored as JSON in a PolicyVersion row) ---------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, time):
                value = value.strftime("%H:%M")
            elif isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, frozenset):
                value = sorted(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, base: Policy | None = None) -> Policy:
        """Build a policy from stored figures; figures not given keep ``base`` (default: national)."""
        base = base or cls()
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = set(data) - set(known)
        if unknown:
            raise ValueError(f"unknown policy figures: {sorted(unknown)}")
        changes: dict[str, Any] = {}
        for name, value in data.items():
            current = getattr(base, name)
            if isinstance(current, time):
                value = time.fromisoformat(value) if isinstance(value, str) else value
            elif isinstance(current, Decimal):
                value = Decimal(str(value))
            elif isinstance(current, frozenset):
                value = frozenset(value)
            elif isinstance(current, bool):
                value = bool(value)
            elif isinstance(current, int):
                value = int(value)
            changes[name] = value
        return dataclasses.replace(base, **changes)


NATIONAL_DEFAULT = Policy()
