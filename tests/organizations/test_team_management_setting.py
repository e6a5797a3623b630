"""R2.1, R2.5: the organization setting gates everything and moves the grants."""

import pytest
from django.urls import reverse

from members.models import Member, MemberStatus
from members.policy import SETTING_OFF
from organizations.services import organization_update_settings
from tests.team_cast import grants, refreshed, said, shows


def team_requests(team):
    slug = team.cast.org.slug
    status_url = reverse("portal:team_member_status", args=[slug, team.colleague.pk])
    return [
        ("get", reverse("portal:team", args=[slug]), {}),
        ("get", reverse("portal:team_add", args=[slug]), {}),
        ("post", reverse("portal:team_add", args=[slug]), {"first_name": "X", "status": "contact"}),
        ("post", status_url, {"status": "former"}),
    ]


def test_off_by_default(cast):
    assert cast.org.contacts_manage_team is False
    assert grants(cast.acme) == set()


@pytest.mark.parametrize("index", range(4), ids=["team", "add form", "add", "status"])
def test_setting_off_refuses_every_team_url(client, team, index):
    organization_update_settings(
        organization=team.cast.org, actor=team.cast.owner, contacts_manage_team=False
    )
    client.force_login(team.cast.contact.user)
    method, url, data = team_requests(team)[index]
    response = getattr(client, method)(url, data)
    assert response.status_code == 403
    assert shows(response, said(SETTING_OFF))
    assert refreshed(team.colleague).status == MemberStatus.ACTIVE
    assert not Member.objects.filter(first_name="X").exists()


def test_nav_link_only_for_people_who_may_manage_a_team(client, team):
    home = reverse("portal:home", args=[team.cast.org.slug])
    team_url = reverse("portal:team", args=[team.cast.org.slug])
    client.force_login(team.cast.contact.user)
    assert team_url in client.get(home).content.decode()
    client.force_login(team.cast.teammate.user)
    assert team_url not in client.get(home).content.decode()
    organization_update_settings(organization=team.cast.org, actor=None, contacts_manage_team=False)
    client.force_login(team.cast.contact.user)
    assert team_url not in client.get(home).content.decode()


def test_turning_on_grants_and_off_revokes(cast):
    from members.actions.roles import company_set_manager
    from tests import factories as f

    manager = f.PortalMemberFactory(location=cast.harbour, company=cast.acme)
    company_set_manager(company=cast.acme, member=manager, is_manager=True)
    assert grants(cast.acme) == set()  # setting still off

    organization_update_settings(organization=cast.org, actor=cast.owner, contacts_manage_team=True)
    assert grants(cast.acme) == {cast.contact.user_id, cast.billing.user_id, manager.user_id}
    assert grants(cast.globex) == {cast.globex_contact.user_id}

    organization_update_settings(
        organization=cast.org, actor=cast.owner, contacts_manage_team=False
    )
    assert grants(cast.acme) == set()
    assert grants(cast.globex) == set()


def test_the_setting_of_one_organization_leaves_the_other_alone(cast):
    from companies.actions import company_create
    from members.actions.roles import company_set_roles
    from tests import factories as f

    theirs = company_create(
        organization=cast.other_org, location=cast.other_location, name="Theirs"
    )
    contact = f.PortalMemberFactory(location=cast.other_location, company=theirs)
    company_set_roles(company=theirs, contact_person=contact, billing_person=None)
    organization_update_settings(organization=cast.org, actor=None, contacts_manage_team=True)
    assert grants(theirs) == set()


def test_settings_page_turns_it_on_for_an_admin_with_the_permission(client, cast):
    client.force_login(cast.admin)  # settings on harbour, which is not every location
    url = reverse("adminportal:settings", args=[cast.org.slug])
    response = client.get(url)
    assert response.status_code == 200 and shows(response, "You can see these settings but not")
    response = client.post(url, {"contacts_manage_team": "on"})
    assert response.status_code == 403
    cast.org.refresh_from_db()
    assert cast.org.contacts_manage_team is False

    client.force_login(cast.owner)
    response = client.post(url, {"contacts_manage_team": "on"}, follow=True)
    assert shows(response, "Team management is on")
    cast.org.refresh_from_db()
    assert cast.org.contacts_manage_team is True
    assert cast.contact.user_id in grants(cast.acme)

    response = client.post(url, {}, follow=True)  # unchecked box
    assert shows(response, "Team management is off")
    assert grants(cast.acme) == set()


def test_other_organizations_admin_cannot_reach_the_settings(client, cast):
    client.force_login(cast.other_admin)
    url = reverse("adminportal:settings", args=[cast.org.slug])
    assert client.get(url).status_code == 404
    assert client.post(url, {"contacts_manage_team": "on"}).status_code == 404
    cast.org.refresh_from_db()
    assert cast.org.contacts_manage_team is False


def test_the_action_refuses_an_admin_without_the_permission(cast):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        organization_update_settings(
            organization=cast.org, actor=cast.mill_admin, contacts_manage_team=True
        )
    with pytest.raises(TypeError):
        organization_update_settings(organization=cast.org, actor=cast.owner, name="Hacked")
