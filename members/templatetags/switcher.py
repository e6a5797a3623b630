"""The header's organization switcher (issue 13, item 6), in both portals."""

from django import template
from django.urls import reverse

from members.login_organizations import login_organizations

register = template.Library()


@register.simple_tag(takes_context=True)
def organization_switcher(context) -> list[dict]:
    """Where this login may go instead of the page's organization: one entry
    per organization, to the same portal as the page's when it may open
    that one there, else the other. Empty when there is nowhere else. Read
    from the cache (``members.login_organizations``), on pages inside an
    organization only."""
    request = context.get("request")
    current = getattr(request, "organization", None)
    user = getattr(request, "user", None)
    if current is None or user is None or not user.is_authenticated:
        return []
    in_admin_portal = getattr(request.resolver_match, "app_name", "") != "portal"
    entries = []
    for pk, name, slug, is_admin, is_member in login_organizations(user):
        admin_first = is_admin and (in_admin_portal or not is_member)
        portal = "adminportal:home" if admin_first else "portal:home"
        entries.append(
            {
                "name": name,
                "url": reverse(portal, kwargs={"org_slug": slug}),
                "current": pk == current.pk,
            }
        )
    return entries if len(entries) > 1 else []
