"""Roster import (花名册): students with their guardians from the CSV or XLSX a school keeps.

All or nothing: every row is checked first; one bad row rejects the whole file with a list of row numbers,
columns and reasons, and nothing is written. Re-importing the same file changes nothing: a row whose student is
already on record with the same name, program and entry year is counted as unchanged.
"""

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import IntegrityError, transaction
from lxml import etree
from openpyxl import load_workbook

from backend.core.audit import audit_record
from backend.core.errors import ApplicationError
from backend.core.ids import InvalidId, parse_resident_id
from backend.core.models import AuditEvent
from backend.core.text import FORMULA_PREFIXES, clean_name

from .models import Cohort, Guardian, GuardianRelation, Program, School, Student

# Column headings as schools write them, with English aliases; the first of each is the canonical one.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "学生姓名", "name"),
    "resident_id": ("身份证号", "身份证号码", "resident_id", "id_number"),
    "program": ("专业", "专业名称", "program"),
    "entry_year": ("入学年份", "年级", "entry_year"),
    "student_number": ("学号", "student_number"),
    "class_name": ("班级", "班级名称", "class", "class_name"),
    "phone": ("手机号", "学生电话", "phone"),
    "guardian_name": ("监护人姓名", "家长姓名", "guardian_name"),
    "guardian_phone": ("监护人电话", "家长电话", "guardian_phone"),
    "guardian_relation": ("关系", "与学生关系", "guardian_relation"),
    "guardian_resident_id": ("监护人身份证号", "guardian_resident_id"),
}
REQUIRED = (
    "name",
    "resident_id",
    "program",
    "entry_year",
    "guardian_name",
    "guardian_phone",
    "guardian_relation",
)
RELATIONS = {
    "父亲": GuardianRelation.FATHER,
    "父": GuardianRelation.FATHER,
    "father": GuardianRelation.FATHER,
    "母亲": GuardianRelation.MOTHER,
    "母": GuardianRelation.MOTHER,
    "mother": GuardianRelation.MOTHER,
    "祖父": GuardianRelation.GRANDPARENT,
    "祖母": GuardianRelation.GRANDPARENT,
    "外祖父": GuardianRelation.GRANDPARENT,
    "外祖母": GuardianRelation.GRANDPARENT,
    "祖父母": GuardianRelation.GRANDPARENT,
    "grandparent": GuardianRelation.GRANDPARENT,
    "其他": GuardianRelation.OTHER,
    "其他监护人": GuardianRelation.OTHER,
    "other": GuardianRelation.OTHER,
}
MOBILE = re.compile(r"^1[3-9]\d{9}$")
YEAR = re.compile(r"(\d{4})(?:\.0*)?")
# Any control character in a cell (NUL first: PostgreSQL cannot store it) is a row error, not a 500.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Longest text each column may hold, as the models store it (longer is a row error before the database sees it).
MAX_LENGTHS = {
    "name": 50,
    "resident_id": 18 + 2,  # a few spaces around the 18 characters are forgiven
    "program": 200,
    "entry_year": 10,
    "student_number": 30,
    "class_name": 50,
    "phone": 20,
    "guardian_name": 50,
    "guardian_phone": 20,
    "guardian_relation": 20,
    "guardian_resident_id": 18 + 2,
}
MAX_ROWS = 20_000
MAX_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_COLUMNS = 50
# Rows of a sheet, blank or only styled ones included (school templates often format 65,536 rows).
MAX_SHEET_ROWS = 10 * MAX_ROWS


@dataclass(frozen=True)
class RowError:
    row: int  # as the spreadsheet numbers it: the heading is row 1
    column: str
    code: str
    message: str
    message_en: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "message": self.message,
            "message_en": self.message_en,
        }


@dataclass
class RosterRow:
    row: int
    name: str
    resident_id: str
    program: Program
    entry_year: int
    student_number: str
    phone: str
    guardian_name: str
    guardian_phone: str
    guardian_relation: str
    guardian_resident_id: str
    birth_date: Any = None
    sex: str = ""
    class_name: str = ""


