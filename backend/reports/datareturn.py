"""The data return (实习信息上报): each month, one row per active placement in the shape education departments
collect, as XLSX (two sheets: the records and what is missing) and CSV (the records; the missing list beside it on
the page and in the API).

Built from a scoped placement queryset: the coordinator's school, or the schools under a bureau's education
departments (`backend.schools.selectors.schools_overseen`), optionally narrowed to one of them. Resident IDs are given
in full, as the department requires: only the student's own school and its overseers read the return. Every ID and credit code is validated again
(python-stdnum cn.ric, cn.uscc); what is missing or invalid gets a marker in its cell and a line in the missing
list, never a silent blank. Every cell goes through `spreadsheet_safe`.
"""

import calendar
import csv
import datetime
import io
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import translation
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from stdnum.cn import ric, uscc

from backend.accounts.scoping import scope_queryset
from backend.agreements.models import Agreement, AgreementStatus
from backend.core.text import spreadsheet_row
from backend.placements.models import InsuranceKind, InsurancePolicy, Placement, PlacementStatus
from backend.schools.models import School
from backend.schools.selectors import schools_overseen

MISSING = "（缺失）"
INVALID = "（无效）"

COLUMNS: list[tuple[str, str]] = [
    ("number", "序号"),
    ("student", "学生姓名"),
    ("resident_id", "身份证号"),
    ("school", "学校"),
    ("program", "专业"),
    ("class", "班级"),
    ("internship_type", "实习类型"),
    ("organisation", "组织方式"),
    ("company", "实习单位名称"),
    ("credit_code", "统一社会信用代码"),
    ("post", "实习岗位"),
    ("work_site", "实习地点"),
    ("province", "实习所在省份"),
    ("start_date", "实习开始日期"),
    ("end_date", "实习结束日期"),
    ("teacher", "学校指导教师"),
    ("teacher_phone", "指导教师电话"),
    ("mentor", "企业指导师傅"),
    ("liability_policy", "实习责任保险保单号"),
    ("work_injury_policy", "工伤保险保单号"),
    ("pay", "月报酬(元)"),
    ("agreement_number", "协议编号"),
    ("agreement_status", "协议状态"),
    ("status", "实习状态"),
]
HEADERS = [label for _key, label in COLUMNS]
LABELS = dict(COLUMNS)

PROVINCES = [
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市", "江苏省",
    "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "广西壮族自治区",
    "海南省", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区",
    "新疆维吾尔自治区", "台湾省", "香港特别行政区", "澳门特别行政区",
]  # fmt: skip


def _short(province: str) -> str:
    for suffix in ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市"):
        if province.endswith(suffix):
            return province[: -len(suffix)]
    return province


def province_of(*texts: str) -> str:
    """The province named at the start of an address (上海市浦东新区…, 广东深圳…), or ""."""
    for text in texts:
        text = (text or "").strip()
        for province in PROVINCES:
            if text.startswith(province) or text.startswith(_short(province)):
                return province
    return ""


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


@dataclass
class DataReturn:
    month: datetime.date
    rows: list[dict[str, Any]] = field(default_factory=list)
    placements: list[int] = field(default_factory=list)  # the placement of each row, in order
    schools: list[int] = field(default_factory=list)  # the school of each row, in order
    missing: list[dict[str, Any]] = field(default_factory=list)  # {number, student, field, label, problem}


def placements_for_return(
    *, user: Any, month: datetime.date, school: School | None = None
) -> QuerySet[Placement]:
    """The active placements of the month (status active, period touching the month) of the schools the user
    oversees (a bureau: the schools under it), of one of them when `school` is given."""
    first, last = month_bounds(month)
    policies = InsurancePolicy.objects.filter(start_date__lte=last, end_date__gte=first).order_by(
        "-start_date"
    )
    agreements = Agreement.objects.exclude(status=AgreementStatus.VOID).order_by("-created_at", "-id")
    qs = (
        Placement.objects.filter(status=PlacementStatus.ACTIVE, start_date__lte=last, end_date__gte=first)
        .select_related(
            "pilot__school",
            "student__cohort__program",
            "post__company",
            "post__work_site_link__site",
            "mentor",
            "teacher_assignment__teacher",
        )
        .prefetch_related(
            Prefetch("insurance_policies", queryset=policies, to_attr="month_policies"),
            Prefetch("agreements", queryset=agreements, to_attr="live_agreements"),
        )
        .order_by("pilot__school__name", "student__cohort__entry_year", "student__name", "id")
    )
    if getattr(user, "role", "") != "coordinator" and not getattr(user, "sees_everything", False):
        return qs.none()
    schools = schools_overseen(user=user)
    if school is not None:
        schools = schools.filter(pk=school.pk)
    return scope_queryset(user, qs).filter(pilot__school__in=schools)


def _teacher(placement: Placement) -> tuple[str, str]:
    assignment = getattr(placement, "teacher_assignment", None)
    if assignment is not None:
        teacher = assignment.teacher
        return teacher.display_name or teacher.username, teacher.phone or placement.supervising_teacher_phone
    return placement.supervising_teacher, placement.supervising_teacher_phone


def _site(placement: Placement) -> str:
    link = getattr(placement.post, "work_site_link", None)
    if link is not None:
        site = link.site
        return site.address or site.name
    return placement.post.location or placement.post.company.address


