"""Actions that change an organization."""

import logging
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit import log
from audit.models import Verb, Via
from uploads.images import PreparedImage

from .branding import LINE_BREAKING
from .colours import normalized_hex, validate_hex_colour
from .logo_files import delete_old_logos, store_logo
from .models import Organization
from .permissions import can_manage_organization_settings

logger = logging.getLogger(__name__)

# Settings an admin may change from the admin portal's Settings page.
SETTINGS = (
    "contacts_manage_team",
    "contact_additions_need_approval",
    "invitation_reminders",
    "auto_former_on_membership_end",
    "members_see_email",
    "members_see_phone",
    # What a person reads unless their account or the location says otherwise (issue 16).
    "language",
    "time_zone",
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
        raise PermissionDenied(_("You need the settings permission on every location."))
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


NAME_ON_ONE_LINE = gettext_lazy(
    "Keep the name on one line, with at least one visible character: it is the sender "
    "name of every email."
)


@transaction.atomic
def organization_update_brand(
    *,
    organization: Organization,
    actor,
    via: str = Via.ADMIN,
    name: str | None = None,
    accent_colour: str | None = None,
    logo: PreparedImage | None = None,
    remove_logo: bool = False,
) -> list[str]:
    """Change what the portals and emails show of the operator: its name,
    accent colour ("" for the default) and logo (already checked and
    re-encoded by ``logo_files.prepare_logo``). Returns the names of the
    fields that changed. The replaced logo's file is deleted after commit.
    """
    if actor is not None and not can_manage_organization_settings(actor, organization):
        raise PermissionDenied(_("You need the settings permission on every location."))
    changes = {}
    if name is not None:
        name = name.strip()
        # It becomes the From name of every email: no line breaks, not empty.
        if not name or LINE_BREAKING.search(name):
            raise ValidationError({"name": NAME_ON_ONE_LINE})
        changes["name"] = name
    if accent_colour is not None:
        accent_colour = normalized_hex(accent_colour)
        if accent_colour:
            validate_hex_colour(accent_colour)
        changes["accent_colour"] = accent_colour
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    changed = [field for field, value in changes.items() if getattr(locked, field) != value]
    before = {field: getattr(locked, field) for field in changed}
    after = {field: changes[field] for field in changed}
    if logo is not None or (remove_logo and locked.logo):
        before["logo"] = locked.logo.name
        if logo is not None:
            store_logo(locked, logo)
        else:
            locked.logo = ""
        after["logo"] = locked.logo.name
        changed.append("logo")
    if not changed:
        return []
    for field in changes:
        setattr(locked, field, changes[field])
    locked.full_clean(exclude=["slug"])
    locked.save(update_fields=[*changed, "updated_at"])
    for field in changed:
        setattr(organization, field, getattr(locked, field))
    log.record(
        verb=Verb.ORGANIZATION_BRAND_CHANGED,
        via=via,
        actor=actor,
        organization=locked,
        subject=locked,
        before=before,
        after=after,
    )
    if "logo" in changed:
        transaction.on_commit(partial(delete_old_logos, locked.pk))
    return changed