@dataclass
class RosterPreview:
    file_name: str
    sha256: str
    total_rows: int
    new_rows: list[RosterRow] = field(default_factory=list)
    unchanged_rows: list[RosterRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class RosterResult:
    file_name: str
    sha256: str
    total_rows: int
    created: int
    unchanged: int


def _read_rows(file_name: str, content: bytes) -> list[dict[str, str]]:
    """The file's data rows as {heading: text}; refuses what is neither CSV nor XLSX, and a file over the size or
    row limit as soon as the limit is passed (the XLSX is read streaming, never whole)."""
    if len(content) > MAX_BYTES:
        raise _file_error(f"文件不能超过 {MAX_BYTES // (1024 * 1024)} MB", "the file is over the size limit")
    if file_name.lower().endswith(".xlsx") or content[:2] == b"PK":
        raw = _xlsx_rows(content)
    else:
        raw = _csv_rows(content)
    heading: list[str] | None = None
    data: list[list[str]] = []
    for row in raw:
        if not any(row):
            continue
        if heading is None:
            heading = row
            continue
        if len(data) >= MAX_ROWS:
            raise _too_many_rows()
        data.append(row)
    if heading is None:
        raise _file_error("文件为空", "the file is empty")
    return [dict(zip(heading, r + [""] * (len(heading) - len(r)), strict=False)) for r in data]


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise _file_error("无法读取 XLSX 文件", "the XLSX file cannot be read") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise _file_error("XLSX 文件解压后过大", "the XLSX file is too large once unpacked")
    _xlsx_count_rows(content)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except Exception as exc:
        raise _file_error("无法读取 XLSX 文件", "the XLSX file cannot be read") from exc
    try:
        # the rows, blank ones included, are counted again as they stream (gaps in the row numbers come as blanks)
        lines = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS, max_row=MAX_SHEET_ROWS + 1)
        for number, values in enumerate(lines, start=1):
            if number > MAX_SHEET_ROWS:
                raise _too_many_rows()
            yield ["" if v is None else _cell_text(v) for v in values]
    except ApplicationError:
        raise
    except Exception as exc:
        raise _file_error("无法读取 XLSX 文件", "the XLSX file cannot be read") from exc
    finally:
        book.close()


