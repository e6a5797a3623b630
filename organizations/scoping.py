"""The one way tenant-owned rows are read for a request (R1.1).

Every tenant-owned model has an ``organization`` foreign key. Views and
selectors start from ``scoped()`` and fetch single objects with
``get_in_org_or_404()``, so an object of another organization is a 404,
never a 403 that would confirm it exists.
"""

from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404


def scoped(model_or_queryset: type[Model] | QuerySet, organization) -> QuerySet:
    queryset = (
        model_or_queryset
        if isinstance(model_or_queryset, QuerySet)
        else model_or_queryset._default_manager.all()
    )
    return queryset.filter(organization=organization)


def get_in_org_or_404(model_or_queryset, organization, **lookup):
    return get_object_or_404(scoped(model_or_queryset, organization), **lookup)
