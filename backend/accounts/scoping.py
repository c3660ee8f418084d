"""Tenant scoping, in one place.

Every selector, API view, portal page, export and file download narrows its queryset with `scope_queryset`.
A model without a registered scope is visible only to the roles that see everything, so a new model is closed
until its app says who may see it. Apps register their rules with `register_scope(Model)` in their `scopes.py`
(imported from the app's `AppConfig.ready`).
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models
from django.db.models import Q

from .models import Role, User

M = TypeVar("M", bound=models.Model)
ScopeRule = Callable[[User], Q]
_RULES: dict[type[models.Model], ScopeRule] = {}
# One role's rule for a model, registered by the app that owns the role's feature (e.g. the teacher role, by
# attendance): it answers for that role before the model's own rule.
_ROLE_RULES: dict[tuple[type[models.Model], str], ScopeRule] = {}
NOTHING = Q(pk__in=[])


def register_scope(model: type[models.Model]) -> Callable[[ScopeRule], ScopeRule]:
    def decorator(rule: ScopeRule) -> ScopeRule:
        _RULES[model] = rule
        return rule

    return decorator


def registered_models() -> frozenset[type[models.Model]]:
    """The models that have a scope rule (every other model is visible only to the roles that see everything)."""
    return frozenset(_RULES)


def register_role_scope(model: type[models.Model], role: str) -> Callable[[ScopeRule], ScopeRule]:
    """Add what one role sees of a model whose rule another app registers (the other roles are untouched)."""

    def decorator(rule: ScopeRule) -> ScopeRule:
        _ROLE_RULES[(model, role)] = rule
        return rule

    return decorator


def scope_queryset(user: Any, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if user.sees_everything:
        return queryset
    rule = _ROLE_RULES.get((queryset.model, user.role)) or _RULES.get(queryset.model)
    if rule is None:
        return queryset.none()
    condition = rule(user)
    if condition is NOTHING:
        return queryset.none()
    # A subquery, not a join: conditions through many-valued relations would otherwise repeat rows.
    visible = queryset.model._default_manager.filter(condition).values("pk")
    return queryset.filter(pk__in=visible)


def request_scoped(model: type[M]) -> Callable[[Any], models.QuerySet[M]]:
    """A queryset callable for a form or filter choice list: the rows of `model` the request's user may see."""

    def queryset(request: Any) -> models.QuerySet[M]:
        return scope_queryset(getattr(request, "user", None), model._default_manager.all())

    return queryset


def by_role(**rules: Callable[[User], Q]) -> ScopeRule:
    """Build a scope rule from one lambda per role; roles not named see nothing."""

    def rule(user: User) -> Q:
        make = rules.get(user.role)
        return make(user) if make else NOTHING

    return rule


def can_write(user: Any, *roles: str) -> bool:
    return bool(
        user
        and user.is_authenticated
        and (user.role == Role.ADMIN or user.is_superuser or user.role in roles)
    )
