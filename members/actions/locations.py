"""Locations: create, edit, archive (issue 13, item 1).

Here rather than in ``organizations`` (floor 0): archiving asks whether
anyone is still an active member there, and members are floor 1. Who may
do each is ``organizations.permissions`` (``can_create_location``,
``can_manage_location_settings``); the views ask it.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from audit import log
from audit.models import Verb, Via
from members.models import Member, MemberStatus
from organizations.models import Location, OrganizationAdmin
from organizations.permissions import MANAGE_CUSTOMERS, MANAGE_SETTINGS, role_locations

#: What an admin sets on a location; the slug (its public join page's
#: address) is made once, from the first name, and kept.
LOCATION_FIELDS = ("name", "address", "time_zone", "door_group", "printing_group")


def _unique_slug(organization, name: str) -> str:
    base = slugify(name)[:40] or "location"
    taken = set(
        Location.objects.filter(organization=organization, slug__startswith=base).values_list(
            "slug", flat=True
        )
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _checked(location: Location) -> None:
    """The column limits and the time zone, as messages at each field."""
    location.full_clean(exclude=["organization", "slug"], validate_unique=False)


@transaction.atomic
def location_create(*, organization, actor, via: str = Via.ADMIN, **values) -> Location:
    """A new location. A creator who is not an owner holds "manage settings"
    everywhere (the rule to create one); they are given at the new location
    each permission they hold at every other one, so creating it does not
    take their organization-wide settings away."""
    location = Location(
        organization=organization, **{f: values.get(f, "") for f in LOCATION_FIELDS}
    )
    _checked(location)
    location.slug = _unique_slug(organization, location.name)
    role = OrganizationAdmin.objects.filter(organization=organization, user=actor).first()
    held_everywhere = []
    if role is not None and not role.is_owner:
        existing = Location.objects.filter(organization=organization)
        held_everywhere = [
            perm
            for perm in (MANAGE_CUSTOMERS, MANAGE_SETTINGS)
            if existing.exists()
            and not existing.exclude(pk__in=role_locations(role, perm)).exists()
        ]
    location.save()
    log.record(
        verb=Verb.LOCATION_CREATED,
        via=via,
        actor=actor,
        subject=location,
        after={f: getattr(location, f) for f in (*LOCATION_FIELDS, "slug")},
    )
    for perm in held_everywhere:
        assign_perm(perm, actor, location)
    if held_everywhere:
        log.record(
            verb=Verb.ADMIN_PERMISSIONS_CHANGED,
            via=via,
            actor=actor,
            subject=role,
            after={"location_id": location.pk, "granted": held_everywhere},
            reason=_("Created the location"),
        )
    return location


def _refuse_archived(location: Location) -> None:
    if location.is_archived:
        raise ValidationError(_("%(name)s is archived: it cannot be changed.") % {"name": location})


@transaction.atomic
def location_update(*, location: Location, actor, via: str = Via.ADMIN, **values) -> dict:
    """Change what ``values`` holds of LOCATION_FIELDS; returns what changed
    ({field: (before, after)}). A changed door or printing group reaches the
    connected systems (integrations/reactions.py)."""
    location = Location.objects.select_for_update().get(pk=location.pk)
    _refuse_archived(location)
    before = {f: getattr(location, f) for f in LOCATION_FIELDS}
    for field in LOCATION_FIELDS:
        if field in values:
            setattr(location, field, values[field])
    _checked(location)
    changed = {
        f: (before[f], getattr(location, f))
        for f in LOCATION_FIELDS
        if before[f] != getattr(location, f)
    }
    if not changed:
        return {}
    location.save()
    log.record(
        verb=Verb.LOCATION_UPDATED,
        via=via,
        actor=actor,
        subject=location,
        before={f: old for f, (old, _new) in changed.items()},
        after={f: new for f, (_old, new) in changed.items()},
    )
    return changed


def _active_member_count(location: Location) -> int:
    return Member.objects.filter(location=location, status=MemberStatus.ACTIVE).count()


@transaction.atomic
def location_archive(*, location: Location, actor, via: str = Via.ADMIN) -> Location:
    """Archive a location nobody is an active member of any more: it stays
    for the records that point at it and is offered for nothing new."""
    location = Location.objects.select_for_update().get(pk=location.pk)
    _refuse_archived(location)
    active = _active_member_count(location)
    if active:
        raise ValidationError(
            _(
                "%(name)s still has %(count)s active members. Move them to another location "
                "or set them to Former first."
            )
            % {"name": location.name, "count": active}
        )
    location.archived_at = timezone.now()
    location.save(update_fields=["archived_at", "updated_at"])
    log.record(
        verb=Verb.LOCATION_ARCHIVED,
        via=via,
        actor=actor,
        subject=location,
        before={"archived": False},
        after={"archived": True},
    )
    return location
