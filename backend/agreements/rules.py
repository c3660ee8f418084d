"""Pure rules of agreement generation: no ORM, no clock. Every figure comes from the placement's policy version
(backend.rules.policy, chosen by the placement's start date), the same one the placement gates read."""

import datetime
from decimal import Decimal

from backend.core.errors import ApplicationError
from backend.core.ids import age_on
from backend.rules.codes import RuleCode
from backend.rules.gates import pay_floor
from backend.rules.policy import Policy

from .models import AgreementKind


def agreement_kind_for(
    *, birth_date: datetime.date, start_date: datetime.date, policy: Policy
) -> AgreementKind:
    """AGREEMENT_PARTIES / AGE_MIN: by the age on the agreement's start date.

    From the policy's min_age (16) to below its adult_age (18): four-party (the guardian signs); adult_age or over:
    three-party; under min_age: refused."""
    age = age_on(birth_date, start_date)
    if age < policy.min_age:
        raise ApplicationError(
            RuleCode.AGE_MIN,
            f"学生在协议开始日（{start_date:%Y-%m-%d}）未满{policy.min_age}周岁（{age}周岁），不得安排学徒岗位，"
            "不生成协议。",
            f"The student is {age} on the start date {start_date:%Y-%m-%d}, under {policy.min_age}: no placement, "
            "no agreement.",
            details={"age": age, "start_date": start_date.isoformat(), "minimum": policy.min_age},
            status=422,
        )
    return AgreementKind.FOUR_PARTY if age < policy.adult_age else AgreementKind.THREE_PARTY


def pay_floor_check(*, monthly_pay: Decimal, post_wage: Decimal, policy: Policy) -> None:
    """PAY_FLOOR: an agreement never promises less than the policy's percent of the post's wage."""
    floor = pay_floor(post_wage, policy)
    pct = f"{policy.pay_floor_percent.normalize():f}%"
    if monthly_pay < floor:
        raise ApplicationError(
            RuleCode.PAY_FLOOR,
            f"学徒月报酬{monthly_pay}元低于同岗位工资{post_wage}元的{pct}（{floor}元）。",
            f"Monthly pay {monthly_pay} is below {pct} of the post's wage {post_wage} ({floor}).",
            details={"monthly_pay": str(monthly_pay), "post_wage": str(post_wage), "floor": str(floor)},
            status=422,
        )
