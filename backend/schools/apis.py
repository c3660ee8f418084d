from typing import Any

from drf_spectacular.utils import (
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers

from backend.accounts.models import Role
from backend.api.mixins import ScopedModelSerializer, ScopedModelViewSet
from backend.api.validation import EARLIEST_YEAR, LATEST_YEAR
from backend.core.ids import mask_resident_id

from . import services
from .models import Cohort, Guardian, Program, School, Student


def sees_full_identity(user: Any) -> bool:
    """Resident ID numbers are shown in full only to the student's own school (and the platform admin)."""
    return user.role in (Role.COORDINATOR, Role.ADMIN) or user.is_superuser


class SchoolSerializer(ScopedModelSerializer):
    class Meta:
        model = School
        fields = ["id", "name", "code", "region", "address", "phone"]


class SchoolViewSet(ScopedModelViewSet):
    base_queryset = School.objects.all()
    serializer_class = SchoolSerializer
    write_roles = ()
    search_fields = ["name", "code"]
    ordering_fields = ["name"]


class ProgramSerializer(ScopedModelSerializer):
    class Meta:
        model = Program
        fields = ["id", "school", "name", "code", "years"]


class ProgramViewSet(ScopedModelViewSet):
    base_queryset = Program.objects.select_related("school")
    serializer_class = ProgramSerializer
    write_roles = (Role.COORDINATOR,)
    filterset_fields = ["school"]
    search_fields = ["name", "code"]
    ordering_fields = ["name", "years"]


class CohortSerializer(ScopedModelSerializer):
    class Meta:
        model = Cohort
        fields = ["id", "program", "entry_year"]
        extra_kwargs = {"entry_year": {"min_value": EARLIEST_YEAR, "max_value": LATEST_YEAR}}


class CohortViewSet(ScopedModelViewSet):
    base_queryset = Cohort.objects.select_related("program")
    serializer_class = CohortSerializer
    write_roles = (Role.COORDINATOR,)
    filterset_fields = ["program", "entry_year"]
    ordering_fields = ["entry_year"]


class GuardianSerializer(ScopedModelSerializer):
    class Meta:
        model = Guardian
        fields = ["id", "student", "name", "relation", "phone", "resident_id", "is_primary"]

    def to_representation(self, instance: Guardian) -> dict[str, Any]:
        data = super().to_representation(instance)
        if data.get("resident_id") and not sees_full_identity(self.context["request"].user):
            data["resident_id"] = mask_resident_id(data["resident_id"])
        return data


class GuardianViewSet(ScopedModelViewSet):
    base_queryset = Guardian.objects.select_related("student")
    serializer_class = GuardianSerializer
    write_roles = (Role.COORDINATOR,)
    filterset_fields = ["student", "relation"]
    search_fields = ["name", "phone"]

    def create_object(self, data: dict[str, Any]) -> Guardian:
        return services.guardian_create(actor=self.request.user, **data)

    def update_object(self, instance: Guardian, data: dict[str, Any]) -> Guardian:
        return services.guardian_update(actor=self.request.user, guardian=instance, data=data)


class StudentSerializer(ScopedModelSerializer):
    """The school's view of a student. Birth date and sex come from the resident ID."""

    program = serializers.CharField(source="cohort.program.name", read_only=True)
    entry_year = serializers.IntegerField(source="cohort.entry_year", read_only=True)

    class Meta:
        model = Student
        fields = [
            "id",
            "school",
            "cohort",
            "program",
            "entry_year",
            "name",
            "resident_id",
            "birth_date",
            "sex",
            "student_number",
            "class_name",
            "phone",
        ]
        read_only_fields = ["school", "birth_date", "sex"]
        extra_kwargs: dict[str, dict[str, Any]] = {"resident_id": {"validators": []}}

    def to_representation(self, instance: Student) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not sees_full_identity(self.context["request"].user):
            data["resident_id"] = mask_resident_id(instance.resident_id)
        return data


class StudentMinimalSerializer(serializers.ModelSerializer):
    """What a company sees of a student placed with it: no ID number, no birth date, no guardians."""

    program = serializers.CharField(source="cohort.program.name", read_only=True)
    placements = serializers.SerializerMethodField()

    class Meta:
        model = Student
        fields = ["id", "name", "program", "placements"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_placements(self, student: Student) -> list[int]:
        company_id = self.context["request"].user.company_id
        return [
            p.pk for p in student.placements.all() if company_id is None or p.post.company_id == company_id
        ]


# A coordinator (and the bureau) reads the school's full record; HR and mentors the reduced one.
STUDENT_FOR_ROLE = PolymorphicProxySerializer(
    component_name="StudentForRole",
    serializers=[StudentSerializer, StudentMinimalSerializer],
    resource_type_field_name=None,
)


@extend_schema_view(
    list=extend_schema(
        responses=PolymorphicProxySerializer(
            component_name="StudentForRole",
            serializers=[StudentSerializer, StudentMinimalSerializer],
            resource_type_field_name=None,
            many=True,
        )
    ),
    retrieve=extend_schema(responses=STUDENT_FOR_ROLE),
    create=extend_schema(request=StudentSerializer, responses={201: StudentSerializer}),
    update=extend_schema(request=StudentSerializer, responses=StudentSerializer),
    partial_update=extend_schema(request=StudentSerializer, responses=StudentSerializer),
)
class StudentViewSet(ScopedModelViewSet):
    base_queryset = Student.objects.select_related("cohort__program", "school").prefetch_related(
        "placements__post"
    )
    write_roles = (Role.COORDINATOR,)
    filterset_fields = ["school", "cohort", "cohort__program", "cohort__entry_year", "sex"]
    search_fields = ["name", "student_number"]
    ordering_fields = ["name", "birth_date", "cohort__entry_year"]

    def get_serializer_class(self) -> type[serializers.Serializer]:
        user = self.request.user
        if getattr(user, "role", None) in (Role.HR, Role.MENTOR):
            return StudentMinimalSerializer
        return StudentSerializer

    def create_object(self, data: dict[str, Any]) -> Student:
        data.pop("school", None)
        return services.student_create(actor=self.request.user, **data)

    def update_object(self, instance: Student, data: dict[str, Any]) -> Student:
        if "resident_id" in data and instance.resident_id == data["resident_id"]:
            data.pop("resident_id")
        return services.student_update(actor=self.request.user, student=instance, data=data)


routes = [
    ("schools", SchoolViewSet),
    ("programs", ProgramViewSet),
    ("cohorts", CohortViewSet),
    ("students", StudentViewSet),
    ("guardians", GuardianViewSet),
]
