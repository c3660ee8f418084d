"""Which province-level division (省级行政区) an address or a region names. Pure.

Out-of-province placements (OUT_OF_PROVINCE) compare the school's province (its region, else its address) with the
work site's (the post's location, else the company's address, else the registration division in the company's
unified social credit code, characters 3-8, whose first two digits are the province).
"""

from __future__ import annotations

# (short name, full name, GB/T 2260 two-digit code)
PROVINCES: tuple[tuple[str, str, str], ...] = (
    ("北京", "北京市", "11"),
    ("天津", "天津市", "12"),
    ("河北", "河北省", "13"),
    ("山西", "山西省", "14"),
    ("内蒙古", "内蒙古自治区", "15"),
    ("辽宁", "辽宁省", "21"),
    ("吉林", "吉林省", "22"),
    ("黑龙江", "黑龙江省", "23"),
    ("上海", "上海市", "31"),
    ("江苏", "江苏省", "32"),
    ("浙江", "浙江省", "33"),
    ("安徽", "安徽省", "34"),
    ("福建", "福建省", "35"),
    ("江西", "江西省", "36"),
    ("山东", "山东省", "37"),
    ("河南", "河南省", "41"),
    ("湖北", "湖北省", "42"),
    ("湖南", "湖南省", "43"),
    ("广东", "广东省", "44"),
    ("广西", "广西壮族自治区", "45"),
    ("海南", "海南省", "46"),
    ("重庆", "重庆市", "50"),
    ("四川", "四川省", "51"),
    ("贵州", "贵州省", "52"),
    ("云南", "云南省", "53"),
    ("西藏", "西藏自治区", "54"),
    ("陕西", "陕西省", "61"),
    ("甘肃", "甘肃省", "62"),
    ("青海", "青海省", "63"),
    ("宁夏", "宁夏回族自治区", "64"),
    ("新疆", "新疆维吾尔自治区", "65"),
    ("台湾", "台湾省", "71"),
    ("香港", "香港特别行政区", "81"),
    ("澳门", "澳门特别行政区", "82"),
)
_BY_CODE = {code: full for _short, full, code in PROVINCES}


def province_of_text(text: str | None) -> str | None:
    """The province an address starts with ("上海市浦东新区…", "广东深圳…"), as its full name; None if none does."""
    value = (text or "").strip().removeprefix("中国").strip()
    for short, full, _code in PROVINCES:
        if value.startswith(short):
            return full
    return None


def province_of_credit_code(code: str | None) -> str | None:
    """The province of the registration authority in a unified social credit code (GB 32100 chars 3-8)."""
    value = (code or "").strip()
    return _BY_CODE.get(value[2:4]) if len(value) == 18 else None


def first_province(*candidates: str | None) -> str | None:
    for text in candidates:
        found = province_of_text(text)
        if found:
            return found
    return None
