from django import template
from django.utils.safestring import mark_safe

from members.policy import policy_for

from ..team_rows import TeamRows

register = template.Library()


@register.simple_tag(takes_context=True)
def may_manage_team(context) -> bool:
    """Whether to show "My team": only to people who may manage a team (R2.2).

    The policy decides, setting included; it answers without a query when the
    setting is off or the member has no company."""
    request = context.get("request")
    member = getattr(request, "member", None)
    if member is None:
        return False
    return policy_for(request).team_refusal(member.company) is None


@register.simple_tag(takes_context=True)
def team_rows(context, members):
    """My team's rows (portal/team_rows.py), one ``<tbody>`` each."""
    render = TeamRows(context["request"])
    return mark_safe("\n".join(render(member) for member in members))