def _xlsx_count_rows(content: bytes) -> None:
    """Stream each sheet's XML and refuse the file at the first row past the limit. openpyxl cannot be trusted with
    that: even read-only, it parses a whole sheet that declares no dimension before it yields the first row."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    with archive.open(name) as sheet:
                        _count_sheet_rows(sheet)
    except (zipfile.BadZipFile, etree.LxmlError, OSError) as exc:
        raise _file_error("无法读取 XLSX 文件", "the XLSX file cannot be read") from exc


def _count_sheet_rows(sheet: IO[bytes]) -> None:
    valued = 0
    # lxml hands over only the <row> elements (cells are parsed in C); entities are never resolved
    parsed = etree.iterparse(sheet, events=("end",), tag="{*}row", resolve_entities=False)
    for rows, (_event, row) in enumerate(parsed, start=1):
        if row.find("{*}c/{*}v") is not None or row.find("{*}c/{*}is") is not None:
            valued += 1
        if rows > MAX_SHEET_ROWS or valued > MAX_ROWS + 1:  # the heading and MAX_ROWS data rows
            raise _too_many_rows()
        row.clear()
        while row.getprevious() is not None:
            del row.getparent()[0]


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    try:
        for row in csv.reader(io.StringIO(_decode(content))):
            yield [c.strip() for c in row[:MAX_COLUMNS]]
    except csv.Error as exc:
        raise _file_error("无法读取 CSV 文件", "the CSV file cannot be read") from exc


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # 2024.0 -> "2024"
    return str(value).strip()


def _too_many_rows() -> ApplicationError:
    return _file_error(f"单个文件最多 {MAX_ROWS} 行", f"at most {MAX_ROWS} rows per file")


def _decode(content: bytes) -> str:
    # Excel on Chinese Windows saves CSV as GBK; everything else is UTF-8 (often with a BOM).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error(
        "文件编码无法识别，请保存为 UTF-8 或 GBK 的 CSV", "unknown encoding: save as UTF-8 or GBK CSV"
    )


def _file_error(message: str, message_en: str) -> ApplicationError:
    return ApplicationError("ROSTER_FILE", message, message_en)


def _map_headings(headings: list[str]) -> tuple[dict[str, str], list[RowError]]:
    by_alias = {alias.lower(): key for key, aliases in COLUMNS.items() for alias in aliases}
    mapping = {by_alias[h.strip().lower()]: h for h in headings if h.strip().lower() in by_alias}
    errors = [
        RowError(1, COLUMNS[key][0], "COLUMN_MISSING", f"缺少列“{COLUMNS[key][0]}”", f"missing column {key}")
        for key in REQUIRED
        if key not in mapping
    ]
    return mapping, errors


def roster_preview(*, school: School, file_name: str, content: bytes) -> RosterPreview:
    """Check every row without writing anything."""
    sha256 = hashlib.sha256(content).hexdigest()
    records = _read_rows(file_name, content)
    preview = RosterPreview(file_name=file_name, sha256=sha256, total_rows=len(records))
    if not records:
        preview.errors.append(RowError(1, "", "NO_ROWS", "文件没有数据行", "the file has no data rows"))
        return preview
    mapping, heading_errors = _map_headings(list(records[0].keys()))
    if heading_errors:
        preview.errors.extend(heading_errors)
        return preview

    programs = {p.name: p for p in Program.objects.filter(school=school)}
    parsed: list[RosterRow] = []
    seen: dict[str, int] = {}
    for index, record in enumerate(records, start=2):
        row, errors = _check_row(index, {k: record.get(h, "") for k, h in mapping.items()}, programs)
        if row is not None:
            if row.resident_id in seen:
                errors.append(
                    RowError(
                        index,
                        COLUMNS["resident_id"][0],
                        "ID_DUPLICATE_IN_FILE",
                        f"身份证号与第 {seen[row.resident_id]} 行重复",
                        f"same resident ID as row {seen[row.resident_id]}",
                    )
                )
            else:
                seen[row.resident_id] = index
        preview.errors.extend(errors)
        if row is not None and not errors:
            parsed.append(row)

    existing = {
        s.resident_id: s
        for s in Student.objects.filter(resident_id__in=[r.resident_id for r in parsed]).select_related(
            "cohort__program"
        )
    }
    for row in parsed:
        student = existing.get(row.resident_id)
        if student is None:
            preview.new_rows.append(row)
        elif (student.school_id, student.name, student.cohort.program_id, student.cohort.entry_year) == (
            school.pk,
            row.name,
            row.program.pk,
            row.entry_year,
        ):
            preview.unchanged_rows.append(row)
        else:
            preview.errors.append(
                RowError(
                    row.row,
                    COLUMNS["resident_id"][0],
                    "ID_DUPLICATE_IN_DATABASE",
                    "该身份证号已登记为其他学生或其他学校的学生",
                    "this resident ID is already on record for another student",
                )
            )
    preview.errors.sort(key=lambda e: (e.row, e.column))
    return preview


def _check_row(
    index: int, values: dict[str, str], programs: dict[str, Program]
) -> tuple[RosterRow | None, list[RowError]]:
    errors: list[RowError] = []

    def fail(key: str, code: str, message: str, message_en: str) -> None:
        errors.append(RowError(index, COLUMNS[key][0], code, message, message_en))

    for key, value in values.items():
        if CONTROL.search(value):
            fail(key, "CONTROL_CHARACTER", "含有不可见的控制字符", "contains a control character")
        elif len(value) > MAX_LENGTHS.get(key, 100):
            limit = MAX_LENGTHS.get(key, 100)
            fail(key, "TOO_LONG", f"最多 {limit} 个字符", f"at most {limit} characters")
    for key in ("name", "guardian_name"):
        values[key] = clean_name(values.get(key, ""))
        if values[key].startswith(FORMULA_PREFIXES):
            fail(key, "NAME_INVALID", "姓名不能以 = + - @ 开头", "a name may not begin with = + - or @")
    if values.get("class_name", "").strip().startswith(FORMULA_PREFIXES):
        fail(
            "class_name", "CLASS_INVALID", "班级不能以 = + - @ 开头", "a class may not begin with = + - or @"
        )
    for key in REQUIRED:
        if not values.get(key, "").strip():
            fail(key, "REQUIRED", f"“{COLUMNS[key][0]}”不能为空", f"{key} is required")
    if errors:
        return None, errors

    resident = None
    try:
        resident = parse_resident_id(values["resident_id"])
    except InvalidId as exc:
        fail("resident_id", exc.code, exc.message, exc.message_en)
    program = programs.get(values["program"].strip())
    if program is None:
        fail(
            "program",
            "PROGRAM_UNKNOWN",
            f"本校没有“{values['program']}”专业",
            f"unknown program {values['program']!r}",
        )
    entry_year = _year(values["entry_year"].replace("级", "").replace("年", ""))
    if entry_year is None or not 1990 <= entry_year <= 2100:
        fail(
            "entry_year",
            "ENTRY_YEAR",
            "入学年份应为四位年份，如 2024",
            "entry year must be a year such as 2024",
        )
    relation = RELATIONS.get(values["guardian_relation"].strip().lower())
    if relation is None:
        fail(
            "guardian_relation",
            "RELATION_UNKNOWN",
            "关系应为父亲、母亲、祖父母或其他",
            "relation must be father, mother, grandparent or other",
        )
    phone = values["guardian_phone"].replace(" ", "").replace("-", "")
    if not MOBILE.match(phone):
        fail(
            "guardian_phone",
            "PHONE",
            "监护人电话应为 11 位手机号",
            "the guardian's phone must be an 11-digit mobile number",
        )
    student_phone = values.get("phone", "").replace(" ", "").replace("-", "")
    if student_phone and not MOBILE.match(student_phone):
        fail(
            "phone",
            "PHONE",
            "学生电话应为 11 位手机号",
            "the student's phone must be an 11-digit mobile number",
        )
    guardian_id = values.get("guardian_resident_id", "").strip()
    if guardian_id:
        try:
            guardian_id = parse_resident_id(guardian_id).number
        except InvalidId as exc:
            fail("guardian_resident_id", exc.code, exc.message, exc.message_en)
    if errors or resident is None or program is None or entry_year is None or relation is None:
        return None, errors
    return RosterRow(
        row=index,
        name=values["name"].strip(),
        resident_id=resident.number,
        program=program,
        entry_year=entry_year,
        student_number=values.get("student_number", "").strip(),
        phone=student_phone,
        guardian_name=values["guardian_name"].strip(),
        guardian_phone=phone,
        guardian_relation=relation,
        guardian_resident_id=guardian_id,
        birth_date=resident.birth_date,
        sex=resident.sex,
        class_name=" ".join(values.get("class_name", "").split()),
    ), errors


def _year(text: str) -> int | None:
    """A four-digit year, as typed ("2024") or as a spreadsheet stores it ("2024.0"); nothing else (not inf, 1e400)."""
    match = YEAR.fullmatch(text.strip())
    return int(match.group(1)) if match else None


@transaction.atomic
def roster_import(*, actor: Any, school: School, file_name: str, content: bytes) -> RosterResult:
    """Import the file, or refuse it whole with every row's problems (ApplicationError ROSTER_INVALID)."""
    School.objects.select_for_update().get(pk=school.pk)  # one import per school at a time
    try:
        with transaction.atomic():
            return _import(actor=actor, school=school, file_name=file_name, content=content)
    except IntegrityError as exc:
        raise ApplicationError(
            "ROSTER_CONFLICT",
            "另一导入同时登记了相同的学生，请重新导入",
            "another import registered the same students; retry",
            status=409,
        ) from exc