def build_return(placements: QuerySet[Placement], *, month: datetime.date) -> DataReturn:
    result = DataReturn(month=month.replace(day=1))
    for number, p in enumerate(placements, start=1):
        student, company = p.student, p.post.company
        problems: list[tuple[str, str]] = []

        def need(key: str, value: Any, problem: str = "缺失") -> Any:
            if value in (None, ""):
                problems.append((key, problem))  # noqa: B023 (used at once, inside this iteration)
                return MISSING
            return value

        resident_id = student.resident_id if ric.is_valid(student.resident_id) else ""
        if not resident_id:
            problems.append(("resident_id", "身份证号校验不通过"))
        credit_code = company.credit_code if uscc.is_valid(company.credit_code) else ""
        if not credit_code:
            problems.append(("credit_code", "统一社会信用代码校验不通过"))
        site = _site(p)
        teacher, teacher_phone = _teacher(p)
        month_policies: list[InsurancePolicy] = p.month_policies  # type: ignore[attr-defined]
        policies = {
            kind: [x.policy_number for x in month_policies if x.kind == kind] for kind in InsuranceKind
        }
        live_agreements: list[Agreement] = p.live_agreements  # type: ignore[attr-defined]
        agreement = live_agreements[0] if live_agreements else None
        row = {
            "number": number,
            "student": student.name,
            "resident_id": resident_id or INVALID,
            "school": p.pilot.school.name,
            "program": student.cohort.program.name,
            "class": need("class", student.class_name),
            "internship_type": p.get_internship_type_display(),
            "organisation": p.get_organisation_display(),
            "company": company.name,
            "credit_code": credit_code or INVALID,
            "post": p.post.title,
            "work_site": need("work_site", site),
            "province": need("province", p.work_province or province_of(site, company.address)),
            "start_date": p.start_date,
            "end_date": p.end_date,
            "teacher": need("teacher", teacher),
            "teacher_phone": need("teacher_phone", teacher_phone),
            "mentor": need("mentor", p.mentor.name if p.mentor else ""),
            "liability_policy": need(
                "liability_policy", "；".join(policies[InsuranceKind.LIABILITY]), "本月无有效保单"
            ),
            "work_injury_policy": need(
                "work_injury_policy", "；".join(policies[InsuranceKind.WORK_INJURY]), "本月无有效保单"
            ),
            "pay": p.monthly_pay,
            "agreement_number": need("agreement_number", agreement.number if agreement else ""),
            "agreement_status": agreement.get_status_display() if agreement else MISSING,
            "status": p.get_status_display(),
        }
        result.rows.append(row)
        result.placements.append(p.pk)
        result.schools.append(p.pilot.school_id)
        for key, problem in problems:
            result.missing.append(
                {
                    "number": number,
                    "placement": p.pk,
                    "student": student.name,
                    "field": key,
                    "label": LABELS[key],
                    "problem": problem,
                }
            )
    return result


def data_return(*, user: Any, month: datetime.date, school: School | None = None) -> DataReturn:
    """The month's return, in Chinese whatever the page's language: it is the department's form."""
    with translation.override("zh-hans"):
        return build_return(placements_for_return(user=user, month=month, school=school), month=month)


@dataclass
class SchoolReturn:
    """One school's part of a bureau's monthly return: its rows counted and what is missing."""

    school: School
    rows: int = 0
    missing: list[dict[str, Any]] = field(default_factory=list)


def returns_by_school(*, user: Any, month: datetime.date) -> list[SchoolReturn]:
    """Every school the user oversees, with its rows and missing items of the month (a school without active
    placements shows 0 rows)."""
    data = data_return(user=user, month=month)
    parts = {s.pk: SchoolReturn(school=s) for s in schools_overseen(user=user).order_by("name")}
    by_placement = dict(zip(data.placements, data.schools, strict=True))
    for school_id in data.schools:
        if school_id in parts:
            parts[school_id].rows += 1
    for item in data.missing:
        part = parts.get(by_placement[item["placement"]])
        if part is not None:
            part.missing.append(item)
    return list(parts.values())


def _cells(row: dict[str, Any]) -> list[Any]:
    return spreadsheet_row(row[key] for key, _label in COLUMNS)


MISSING_HEADERS = ["序号", "学生姓名", "字段", "问题"]


def _missing_cells(item: dict[str, Any]) -> list[Any]:
    return spreadsheet_row([item["number"], item["student"], item["label"], item["problem"]])


def return_xlsx(data: DataReturn) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "实习信息"
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in data.rows:
        ws.append(_cells(row))
        r = ws.max_row
        for key in ("start_date", "end_date"):
            ws.cell(row=r, column=HEADERS.index(LABELS[key]) + 1).number_format = "yyyy-mm-dd"
        ws.cell(row=r, column=HEADERS.index(LABELS["pay"]) + 1).number_format = "#,##0.00"
        # long digit strings stay text (an ID number must not become 1.1E+17)
    for i, width in enumerate(
        [6, 10, 21, 22, 16, 18, 10, 8, 26, 21, 14, 28, 12, 12, 12, 10, 14, 10, 20, 20, 10, 20, 10, 8], 1
    ):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    missing = wb.create_sheet("缺失项")
    missing.append(MISSING_HEADERS)
    for cell in missing[1]:
        cell.font = Font(bold=True)
    for item in data.missing:
        missing.append(_missing_cells(item))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def return_csv(data: DataReturn) -> bytes:
    """UTF-8 with a byte-order mark (Excel on Chinese Windows); ISO dates and two-decimal pay."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for row in data.rows:
        writer.writerow(_cells(row))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def missing_csv(data: DataReturn) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(MISSING_HEADERS)
    for item in data.missing:
        writer.writerow(_missing_cells(item))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def return_filename(data: DataReturn, ext: str, school: School | None = None) -> str:
    part = f"-school{school.pk}" if school is not None else ""
    return f"data-return-{data.month:%Y-%m}{part}.{ext}"
