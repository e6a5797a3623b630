"""Who may do what in an organization's admin portal (R1.2).

Admins hold object permissions on Location (django-guardian); owners hold
every permission everywhere. Each question is answered here and nowhere else.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from .models import (
    Location,
    LocationGroupObjectPermission,
    LocationUserObjectPermission,
    Organization,
    OrganizationAdmin,
)

MANAGE_CUSTOMERS = "organizations.manage_customers"
MANAGE_SETTINGS = "organizations.manage_settings"


def admin_role(user, organization: Organization) -> OrganizationAdmin | None:
    """The user's admin role in ``organization``, looked up once per user object
    (in a view: once per request). A suspended role (the person's member
    record here is deactivated or removed) is no role."""
    if not user.is_authenticated or not user.is_active:
        return None
    cache = user.__dict__.setdefault("_admin_roles", {})
    if organization.pk not in cache:
        role = (
            OrganizationAdmin.objects.active().filter(user=user, organization=organization).first()
        )
        if role is not None:
            role.user = user  # the same person: role_locations needs no query for it
        cache[organization.pk] = role
    return cache[organization.pk]


def admin_locations(user, organization: Organization, perm: str = MANAGE_CUSTOMERS) -> QuerySet:
    """Locations of ``organization`` where ``user`` holds ``perm``.

    A lazy queryset: used inside another filter it becomes a subquery, so a
    members list costs no extra query for it.
    """
    role = admin_role(user, organization)
    if role is None:
        return Location.objects.none()
    return role_locations(role, perm)


def role_locations(role: OrganizationAdmin, perm: str = MANAGE_CUSTOMERS) -> QuerySet:
    """Locations where ``role`` holds ``perm``, read from the grants whether or
    not the role is suspended (restoring one needs to know what it holds)."""
    locations = Location.objects.filter(organization_id=role.organization_id)
    if role.is_owner:
        return locations
    # accept_global_perms=False: a model-wide grant must not leak every
    # tenant's locations.
    return get_objects_for_user(role.user, perm, klass=locations, accept_global_perms=False)


def can_manage_location(user, location: Location, perm: str = MANAGE_CUSTOMERS) -> bool:
    return admin_locations(user, location.organization, perm).filter(pk=location.pk).exists()


def can_manage_organization_settings(user, organization: Organization) -> bool:
    """Organization-wide settings change every location, so they need the
    settings permission on all of them (owners have it implicitly)."""
    role = admin_role(user, organization)
    if role is None:
        return False
    if role.is_owner:
        return True
    all_locations = Location.objects.filter(organization=organization)
    allowed = admin_locations(user, organization, MANAGE_SETTINGS)
    return all_locations.exists() and not all_locations.exclude(pk__in=allowed).exists()


def location_admin_users(location: Location, perm: str = MANAGE_CUSTOMERS) -> QuerySet:
    """Active users who hold ``perm`` at ``location``: its organization's
    owners, and its admins granted ``perm`` there (directly or through a
    group). ``admin_locations`` read the other way round, in one query."""
    app_label, codename = perm.split(".")
    grants = {
        "content_object": location,
        "permission__codename": codename,
        "permission__content_type__app_label": app_label,
    }
    roles = OrganizationAdmin.objects.active().filter(organization_id=location.organization_id)
    granted = Q(pk__in=LocationUserObjectPermission.objects.filter(**grants).values("user")) | Q(
        groups__in=LocationGroupObjectPermission.objects.filter(**grants).values("group")
    )
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(pk__in=roles.filter(is_owner=True).values("user"))
            | (Q(pk__in=roles.values("user")) & granted)
        )
        .distinct()
        .order_by("pk")
    )


def can_create_location(user, organization: Organization) -> bool:
    """A new location changes the organization, like its settings: owners,
    and admins holding "manage settings" at every location (who are then
    given, at the new one, what they hold everywhere: see
    ``members.actions.locations.location_create``)."""
    return can_manage_organization_settings(user, organization)


def can_manage_location_settings(user, location: Location) -> bool:
    """Edit or archive ``location``, and its plans."""
    return can_manage_location(user, location, MANAGE_SETTINGS)


def location_settings_ids(user, organization: Organization) -> set[int]:
    """Ids of the locations whose settings ``user`` manages (one query), for
    a list page that marks each row."""
    return set(admin_locations(user, organization, MANAGE_SETTINGS).values_list("pk", flat=True))