def _import(*, actor: Any, school: School, file_name: str, content: bytes) -> RosterResult:
    preview = roster_preview(school=school, file_name=file_name, content=content)
    if not preview.ok:
        raise ApplicationError(
            "ROSTER_INVALID",
            f"花名册有 {len(preview.errors)} 处错误，未导入任何数据",
            f"the roster has {len(preview.errors)} problems; nothing was imported",
            details={"errors": [e.as_dict() for e in preview.errors]},
        )
    cohorts: dict[tuple[int, int], Cohort] = {}
    for program, year in {(r.program, r.entry_year) for r in preview.new_rows}:
        cohorts[(program.pk, year)], _ = Cohort.objects.get_or_create(program=program, entry_year=year)
    students = Student.objects.bulk_create(
        [
            Student(
                school=school,
                cohort=cohorts[(r.program.pk, r.entry_year)],
                name=r.name,
                resident_id=r.resident_id,
                birth_date=r.birth_date,
                sex=r.sex,
                student_number=r.student_number,
                class_name=r.class_name,
                phone=r.phone,
            )
            for r in preview.new_rows
        ]
    )
    Guardian.objects.bulk_create(
        [
            Guardian(
                student=s,
                name=r.guardian_name,
                relation=r.guardian_relation,
                phone=r.guardian_phone,
                resident_id=r.guardian_resident_id,
                is_primary=True,
            )
            for s, r in zip(students, preview.new_rows, strict=True)
        ]
    )
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor_id=actor_id,
                action="student.import",
                object_type="schools.student",
                object_id=str(s.pk),
                changes={"file": file_name, "row": r.row, "sha256": preview.sha256},
            )
            for s, r in zip(students, preview.new_rows, strict=True)
        ]
    )
    audit_record(
        actor=actor,
        action="roster.import",
        obj=school,
        changes={
            "file": file_name,
            "sha256": preview.sha256,
            "rows": preview.total_rows,
            "created": len(students),
            "unchanged": len(preview.unchanged_rows),
        },
    )
    return RosterResult(
        file_name=file_name,
        sha256=preview.sha256,
        total_rows=preview.total_rows,
        created=len(students),
        unchanged=len(preview.unchanged_rows),
    )
