"""The manageable-members selector and the policy are the same rule (R2.3)."""

import pytest

from members.models import Member, MemberStatus
from members.policy import TeamPolicy, status_change_refusal
from members.team_selectors import members_manageable_by
from organizations.services import organization_update_settings
from tests import factories as f

ACTORS = {
    "contact person": lambda t: t.cast.contact.user,
    "billing person": lambda t: t.cast.billing.user,
    "manager": lambda t: t.manager.user,
    "plain member": lambda t: t.cast.teammate.user,
    "other company's contact": lambda t: t.cast.globex_contact.user,
    "admin": lambda t: t.cast.admin,
    "other organization's member": lambda t: t.cast.other_member.user,
}


@pytest.fixture
def crowd(team):
    """More members in every state, so the comparison covers each branch."""
    cast = team.cast
    for company in (cast.acme, cast.globex, team.initech, None):
        for status in MemberStatus.values:
            f.MemberFactory(location=cast.harbour, company=company, status=status)
        f.MembershipFactory(member=f.MemberFactory(location=cast.harbour, company=company))
    f.MemberFactory(location=cast.mill, company=None)
    return team


@pytest.mark.parametrize("setting", [True, False], ids=["on", "off"])
@pytest.mark.parametrize("actor", ACTORS)
def test_selector_matches_policy_member_by_member(crowd, actor, setting):
    org = crowd.cast.org
    organization_update_settings(organization=org, actor=None, contacts_manage_team=setting)
    org.refresh_from_db()
    user = ACTORS[actor](crowd)
    policy = TeamPolicy(user=user, organization=org)
    selected = set(members_manageable_by(user=user, organization=org).values_list("pk", flat=True))
    everyone = Member.objects.filter(organization=org).select_related("company")
    assert everyone.count() > 20
    for member in everyone:
        allowed = policy.status_change_refusal(member) is None
        assert allowed == (member.pk in selected), (
            actor,
            member,
            policy.status_change_refusal(member),
        )
        # The standalone function (no per-request cache) says the same.
        assert (status_change_refusal(user=user, member=member) is None) == allowed
    if setting and actor in ("contact person", "billing person", "manager"):
        assert selected  # the comparison is not vacuous
