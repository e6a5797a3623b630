"""Admins set a company's contact person, billing person and managers from
the admin portal; team-management grants follow at once (R2.4, R2.5)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from companies.models import MANAGE_TEAM
from members.actions.roles import company_set_manager, company_set_roles, company_update_roles
from tests import factories as f
from tests.team_cast import grants, refreshed, shows


def _url(team, company=None):
    company = company or team.cast.acme
    return reverse("adminportal:company_roles", args=[team.cast.org.slug, company.pk])


def _fresh(user):
    return type(user).objects.get(pk=user.pk)  # a fresh guardian permission cache


def test_the_company_page_offers_the_roles_form(client, team):
    client.force_login(team.cast.admin)
    page = client.get(reverse("adminportal:company", args=[team.cast.org.slug, team.cast.acme.pk]))
    assert _url(team) in page.content.decode() and shows(page, "Save roles")


def test_the_company_page_names_each_members_roles(client, team):
    cast = team.cast
    company_set_roles(company=cast.acme, contact_person=cast.contact, billing_person=cast.contact)
    company_set_manager(company=cast.acme, member=cast.contact, is_manager=True)
    client.force_login(cast.admin)
    page = client.get(reverse("adminportal:company", args=[cast.org.slug, cast.acme.pk]))
    html = page.content.decode()
    row = html[html.index(cast.contact.full_name) :].split("</tr>")[0]
    assert "Contact person, Billing person, Manager" in row
    row = html[html.index(team.manager.full_name) :].split("</tr>")[0]
    assert '<td data-label="Role">Manager</td>' in row


def test_an_admin_hands_the_roles_over_and_the_grants_follow(client, team):
    cast = team.cast
    new_contact = team.cast.teammate  # has a login
    client.force_login(cast.admin)
    response = client.post(
        _url(team),
        {"contact_person": new_contact.pk, "billing_person": cast.billing.pk, "managers": []},
        follow=True,
    )
    assert shows(response, "Roles at Acme saved")
    acme = refreshed(cast.acme)
    assert acme.contact_person == new_contact and acme.billing_person == cast.billing
    assert _fresh(new_contact.user).has_perm(MANAGE_TEAM, acme)
    assert not _fresh(cast.contact.user).has_perm(MANAGE_TEAM, acme)  # the old contact
    assert not _fresh(team.manager.user).has_perm(MANAGE_TEAM, acme)  # no longer a manager
    assert not refreshed(team.manager).is_manager


def test_someone_outside_the_company_cannot_be_given_a_role(client, team):
    cast = team.cast
    client.force_login(cast.admin)
    response = client.post(
        _url(team),
        {"contact_person": cast.globex_contact.pk, "managers": [team.outsider.pk]},
        follow=True,
    )
    assert shows(response, "Select a valid choice")
    assert refreshed(cast.acme).contact_person == cast.contact
    assert not refreshed(team.outsider).is_manager


def test_admins_of_other_locations_and_organizations_get_404(client, team):
    cast = team.cast
    for admin in (cast.mill_admin, cast.other_admin):
        client.force_login(admin)
        assert client.post(_url(team), {"contact_person": ""}).status_code == 404
    assert refreshed(cast.acme).contact_person == cast.contact


def test_a_contact_person_cannot_post_to_the_admin_form(client, team):
    client.force_login(team.cast.contact.user)
    response = client.post(_url(team), {"contact_person": team.cast.teammate.pk})
    # Not an admin of the organization: the admin portal does not exist for them.
    assert response.status_code == 404
    assert refreshed(team.cast.acme).contact_person == team.cast.contact


def _saving_roles_costs(team, manager_count: int) -> int:
    cast = team.cast
    managers = [
        f.PortalMemberFactory(location=cast.harbour, company=cast.acme)
        for _ in range(manager_count)
    ]
    # Start from no managers, so every one of them is a change.
    company_update_roles(
        company=cast.acme, contact_person=cast.contact, billing_person=cast.billing, managers=[]
    )
    with CaptureQueriesContext(connection) as queries:
        company_update_roles(
            company=cast.acme,
            contact_person=cast.contact,
            billing_person=cast.billing,
            managers=managers,
        )
    assert grants(cast.acme) == {cast.contact.user_id, cast.billing.user_id} | {
        m.user_id for m in managers
    }
    return len(queries)


def test_saving_roles_costs_the_same_for_one_or_ten_managers(team, warm_caches):
    """One sync for the whole form, not one per changed manager (R7.2)."""
    one = _saving_roles_costs(team, 1)
    ten = _saving_roles_costs(team, 10)
    assert one == ten, (one, ten)


@pytest.mark.parametrize("was_manager", [True, False])
def test_a_deactivated_members_manager_flag_is_read_only_in_both_actions(team, was_manager):
    """One rule for company_set_manager and the roles form: a deactivated
    member is neither made nor unmade a manager, with the same message."""
    from django.core.exceptions import ValidationError

    from members.actions.access import member_deactivate_access
    from members.models import Member

    cast = team.cast
    member = cast.teammate
    company_set_manager(company=cast.acme, member=member, is_manager=was_manager)
    member_deactivate_access(member=member, actor=cast.admin)
    member = Member.objects.get(pk=member.pk)
    others = [m for m in cast.acme.members.filter(is_manager=True) if m.pk != member.pk]
    with pytest.raises(ValidationError) as one:
        company_set_manager(company=cast.acme, member=member, is_manager=not was_manager)
    with pytest.raises(ValidationError) as form:
        company_update_roles(
            company=cast.acme,
            contact_person=cast.contact,
            billing_person=cast.billing,
            managers=others if was_manager else [*others, member],
        )
    assert one.value.message_dict["is_manager"] == form.value.message_dict["managers"]
    assert "read-only" in form.value.message_dict["managers"][0]
    assert Member.objects.get(pk=member.pk).is_manager is was_manager
    # Saving the form without touching their flag still works.
    company_update_roles(
        company=cast.acme,
        contact_person=cast.contact,
        billing_person=cast.billing,
        managers=[*others, member] if was_manager else others,
    )
