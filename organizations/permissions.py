"""Who may do what in an organization's admin portal (R1.2).

Admins hold object permissions on Location (django-guardian); owners hold
every permission everywhere. Each question is answered here and nowhere else.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from .models import (
    Location,
    LocationGroupObjectPermission,
    LocationUserObjectPermission,
    Organization,
    OrganizationAdmin,
)

MANAGE_CUSTOMERS = "organizations.manage_customers"
MANAGE_SETTINGS = "organizations.manage_settings"
MANAGE_ADMINS = "organizations.manage_admins"

#: What an admin may hold at a location, in the order pages show them.
ADMIN_PERMISSIONS = (MANAGE_CUSTOMERS, MANAGE_SETTINGS, MANAGE_ADMINS)

#: A grant: (permission, location id).
Grant = tuple[str, int]


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
    """Locations of ``organization`` where ``user`` holds ``perm``: a lazy
    queryset, to sit inside another filter. Built once per user object and
    permission (in a view: once per request, as ``admin_role`` is), and
    handed out as a fresh copy. A grant given or taken during a request
    shows from the next."""
    role = admin_role(user, organization)
    if role is None:
        return Location.objects.none()
    built = user.__dict__.setdefault("_admin_locations", {})
    key = (organization.pk, perm)
    if key not in built:
        built[key] = role_locations(role, perm)
    return built[key].all()


def admin_location_ids(user, organization: Organization, perm: str = MANAGE_CUSTOMERS) -> set[int]:
    """The ids of ``admin_locations``: for a location-limited admin, from
    the grants already read (no query); for an owner, one query."""
    role = admin_role(user, organization)
    if role is not None and not (role.is_owner or user.is_superuser):
        return set(_granted_location_ids(role)[perm])
    return set(admin_locations(user, organization, perm).values_list("pk", flat=True))


def role_locations(role: OrganizationAdmin, perm: str = MANAGE_CUSTOMERS) -> QuerySet:
    """Locations where ``role`` holds ``perm``, read from the grants whether or
    not the role is suspended (restoring one needs to know what it holds).
    An owner's (or a superuser's) are every location of the organization;
    anyone else's are named by id, from ``_granted_location_ids``."""
    locations = Location.objects.filter(organization_id=role.organization_id)
    if role.is_owner or role.user.is_superuser:
        return locations
    return locations.filter(pk__in=_granted_location_ids(role)[perm])


def _granted_location_ids(role: OrganizationAdmin) -> dict[str, list[int]]:
    """The locations where ``role`` holds each admin permission: guardian's
    rows, given to the person or to one of their groups, all permissions in
    one query, kept on the user object. Read once rather than as a subquery
    inside each of a page's queries, where the grants cost more to build
    and to plan than the page's own filters; and not through guardian's
    ``get_objects_for_user``, which looked up the permission's content type
    in two queries more. Only object grants count: a model-wide permission
    would reach every tenant's locations."""
    cache = role.user.__dict__.setdefault("_granted_location_ids", {})
    if role.organization_id not in cache:
        grant = _admin_grants(role.organization_id)
        read = ("permission__codename", "content_object_id")
        mine = LocationUserObjectPermission.objects.filter(user=role.user, **grant)
        groups = LocationGroupObjectPermission.objects.filter(group__user=role.user, **grant)
        granted: dict[str, set[int]] = {perm: set() for perm in ADMIN_PERMISSIONS}
        for codename, location_id in mine.values_list(*read).union(groups.values_list(*read)):
            granted[f"organizations.{codename}"].add(location_id)
        cache[role.organization_id] = {perm: sorted(ids) for perm, ids in granted.items()}
    return cache[role.organization_id]


def _admin_grants(organization_id) -> dict:
    """Which of guardian's rows are admin grants here (lookups for its
    permission tables): one of ``ADMIN_PERMISSIONS``, at a location of
    this organization."""
    return {
        "content_object__organization_id": organization_id,
        "permission__content_type__app_label": "organizations",
        "permission__codename__in": [perm.split(".")[1] for perm in ADMIN_PERMISSIONS],
    }


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
    allowed = admin_location_ids(user, organization, MANAGE_SETTINGS)
    return 0 < len(allowed) == Location.objects.filter(organization=organization).count()


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
    """Ids of the locations whose settings ``user`` manages, for a list
    page that marks each row."""
    return admin_location_ids(user, organization, MANAGE_SETTINGS)


# ------------------------------------------------------------ managing admins


def role_grants(role: OrganizationAdmin) -> set[Grant]:
    """What ``role`` was granted at its organization's locations, one query.
    Owners hold everything without grants; this is what is stored."""
    return grants_by_user([role])[role.user_id]


