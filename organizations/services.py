"""Actions that change an organization."""

import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction

from audit import log
from audit.models import Verb, Via

from .models import Organization
from .permissions import can_manage_organization_settings

logger = logging.getLogger(__name__)

# Settings an admin may change from the admin portal's Settings page.
SETTINGS = (
    "contacts_manage_team",
    "invitation_reminders",
    "auto_former_on_membership_end",
    "members_see_email",
    "members_see_phone",
)


@transaction.atomic
def organization_update_settings(
    *, organization: Organization, actor, via: str = Via.ADMIN, **changes
) -> list[str]:
    """Change organization-wide settings; returns the names of those that changed.

    Switching team management on or off grants or revokes every company's
    ``manage_team`` permission in the same transaction (R2.1, R2.5): the
    audit reaction in members/reactions.py does it.
    """
    unknown = set(changes) - set(SETTINGS)
    if unknown:
        raise TypeError(f"Not an organization setting: {', '.join(sorted(unknown))}")
    if actor is not None and not can_manage_organization_settings(actor, organization):
        raise PermissionDenied("You need the settings permission on every location.")
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    changed = [name for name, value in changes.items() if getattr(locked, name) != value]
    if not changed:
        return []
    before = {name: getattr(locked, name) for name in changed}
    for name in changed:
        setattr(locked, name, changes[name])
        setattr(organization, name, changes[name])
    locked.save(update_fields=[*changed, "updated_at"])
    log.record(
        verb=Verb.ORGANIZATION_SETTINGS_CHANGED,
        via=via,
        actor=actor,
        organization=locked,
        subject=locked,
        before=before,
        after={name: changes[name] for name in changed},
    )
    logger.info(
        "Organization %s settings changed by %s: %s",
        organization.slug,
        getattr(actor, "email", "system"),
        ", ".join(f"{name}={changes[name]}" for name in changed),
    )
    return changed
