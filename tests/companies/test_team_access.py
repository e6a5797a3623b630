"""R2.5: the grant follows the roles, at once, in the action's transaction."""

from django.urls import reverse

from audit.models import Via
from members.actions.records import member_link_user
from members.actions.roles import company_set_manager, company_set_roles
from members.actions.status import member_change_status
from members.models import MemberStatus
from members.policy import NOT_A_TEAM_MANAGER
from tests import factories as f
from tests.team_cast import grants, shows


def test_removing_the_contact_person_revokes_their_access_at_once(client, team):
    cast = team.cast
    client.force_login(cast.contact.user)
    url = reverse("portal:team", args=[cast.org.slug])
    assert client.get(url).status_code == 200

    company_set_roles(company=cast.acme, contact_person=cast.teammate, billing_person=cast.billing)

    assert cast.contact.user_id not in grants(cast.acme)
    assert cast.teammate.user_id in grants(cast.acme)
    response = client.get(url)  # the same, still logged-in session
    assert response.status_code == 403 and shows(response, NOT_A_TEAM_MANAGER)
    forged = client.post(
        reverse("portal:team_member_status", args=[cast.org.slug, team.colleague.pk]),
        {"status": "former"},
    )
    assert forged.status_code == 403
    team.colleague.refresh_from_db()
    assert team.colleague.status == MemberStatus.ACTIVE


def test_a_former_contact_person_loses_it_and_gets_it_back_when_active(team):
    cast = team.cast
    member_change_status(member=cast.contact, status=MemberStatus.FORMER, via=Via.ADMIN)
    assert cast.contact.user_id not in grants(cast.acme)
    member_change_status(member=cast.contact, status=MemberStatus.ACTIVE, via=Via.ADMIN)
    assert cast.contact.user_id in grants(cast.acme)


def test_manager_toggle_grants_and_revokes(team):
    company_set_manager(company=team.cast.acme, member=team.manager, is_manager=False)
    assert team.manager.user_id not in grants(team.cast.acme)
    company_set_manager(company=team.cast.acme, member=team.manager, is_manager=True)
    assert team.manager.user_id in grants(team.cast.acme)


def test_a_contact_person_without_a_login_gets_it_when_linked(team):
    cast = team.cast
    company_set_roles(company=cast.acme, contact_person=team.colleague, billing_person=None)
    assert grants(cast.acme) == {team.manager.user_id}
    user = f.UserFactory()
    member_link_user(member=team.colleague, user=user)
    assert grants(cast.acme) == {team.manager.user_id, user.pk}


def test_support_superuser_and_global_permission_grant_nothing(client, team):
    """Only object grants count: not superuser status, not a model-wide permission."""
    from django.contrib.auth.models import Permission

    cast = team.cast
    user = cast.teammate.user
    user.is_superuser = True
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="manage_team"))
    client.force_login(user)
    assert client.get(reverse("portal:team", args=[cast.org.slug])).status_code == 403


def test_support_edits_in_django_admin_keep_the_grants_in_step(rf, team):
    """Django admin writes rows directly; its save_model re-syncs like the actions do."""
    from types import SimpleNamespace

    from django.contrib.admin.sites import site

    from companies.models import Company
    from organizations.models import Organization

    cast = team.cast
    cast.acme.contact_person = cast.teammate
    site._registry[Company].save_model(rf.post("/"), cast.acme, None, True)
    assert cast.contact.user_id not in grants(cast.acme)
    assert cast.teammate.user_id in grants(cast.acme)

    cast.org.contacts_manage_team = False
    form = SimpleNamespace(changed_data=["contacts_manage_team"])
    site._registry[Organization].save_model(rf.post("/"), cast.org, form, True)
    assert grants(cast.acme) == set()


def test_deactivating_a_contact_persons_access_revokes_the_grant_and_activating_restores_it(
    client, team
):
    """R4.6 with R2.5: a deactivated person cannot use the member portal,
    so no guardian row may outlive the deactivation."""
    from members.actions.access import member_activate_access, member_deactivate_access

    cast = team.cast
    member_deactivate_access(member=cast.contact, actor=cast.admin)
    assert cast.contact.user_id not in grants(cast.acme)
    assert cast.billing.user_id in grants(cast.acme)  # the others keep theirs

    member_activate_access(member=cast.contact, actor=cast.admin)
    assert cast.contact.user_id in grants(cast.acme)
    client.force_login(cast.contact.user)
    assert client.get(reverse("portal:team", args=[cast.org.slug])).status_code == 200


def test_an_inactive_login_holds_no_grant(team):
    from members.team_access import sync_team_access

    cast = team.cast
    user = cast.contact.user
    user.is_active = False
    user.save(update_fields=["is_active"])
    sync_team_access(cast.acme)
    assert user.pk not in grants(cast.acme)
    assert cast.billing.user_id in grants(cast.acme)
