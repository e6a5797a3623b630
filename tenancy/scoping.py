"""Tenant-owned rows are read only inside their organization's scope (R1.1).

Every tenant-owned model's default manager is ``tenant_manager()``, a
django-scopes ``ScopedManager`` on the ``organization`` dimension:

- during a request under ``/o/<org>/`` (organizations/middleware.py) every
  query of such a model is filtered to ``request.organization``;
- anywhere else (a page without an organization, a shell, a script) the
  query raises ``ScopeError`` instead of reading every organization's rows.

Code that crosses organizations on purpose says so with
``with scopes_disabled():`` and a comment saying why (the Celery tasks,
the support site, the management commands and a login's own records across
organizations do).

``scoped()`` and ``get_in_org_or_404()`` stay the way views and selectors
name the organization they read: the explicit filter is what makes another
organization's object a 404 rather than a 403, and it still holds where
scoping is switched off.
"""

from contextlib import contextmanager

from django.db.models import Manager, Model, QuerySet
from django.shortcuts import get_object_or_404
from django_scopes import ScopedManager, ScopeError, scope, scopes_disabled
from django_scopes.manager import DisabledQuerySet
from django_scopes.state import state

__all__ = [
    "ScopeError",
    "get_in_org_or_404",
    "request_scope",
    "scope",
    "scoped",
    "scopes_disabled",
    "tenant_manager",
]


class RefusedQuerySet(DisabledQuerySet):
    """What a tenant-owned model's manager hands out with no scope active.

    django-scopes' ``DisabledQuerySet`` lets a few calls through that still
    read rows (``.exists()``, ``.exclude(…)``, ``.select_related(…)`` and
    the like, then iterated); these refuse too. Left: ``none()``,
    ``using()``, ``create()`` and ``bulk_create()``, which read nothing.
    """

    _fetch_all = DisabledQuerySet.error
    exists = DisabledQuerySet.error
    contains = DisabledQuerySet.error
    exclude = DisabledQuerySet.error
    select_related = DisabledQuerySet.error
    prefetch_related = DisabledQuerySet.error
    distinct = DisabledQuerySet.error
    defer = DisabledQuerySet.error
    alias = DisabledQuerySet.error
    extra = DisabledQuerySet.error
    in_bulk = DisabledQuerySet.error
    bulk_update = DisabledQuerySet.error
    explain = DisabledQuerySet.error
    intersection = DisabledQuerySet.error
    difference = DisabledQuerySet.error
    # Used as a subquery (``filter(member__in=Member.objects…)``).
    resolve_expression = DisabledQuerySet.error


def tenant_manager(queryset_class: type[QuerySet] = QuerySet, path: str = "organization"):
    """The default manager of a tenant-owned model: scoped to the active
    organization, refusing every read when none is active.

    ``path`` leads from the model to its Organization; ``queryset_class``
    keeps a model's own queryset methods (which refuse too, unscoped).
    """
    base = type(
        ScopedManager(_manager_class=Manager.from_queryset(queryset_class), organization=path)
    )
    refused = type(f"Refused{queryset_class.__name__}", (RefusedQuerySet, queryset_class), {})

    class TenantManager(base):
        def get_queryset(self):
            queryset = super().get_queryset()
            if isinstance(queryset, DisabledQuerySet):
                return refused(self.model, using=self._db, missing_scopes=queryset.missing_scopes)
            return queryset

    TenantManager.__name__ = TenantManager.__qualname__ = f"TenantManager[{path}]"
    manager = TenantManager()
    manager.organization_path = path
    return manager


@contextmanager
def request_scope(organization):
    """The scope a request runs in: its organization's, or, without one, no
    organization at all, so that a tenant-owned query there raises.

    Unlike ``scope()``, this does not build on the scope it is entered
    from: a test's ``scopes_disabled()`` must not leak into the request it
    makes, or the test would pass where production raises.
    """
    dimensions = {"_enabled": True}
    if organization is not None:
        dimensions["organization"] = organization
    token = state.set(dimensions)
    try:
        yield
    finally:
        state.reset(token)


def scoped(model_or_queryset: type[Model] | QuerySet, organization) -> QuerySet:
    queryset = (
        model_or_queryset
        if isinstance(model_or_queryset, QuerySet)
        else model_or_queryset._default_manager.all()
    )
    return queryset.filter(organization=organization)


def get_in_org_or_404(model_or_queryset, organization, **lookup):
    return get_object_or_404(scoped(model_or_queryset, organization), **lookup)
