from django import template

from members.policy import policy_for

register = template.Library()


@register.simple_tag(takes_context=True)
def may_manage_team(context) -> bool:
    """Whether to show "My team": only to people who may manage a team (R2.2)."""
    request = context.get("request")
    member = getattr(request, "member", None)
    if member is None or not request.organization.contacts_manage_team or not member.company_id:
        return False
    return policy_for(request).team_refusal(member.company) is None
