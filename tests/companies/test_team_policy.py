"""TeamPolicy's status rule, member by member, over every kind of member
(R2.3), and its cost: one query for any number of companies (R7.2).

The expectation is written out here independently of members/policy.py,
so a change to either one shows up as a disagreement.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm

from companies.models import MANAGE_TEAM, Company
from members.actions.team import team_add_member
from members.forms.team import NewTeamMemberForm
from members.models import Member, Membership, MemberStatus, PortalAccess
from members.policy import ACTIVE_NEEDS_EMAIL, TeamPolicy
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
MANAGES = {
    "contact person": lambda t: {t.cast.acme.pk},
    "billing person": lambda t: {t.cast.acme.pk},
    "manager": lambda t: {t.cast.acme.pk},
    "other company's contact": lambda t: {t.cast.globex.pk},
}


@pytest.fixture
def crowd(team):
    """More members in every state, so the comparison covers each branch."""
    cast = team.cast
    for company in (cast.acme, cast.globex, team.initech, None):
        for status in MemberStatus.values:
            f.MemberFactory(location=cast.harbour, company=company, status=status)
        f.MembershipFactory(member=f.MemberFactory(location=cast.harbour, company=company))
        f.MemberFactory(
            location=cast.harbour, company=company, portal_access=PortalAccess.DEACTIVATED
        )
    f.MemberFactory(location=cast.mill, company=None)
    return team


@pytest.mark.parametrize("setting", [True, False], ids=["on", "off"])
@pytest.mark.parametrize("actor", ACTORS)
def test_the_policy_allows_exactly_these_members(crowd, actor, setting):
    org = crowd.cast.org
    organization_update_settings(organization=org, actor=None, contacts_manage_team=setting)
    org.refresh_from_db()
    user = ACTORS[actor](crowd)
    policy = TeamPolicy(user=user, organization=org)
    managed = MANAGES.get(actor, lambda t: set())(crowd) if setting else set()
    committed = set(Membership.objects.active().values_list("member_id", flat=True))
    everyone = Member.objects.filter(organization=org)
    assert everyone.count() > 20
    allowed_somewhere = False
    for member in everyone:
        expected = (
            member.company_id in managed
            and member.user_id != user.pk
            and member.pk not in committed
            and member.portal_access != PortalAccess.DEACTIVATED
        )
        refusal = policy.status_change_refusal(member)
        assert (refusal is None) == expected, (actor, member, refusal)
        allowed_somewhere |= expected
    if setting and actor in MANAGES:
        assert allowed_somewhere  # the comparison is not vacuous


def test_asking_about_thirty_companies_costs_one_query(team, warm_caches):
    """The grants are read once per policy, however many companies it is
    asked about (the nav, a team page, a list of companies)."""
    cast = team.cast
    user = cast.contact.user
    more = [f.CompanyFactory(location=cast.harbour) for _ in range(30)]
    # Grants written directly (one person is contact of one company here; the
    # policy reads grants, whoever wrote them).
    for company in more[::3]:
        assign_perm(MANAGE_TEAM, user, company)
    companies = list(Company.objects.filter(organization=cast.org))
    assert len(companies) > 30
    policy = TeamPolicy(user=user, organization=cast.org)
    with CaptureQueriesContext(connection) as queries:
        allowed = {c.pk for c in companies if policy.team_refusal(c) is None}
    assert len(queries) == 1
    assert allowed == {cast.acme.pk, *(c.pk for c in more[::3])}


def test_an_active_member_without_email_is_refused_at_the_email_field(team):
    cast = team.cast
    policy = TeamPolicy(user=cast.contact.user, organization=cast.org)
    for form_policy in (policy, None):  # member portal and admin portal
        form = NewTeamMemberForm(
            {"first_name": "Nia", "status": "active", "email": ""},
            company=cast.acme,
            policy=form_policy,
            locations=cast.acme.locations.all(),
        )
        assert not form.is_valid()
        assert form.errors == {"email": [ACTIVE_NEEDS_EMAIL]}
    # The action says the same to a caller that skipped the form.
    with pytest.raises(ValidationError) as refused:
        team_add_member(actor=cast.contact.user, company=cast.acme, first_name="Nia")
    assert refused.value.message_dict == {"email": [ACTIVE_NEEDS_EMAIL]}