def grants_by_user(roles) -> dict[int, set[Grant]]:
    """``role_grants`` for many roles of one organization, in one query."""
    roles = list(roles)
    grants: dict[int, set[Grant]] = {role.user_id: set() for role in roles}
    if not roles:
        return grants
    rows = LocationUserObjectPermission.objects.filter(
        user_id__in=grants, **_admin_grants(roles[0].organization_id)
    ).values_list("user_id", "permission__codename", "content_object_id")
    for user_id, codename, location_id in rows:
        grants[user_id].add((f"organizations.{codename}", location_id))
    return grants


def may_manage_admins(user, organization: Organization) -> bool:
    """Whether ``user`` may invite or change admins anywhere here: owners, and
    admins holding "manage admins" at a location."""
    role = admin_role(user, organization)
    if role is None:
        return False
    return role.is_owner or admin_locations(user, organization, MANAGE_ADMINS).exists()


def changeable_grants(role: OrganizationAdmin | None, locations) -> set[Grant]:
    """The grants at ``locations`` that ``role`` may give or take away:
    at a location where it holds "manage admins", the permissions it holds
    there itself. Nobody hands out what they do not hold (owners hold
    everything)."""
    location_ids = {location.pk for location in locations}
    if role is None or role.suspended_at is not None:
        return set()
    if role.is_owner:
        return {(perm, pk) for perm in ADMIN_PERMISSIONS for pk in location_ids}
    held = role_grants(role)
    managed = {pk for perm, pk in held if perm == MANAGE_ADMINS}
    return {(perm, pk) for perm, pk in held if pk in managed and pk in location_ids}


def grant_label(perm: str) -> str:
    return {
        MANAGE_CUSTOMERS: gettext("Manage customers"),
        MANAGE_SETTINGS: gettext("Manage settings"),
        MANAGE_ADMINS: gettext("Manage admins"),
    }[perm]


def admin_change_refusal(
    *,
    actor,
    role: OrganizationAdmin,
    before: set[Grant],
    after: set[Grant],
    owner_after: bool | None = None,
    taking_away: bool = False,
) -> str | None:
    """Why ``actor`` may not change ``role`` from the grants ``before`` to
    ``after`` (and to owner or not, ``owner_after``), or take the whole
    role away (``taking_away``: suspend, remove). None: they may.

    The one rule for every change to an admin role (R1.2): only owners, or
    admins holding "manage admins" at the locations concerned; each grant
    given or taken away must be one the actor holds there; an owner is
    changed by owners only; nobody changes their own role; an organization
    keeps an active owner. ``actor`` None is the support site or the system,
    which stand outside these permissions but not outside the last owner.
    """
    organization = role.organization
    owner_after = role.is_owner if owner_after is None else owner_after
    losing_owner = role.is_owner and (taking_away or not owner_after)
    if losing_owner and role.suspended_at is None:
        others = OrganizationAdmin.objects.active().filter(
            organization_id=role.organization_id, is_owner=True
        )
        if not others.exclude(pk=role.pk).exists():
            return gettext(
                "%(name)s is the last owner of %(organization)s: make someone else an owner first."
            ) % {"name": role.user.email, "organization": organization.name}
    if actor is None:
        return None
    if role.user_id == actor.pk:
        return gettext("This is your own admin role: another owner or admin must change it.")
    actor_role = admin_role(actor, organization)
    if actor_role is None:
        return gettext("You are not an admin of %(organization)s.") % {
            "organization": organization.name
        }
    if actor_role.is_owner:
        return None
    if role.is_owner or owner_after:
        return gettext("Only an owner can change an owner, or make someone one.")
    held = role_grants(actor_role)
    managed = {pk for perm, pk in held if perm == MANAGE_ADMINS}
    if not managed:
        return gettext("You need the “Manage admins” permission to change admins.")
    changed = (before | after) if taking_away else (before ^ after)
    refused = sorted(
        (pk, perm) for perm, pk in changed if (perm, pk) not in held or pk not in managed
    )
    if not refused:
        return None
    pk, perm = refused[0]
    location = Location.objects.filter(organization_id=role.organization_id, pk=pk).first()
    name = location.name if location else "?"
    if pk not in managed:
        return gettext(
            "You cannot change admins at %(location)s: you do not hold “Manage admins” there."
        ) % {"location": name}
    return gettext(
        "You cannot grant or take away “%(permission)s” at %(location)s: you do not hold it there."
    ) % {"permission": grant_label(perm), "location": name}
