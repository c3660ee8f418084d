from typing import Any

from django.db import transaction

from backend.core.audit import audit_record, model_changes
from backend.core.errors import ApplicationError
from backend.core.ids import InvalidId, validate_credit_code
from backend.core.services import full_clean_or_raise, model_create, model_update

from .models import Company, HazardTag, Mentor, Post


def _credit_code_or_raise(value: str) -> str:
    try:
        return validate_credit_code(value)
    except InvalidId as exc:
        raise ApplicationError(
            exc.code, exc.message, exc.message_en, details={"credit_code": [exc.message_en]}
        ) from exc


def hazard_tags_or_raise(tags: list[str]) -> list[str]:
    unknown = sorted(set(tags) - set(HazardTag.values))
    if unknown:
        raise ApplicationError(
            "HAZARD_TAG_UNKNOWN",
            f"未知的危险作业标签: {', '.join(unknown)}",
            f"unknown hazard tags: {', '.join(unknown)}",
            details={"hazard_tags": unknown},
        )
    return sorted(set(tags))


@transaction.atomic
def company_create(*, actor: Any, credit_code: str, **data: Any) -> Company:
    code = _credit_code_or_raise(credit_code)
    if Company.objects.filter(credit_code=code).exists():
        raise ApplicationError(
            "CREDIT_CODE_DUPLICATE",
            "该统一社会信用代码已登记",
            "this credit code is already registered",
            status=409,
        )
    company = Company(credit_code=code, **data)
    full_clean_or_raise(company)
    company.save()
    audit_record(
        actor=actor, action="company.create", obj=company, changes={"name": company.name, "credit_code": code}
    )
    return company


@transaction.atomic
def company_update(*, actor: Any, company: Company, data: dict[str, Any]) -> Company:
    data = dict(data)
    if "credit_code" in data:
        data["credit_code"] = _credit_code_or_raise(data["credit_code"])
    changes = model_changes(company, data)
    full_clean_or_raise(company)
    if changes:
        company.save()
        audit_record(actor=actor, action="company.update", obj=company, changes=changes)
    return company


def post_create(*, actor: Any, data: dict[str, Any]) -> Post:
    """A company's post; its hazard tags are checked against HazardTag and stored sorted, without repeats."""
    data = {**data, "hazard_tags": hazard_tags_or_raise(list(data.get("hazard_tags") or []))}
    return model_create(model=Post, actor=actor, data=data)


def post_update(*, actor: Any, post: Post, data: dict[str, Any]) -> Post:
    """Change a post's fields (hazard tags checked and normalised as in `post_create`); audited if anything changed."""
    data = dict(data)
    if "hazard_tags" in data:
        data["hazard_tags"] = hazard_tags_or_raise(list(data["hazard_tags"] or []))
    return model_update(instance=post, actor=actor, data=data)


def post_of_company_or_raise(*, company: Any, post: Post | None) -> None:
    """A row of a company that names a post (a mentor, an applicant score) names one of that company's posts."""
    if post is not None and company is not None and post.company_id != company.pk:
        raise ApplicationError(
            "POST_OTHER_COMPANY",
            "该岗位属于其他企业",
            "the post belongs to another company",
            details={"post": ["the post belongs to another company"]},
        )


def mentor_create(*, actor: Any, data: dict[str, Any]) -> Mentor:
    """A company's mentor, optionally on one of the company's own posts."""
    post_of_company_or_raise(company=data.get("company"), post=data.get("post"))
    return model_create(model=Mentor, actor=actor, data=data)


def mentor_update(*, actor: Any, mentor: Mentor, data: dict[str, Any]) -> Mentor:
    """Change a mentor; the post (new or kept) must belong to the mentor's (new or kept) company."""
    post_of_company_or_raise(company=data.get("company", mentor.company), post=data.get("post", mentor.post))
    return model_update(instance=mentor, actor=actor, data=data)
