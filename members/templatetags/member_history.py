"""Who made a change to a member, as the page's reader may see them (R2.6).

Admins see the actor's email. In the member portal a contact person sees
names, never an admin's email: the actor's member record in the
organization (prefetched by the selectors as ``members_here``), else "An
admin of <organization>". A change whose actor later deleted their account
says "Deleted user", not "System".
"""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import Via

register = template.Library()

THROUGH = {
    Via.PORTAL: gettext_lazy(" via the member portal"),
    Via.ADMIN: gettext_lazy(" via the admin portal"),
    Via.API: gettext_lazy(" via the API"),
}


def _label(context, user, via: str) -> str:
    if user is None:
        return _("System") if via == Via.SYSTEM else _("Deleted user")
    if not context.get("in_portal"):
        return user.email
    here = getattr(user, "members_here", None)
    if here:
        return here[0].full_name
    organization = context.get("organization")
    if organization:
        return _("An admin of %(organization)s") % {"organization": organization.name}
    return _("An admin")


@register.simple_tag(takes_context=True)
def actor_label(context, user, via: str) -> str:
    """Who made one status change."""
    return _label(context, user, via)


@register.simple_tag(takes_context=True)
def added_label(context, member) -> str:
    """' by <who> via <door>' for the line that starts a member's history, or
    nothing for records older than that bookkeeping."""
    if not member.added_via and member.added_by_id is None:
        return ""
    text = _(" by %(who)s") % {"who": _label(context, member.added_by, member.added_via)}
    if member.added_via in THROUGH:
        text += str(THROUGH[member.added_via])
    return text
