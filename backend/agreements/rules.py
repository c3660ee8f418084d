"""Pure rules of agreement generation: no ORM, no clock."""

import datetime
from decimal import Decimal

from backend.core.errors import ApplicationError
from backend.core.ids import age_on
from backend.rules.codes import RuleCode

from .models import AgreementKind

MIN_AGE = 16
ADULT_AGE = 18
PAY_FLOOR_RATIO = Decimal("0.80")


def agreement_kind_for(*, birth_date: datetime.date, start_date: datetime.date) -> AgreementKind:
    """AGREEMENT_PARTIES / AGE_MIN: by the age on the agreement's start date.

    16 or 17: four-party (the guardian signs); 18 or over: three-party; under 16: refused."""
    age = age_on(birth_date, start_date)
    if age < MIN_AGE:
        raise ApplicationError(
            RuleCode.AGE_MIN,
            f"学生在协议开始日（{start_date:%Y-%m-%d}）未满16周岁（{age}周岁），不得安排学徒岗位，不生成协议。",
            f"The student is {age} on the start date {start_date:%Y-%m-%d}, under 16: no placement, "
            "no agreement.",
            details={"age": age, "start_date": start_date.isoformat(), "minimum": MIN_AGE},
            status=422,
        )
    return AgreementKind.FOUR_PARTY if age < ADULT_AGE else AgreementKind.THREE_PARTY


def pay_floor_check(*, monthly_pay: Decimal, post_wage: Decimal) -> None:
    """PAY_FLOOR: an agreement never promises less than 80% of the post's wage."""
    floor = (post_wage * PAY_FLOOR_RATIO).quantize(Decimal("0.01"))
    if monthly_pay < floor:
        raise ApplicationError(
            RuleCode.PAY_FLOOR,
            f"学徒月报酬{monthly_pay}元低于同岗位工资{post_wage}元的80%（{floor}元）。",
            f"Monthly pay {monthly_pay} is below 80% of the post's wage {post_wage} ({floor}).",
            details={"monthly_pay": str(monthly_pay), "post_wage": str(post_wage), "floor": str(floor)},
            status=422,
        )
