"""The agreement context: every fact an agreement template may print, as frozen dataclasses.

The context is built by the backend from its models and handed to `contracts.render`; nothing here touches
the database. `AgreementContext.to_template_dict()` is exactly what a template sees, and
`TEMPLATE_VARIABLES` is the canonical set of names (dotted paths, `[]` for list items)
that an uploaded template is validated against.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

FEN = Decimal("0.01")


class AgreementKind(StrEnum):
    THREE_PARTY = "three_party"
    FOUR_PARTY = "four_party"


def format_date(value: dt.date) -> str:
    """2026-09-01 -> 2026年9月1日 (the usual form in a Chinese contract)."""
    return f"{value.year}年{value.month}月{value.day}日"


def format_money(value: Decimal) -> str:
    """Decimal yuan -> '3,200.00' (fen precision, half-up)."""
    return f"{value.quantize(FEN, rounding=ROUND_HALF_UP):,.2f}"


@dataclass(frozen=True, kw_only=True)
class Student:
    name: str
    resident_id: str
    sex: str  # 男 / 女
    birth_date: dt.date
    phone: str = ""
    address: str = ""
    program: str  # 专业
    cohort: str  # e.g. 2025级
    class_name: str = ""


@dataclass(frozen=True, kw_only=True)
class Guardian:
    name: str
    relation: str  # 父亲 / 母亲 / ...
    resident_id: str = ""
    phone: str
    address: str = ""


@dataclass(frozen=True, kw_only=True)
class SupervisingTeacher:
    name: str
    phone: str = ""


@dataclass(frozen=True, kw_only=True)
class School:
    name: str
    address: str = ""
    legal_representative: str = ""
    contact_person: str = ""
    phone: str = ""
    supervising_teacher: SupervisingTeacher


@dataclass(frozen=True, kw_only=True)
class Company:
    name: str
    credit_code: str
    address: str = ""
    legal_representative: str = ""
    contact_person: str = ""
    phone: str = ""


@dataclass(frozen=True, kw_only=True)
class Post:
    title: str
    content: str  # 岗位工作内容
    location: str
    monthly_wage: Decimal  # the wage of a regular employee on the same post


@dataclass(frozen=True, kw_only=True)
class Mentor:
    name: str
    phone: str = ""
    title: str = ""  # the mentor's own post / rank


@dataclass(frozen=True, kw_only=True)
class Stage:
    number: int
    name: str
    school_months: int
    company_months: int
    company_start: dt.date
    company_end: dt.date
    content: str


@dataclass(frozen=True, kw_only=True)
class Period:
    start_date: dt.date
    end_date: dt.date
    place: str


@dataclass(frozen=True, kw_only=True)
class WorkingTime:
    schedule: str  # e.g. 周一至周五 8:30-12:00、13:30-17:30
    daily_hours: int = 8
    weekly_hours: int = 40


@dataclass(frozen=True, kw_only=True)
class Pay:
    monthly_amount: Decimal
    pay_day: int  # day of the month
    method: str = "银行转账至学生本人银行账户"


@dataclass(frozen=True, kw_only=True)
class InsurancePolicy:
    insurer: str
    number: str
    start_date: dt.date
    end_date: dt.date


@dataclass(frozen=True, kw_only=True)
class Insurance:
    liability: InsurancePolicy
    work_injury: InsurancePolicy
    premium_payer: str = "乙方"  # 甲方 or 乙方; never the student


@dataclass(frozen=True, kw_only=True)
class Living:
    board: str  # 食宿: meals
    lodging: str
    leave: str  # how leave is asked for and granted


@dataclass(frozen=True, kw_only=True)
class AgreementContext:
    kind: AgreementKind
    number: str  # agreement number printed on the cover
    pilot_name: str
    sign_place: str
    student: Student
    school: School
    company: Company
    post: Post
    mentor: Mentor
    period: Period
    stages: tuple[Stage, ...]
    working_time: WorkingTime
    pay: Pay
    insurance: Insurance
    living: Living
    information_rhythm: str = "每月"  # 信息通报 frequency
    guardian: Guardian | None = None
    copies: int = field(default=0)  # 0: one per party

    def __post_init__(self) -> None:
        if self.kind is AgreementKind.FOUR_PARTY and self.guardian is None:
            raise ValueError("four-party agreement needs a guardian")
        if not self.stages:
            raise ValueError("an agreement needs at least one stage")

    @property
    def party_count(self) -> int:
        return 4 if self.kind is AgreementKind.FOUR_PARTY else 3

    def to_template_dict(self) -> dict[str, typing.Any]:
        """Plain dicts/lists of strings and numbers, dates and money already in contract form."""
        data = _plain(self)
        data["kind"] = self.kind.value
        data["party_count"] = self.party_count
        data["party_count_cn"] = "四" if self.party_count == 4 else "三"
        data["copies"] = self.copies or self.party_count
        data["copies_cn"] = _CN_DIGITS.get(data["copies"], str(data["copies"]))
        data["pay"]["post_wage"] = format_money(self.post.monthly_wage)
        ratio = (
            (self.pay.monthly_amount / self.post.monthly_wage * 100) if self.post.monthly_wage else Decimal(0)
        )
        data["pay"]["ratio_percent"] = f"{ratio.quantize(Decimal('1'), rounding=ROUND_HALF_UP)}"
        data["pay"]["floor_amount"] = format_money(self.post.monthly_wage * Decimal("0.8"))
        return data


BLANK = "________"  # an unknown detail prints as a line to fill in by hand, never as nothing

_CN_DIGITS = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八"}


def _plain(value: typing.Any) -> typing.Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, Decimal):
        return format_money(value)
    if value == "":
        return BLANK
    return value


# Names added by to_template_dict() on top of the dataclass fields.
_DERIVED = {
    "party_count",
    "party_count_cn",
    "copies_cn",
    "pay.post_wage",
    "pay.ratio_percent",
    "pay.floor_amount",
}


def _names(cls: type, prefix: str) -> set[str]:
    names: set[str] = set()
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        path = f"{prefix}{f.name}"
        names.add(path)
        hint = hints[f.name]
        origin = typing.get_origin(hint)
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if origin in (typing.Union, types.UnionType) and len(args) == 1:
            hint, origin, args = args[0], typing.get_origin(args[0]), list(typing.get_args(args[0]))
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            names |= _names(hint, f"{path}.")
        elif origin is tuple and args and isinstance(args[0], type) and dataclasses.is_dataclass(args[0]):
            names |= _names(args[0], f"{path}[].")
    return names


TEMPLATE_VARIABLES: frozenset[str] = frozenset(_names(AgreementContext, "") | _DERIVED)
"""Every name a template may use: `student.name`, `stages[].company_start`, ..."""
