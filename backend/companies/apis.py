from typing import Any

from rest_framework import serializers

from backend.accounts.models import Role
from backend.api.mixins import ScopedModelSerializer, ScopedModelViewSet

from . import services
from .models import Company, HazardTag, Mentor, Post


class CompanySerializer(ScopedModelSerializer):
    class Meta:
        model = Company
        fields = [
            "id",
            "name",
            "credit_code",
            "staff_count",
            "annual_revenue",
            "industry",
            "address",
            "legal_representative",
            "contact_phone",
        ]
        extra_kwargs: dict[str, dict[str, Any]] = {"credit_code": {"validators": []}}


class CompanyViewSet(ScopedModelViewSet):
    base_queryset = Company.objects.all()
    serializer_class = CompanySerializer
    write_roles = (Role.HR,)  # HR keeps its own profile; companies are registered by the platform admin
    search_fields = ["name", "credit_code"]
    ordering_fields = ["name", "staff_count"]

    def create_object(self, data: dict[str, Any]) -> Company:
        return services.company_create(actor=self.request.user, **data)

    def update_object(self, instance: Company, data: dict[str, Any]) -> Company:
        return services.company_update(actor=self.request.user, company=instance, data=data)

    def get_write_roles(self) -> tuple[str, ...]:
        return () if self.action == "create" else self.write_roles  # creating a company: platform admin only


class PostSerializer(ScopedModelSerializer):
    hazard_tags = serializers.ListField(
        child=serializers.ChoiceField(choices=HazardTag.choices), required=False, allow_empty=True
    )

    class Meta:
        model = Post
        fields = [
            "id",
            "company",
            "title",
            "description",
            "location",
            "capacity",
            "staff_on_post",
            "hazard_tags",
            "monthly_wage",
        ]


class PostViewSet(ScopedModelViewSet):
    base_queryset = Post.objects.select_related("company")
    serializer_class = PostSerializer
    write_roles = (Role.HR,)
    filterset_fields = ["company"]
    search_fields = ["title", "location"]
    ordering_fields = ["title", "capacity", "monthly_wage"]

    def create_object(self, data: dict[str, Any]) -> Post:
        return services.post_create(actor=self.request.user, data=data)

    def update_object(self, instance: Post, data: dict[str, Any]) -> Post:
        return services.post_update(actor=self.request.user, post=instance, data=data)


class MentorSerializer(ScopedModelSerializer):
    class Meta:
        model = Mentor
        fields = ["id", "company", "post", "name", "phone", "title", "years_experience"]


class MentorViewSet(ScopedModelViewSet):
    base_queryset = Mentor.objects.select_related("company", "post")
    serializer_class = MentorSerializer
    write_roles = (Role.HR,)
    filterset_fields = ["company", "post"]
    search_fields = ["name"]
    ordering_fields = ["name"]

    def create_object(self, data: dict[str, Any]) -> Mentor:
        return services.mentor_create(actor=self.request.user, data=data)

    def update_object(self, instance: Mentor, data: dict[str, Any]) -> Mentor:
        return services.mentor_update(actor=self.request.user, mentor=instance, data=data)


routes = [
    ("companies", CompanyViewSet),
    ("posts", PostViewSet),
    ("mentors", MentorViewSet),
]
