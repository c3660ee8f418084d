"""Identity numbers: the 18-digit resident ID (GB 11643) and the unified social credit code (GB 32100).

Validation is python-stdnum's; this module only turns its exceptions into messages a coordinator can act on.
"""

import datetime
from dataclasses import dataclass

from stdnum import exceptions as stdnum_errors
from stdnum import numdb
from stdnum.cn import ric, uscc

from .clock import local_today


class InvalidId(ValueError):
    def __init__(self, code: str, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message = message
        self.message_en = message_en


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: datetime.date
    sex: str  # "M" or "F": the 17th digit is odd for men, even for women


def parse_resident_id(value: str, *, today: datetime.date | None = None) -> ResidentId:
    today = today or local_today()
    number = ric.compact(value or "").upper()
    if len(number) != 18:
        raise InvalidId("ID_LENGTH", "身份证号码应为 18 位", "a resident ID has 18 characters")
    if not number[:-1].isdigit() or not (number[-1].isdigit() or number[-1] == "X"):
        raise InvalidId("ID_FORMAT", "身份证号码格式错误", "malformed resident ID")
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidId("ID_CHECK_DIGIT", "身份证号码校验位错误", "wrong check digit in the resident ID")
    try:
        birth_date = ric.get_birth_date(number)
    except stdnum_errors.ValidationError as exc:
        raise InvalidId(
            "ID_BIRTH_DATE", "身份证号码中的出生日期不存在", "impossible birth date in the resident ID"
        ) from exc
    if not _region_known(number[:6]):
        raise InvalidId("ID_REGION", "身份证号码中的地区代码不存在", "unknown region code in the resident ID")
    if birth_date > today:
        raise InvalidId("ID_BIRTH_DATE", "身份证号码中的出生日期在未来", "birth date in the future")
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return ResidentId(number=number, birth_date=birth_date, sex=sex)


def _region_known(region: str) -> bool:
    """The region code exists in the national list. Unlike stdnum's get_birth_place this does not also demand
    that the county existed in the birth year: IDs keep the code of where they were issued, so someone born in
    1980 can rightly hold a 310115 (Pudong, 1993-) number."""
    return any(props for _part, props in numdb.get("cn/loc").info(region))


def validate_credit_code(value: str) -> str:
    code = uscc.compact(value or "")
    try:
        return uscc.validate(code)
    except stdnum_errors.InvalidChecksum as exc:
        raise InvalidId(
            "CREDIT_CODE_CHECK", "统一社会信用代码校验位错误", "wrong check character in the credit code"
        ) from exc
    except stdnum_errors.ValidationError as exc:
        raise InvalidId(
            "CREDIT_CODE_FORMAT", "统一社会信用代码格式错误", "malformed unified social credit code"
        ) from exc


def mask_resident_id(number: str) -> str:
    """110105********1234: region and the last four stay, the birth date is hidden."""
    if len(number) != 18:
        return "*" * len(number)
    return number[:6] + "*" * 8 + number[-4:]


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Full years on `day`; someone born on 29 February turns a year older on 1 March in common years."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def compose_resident_id(region: str, birth_date: datetime.date, sequence: int) -> str:
    """A well-formed resident ID (demo data, tests): region code, birth date, 3-digit sequence, check digit.
    An odd sequence makes a man's number, an even one a woman's."""
    body = f"{region}{birth_date:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "?")  # stdnum's check digit ignores the last character


def compose_credit_code(body17: str) -> str:
    """A well-formed unified social credit code from its first 17 characters (demo data, tests)."""
    return body17 + uscc.calc_check_digit(body17)
