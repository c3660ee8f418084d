from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.core.audit import audit_record, model_changes
from backend.core.errors import ApplicationError
from backend.core.ids import InvalidId, parse_resident_id
from backend.core.services import full_clean_or_raise

from .models import Cohort, Guardian, Program, Student


def _resident_id_or_raise(value: str, field: str = "resident_id") -> Any:
    try:
        return parse_resident_id(value)
    except InvalidId as exc:
        raise ApplicationError(
            exc.code, exc.message, exc.message_en, details={field: [exc.message_en]}
        ) from exc


@transaction.atomic
def student_create(*, actor: Any, cohort: Cohort, name: str, resident_id: str, **extra: Any) -> Student:
    parsed = _resident_id_or_raise(resident_id)
    if Student.objects.filter(resident_id=parsed.number).exists():
        raise ApplicationError(
            "ID_DUPLICATE",
            "该身份证号的学生已存在",
            "a student with this resident ID already exists",
            status=409,
        )
    student = Student(
        school=cohort.program.school,
        cohort=cohort,
        name=name.strip(),
        resident_id=parsed.number,
        birth_date=parsed.birth_date,
        sex=parsed.sex,
        **extra,
    )
    full_clean_or_raise(student, exclude=["resident_id"])
    student.save()
    audit_record(
        actor=actor, action="student.create", obj=student, changes={"name": student.name, "cohort": cohort}
    )
    return student


@transaction.atomic
def student_update(*, actor: Any, student: Student, data: dict[str, Any]) -> Student:
    data = dict(data)
    if "resident_id" in data:
        parsed = _resident_id_or_raise(data["resident_id"])
        if Student.objects.filter(resident_id=parsed.number).exclude(pk=student.pk).exists():
            raise ApplicationError(
                "ID_DUPLICATE",
                "该身份证号的学生已存在",
                "a student with this resident ID already exists",
                status=409,
            )
        data.update(resident_id=parsed.number, birth_date=parsed.birth_date, sex=parsed.sex)
    if "cohort" in data:
        data["school"] = data["cohort"].program.school
    changes = model_changes(student, data)
    full_clean_or_raise(student, exclude=["resident_id"])
    if changes:
        student.save()
        audit_record(actor=actor, action="student.update", obj=student, changes=changes)
    return student


@transaction.atomic
def guardian_create(*, actor: Any, student: Student, **data: Any) -> Guardian:
    if data.get("resident_id"):
        data["resident_id"] = _resident_id_or_raise(data["resident_id"]).number
    guardian = Guardian(student=student, **data)
    full_clean_or_raise(guardian)
    guardian.save()
    audit_record(
        actor=actor,
        action="guardian.create",
        obj=guardian,
        changes={"student": student, "name": guardian.name},
    )
    return guardian


@transaction.atomic
def guardian_update(*, actor: Any, guardian: Guardian, data: dict[str, Any]) -> Guardian:
    data = dict(data)
    if data.get("resident_id"):
        data["resident_id"] = _resident_id_or_raise(data["resident_id"]).number
    changes = model_changes(guardian, data)
    full_clean_or_raise(guardian)
    if changes:
        guardian.save()
        audit_record(actor=actor, action="guardian.update", obj=guardian, changes=changes)
    return guardian


def cohort_get_or_create(*, actor: Any, program: Program, entry_year: int) -> Cohort:
    cohort, created = Cohort.objects.get_or_create(program=program, entry_year=entry_year)
    if created:
        audit_record(actor=actor, action="cohort.create", obj=cohort, changes={"entry_year": entry_year})
    return cohort


@transaction.atomic
def students_set_class(*, actor: Any, students: list[Student], class_name: str) -> int:
    """班级 for many students of one school at once (blank clears it); all or none. Returns how many changed."""
    class_name = " ".join(class_name.split())
    if len(class_name) > 50:
        raise ApplicationError(
            "CLASS_NAME_TOO_LONG", "班级名称最多 50 个字", "a class name has at most 50 characters"
        )
    if not students:
        raise ApplicationError("STUDENTS_REQUIRED", "请至少选择一名学生", "select at least one student")
    if len({s.school_id for s in students}) > 1:
        raise ApplicationError(
            "STUDENTS_OF_ONE_SCHOOL", "所选学生须属于同一所学校", "the students must be of one school"
        )
    changed = [s for s in students if s.class_name != class_name]
    now = timezone.now()
    for student in changed:
        audit_record(
            actor=actor,
            action="student.update",
            obj=student,
            changes={"class_name": [student.class_name, class_name]},
        )
        student.class_name, student.updated_at = class_name, now
    Student.objects.bulk_update(changed, ["class_name", "updated_at"])
    return len(changed)
