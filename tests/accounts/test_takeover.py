"""Nobody takes over an invitation, an address or another person's login
(issue 10, items 1, 2 and 6).

A login's address changes only once the new address is proven by a code
mailed to it; an invitation goes to whoever proves its address (by its
link, or by a verified address and an explicit Accept), never to whichever
login merely carries that address; and a login joins an organization only
by accepting.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import LoginSession, User
from members.actions.access import member_remove_from_location
from members.actions.invitations import member_invite
from members.actions.roles import company_set_roles
from members.actions.status import member_change_status
from members.actions.team import team_add_member, team_change_status
from members.models import Member, MemberStatus, PortalAccess
from organizations.models import OrganizationAdmin
from organizations.services import organization_update_settings
from tests import factories as f
from tests.factories import PASSWORD
from tests.invitation_helpers import admin_invite, last_link

pytestmark = pytest.mark.django_db

VICTIM = "victim@example.test"
CODE = re.compile(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]+)*)\s*$", re.M)


def _code_to(address: str) -> str:
    for message in reversed(mail.outbox):
        if address in message.to:
            match = CODE.search(message.body)
            if match:
                return match.group(1)
    raise AssertionError(f"no code mailed to {address}")


def _try_to_take(client, user, address=VICTIM):
    """What the attacker did: add the address on allauth's email page and
    make it the login's primary address."""
    client.force_login(user)
    client.post(reverse("account_email"), {"action_add": "", "email": address})
    return client.post(reverse("account_email"), {"action_primary": "", "email": address})


# ------------------------------------------------------------------ item 1


def test_an_address_typed_on_the_email_page_is_not_the_login_until_it_is_proven(client, cast):
    attacker = cast.teammate.user
    _try_to_take(client, attacker)
    attacker.refresh_from_db()
    assert attacker.email == cast.teammate.email
    assert not EmailAddress.objects.filter(email=VICTIM, verified=True).exists()
    # Whatever allauth mailed went to the address itself, not to the attacker.
    assert all(VICTIM in m.to for m in mail.outbox)


def test_the_code_mailed_to_the_new_address_makes_it_the_login(client, cast):
    user = cast.teammate.user
    client.force_login(user)
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "Tess.New@Example.test"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == cast.teammate.email  # not yet
    response = client.post(
        reverse("account_email_verification_sent"), {"code": _code_to("tess.new@example.test")}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "tess.new@example.test"
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified")) == [
        ("tess.new@example.test", True)
    ]
    # The old address is told.
    assert any(cast.teammate.email in m.to and "tess.new" in m.body for m in mail.outbox)
    # The new address is the login from now on.
    fresh = Client()
    fresh.post(reverse("account_login"), {"login": "tess.new@example.test", "password": PASSWORD})
    assert fresh.session["_auth_user_id"] == str(user.pk)


def test_an_invitation_to_an_address_someone_tried_to_take_goes_to_whoever_proves_it(
    client, cast, django_capture_on_commit_callbacks
):
    attacker = cast.teammate.user
    attacker_browser = Client()
    _try_to_take(attacker_browser, attacker)
    admin_invite(
        client,
        cast,
        django_capture_on_commit_callbacks,
        email=VICTIM,
        as_admin="on",
        admin_permissions=["organizations.manage_customers"],
        admin_locations=[cast.harbour.pk],
    )
    # The admin role was not handed to the attacker's login...
    assert not OrganizationAdmin.objects.filter(organization=cast.org, user=attacker).exists()
    assert (
        attacker_browser.get(reverse("adminportal:home", args=[cast.org.slug])).status_code == 404
    )
    # ...and the real invitee's click logs them in as themselves.
    path, _ = last_link(VICTIM)
    victim = Client()
    victim.post(path)
    member = Member.objects.get(organization=cast.org, email=VICTIM)
    assert member.user_id is not None and member.user_id != attacker.pk
    assert victim.session["_auth_user_id"] == str(member.user_id)
    assert victim.get(reverse("adminportal:home", args=[cast.org.slug])).status_code == 200
    # Using the link proved the address.
    assert EmailAddress.objects.filter(user=member.user, email=VICTIM, verified=True).exists()


def test_opening_a_link_while_logged_in_as_someone_else_asks_which_account(
    client, cast, django_capture_on_commit_callbacks
):
    admin_invite(client, cast, django_capture_on_commit_callbacks)
    path, _ = last_link("newbie@example.test")
    someone = cast.other_member.user  # a login at another space
    client.force_login(someone)
    page = client.get(path).content.decode()
    assert "newbie@example.test" in page and someone.email in page
    assert 'name="choice" value="switch"' in page and 'name="choice" value="link"' in page
    # Pressing the button without choosing links nobody and switches nothing.
    client.post(path)
    member = Member.objects.get(organization=cast.org, email="newbie@example.test")
    assert member.user_id is None and member.portal_access == PortalAccess.PENDING
    assert client.session["_auth_user_id"] == str(someone.pk)


def test_choosing_to_continue_as_the_invited_address_logs_the_other_account_out(
    client, cast, django_capture_on_commit_callbacks
):
    admin_invite(client, cast, django_capture_on_commit_callbacks)
    path, _ = last_link("newbie@example.test")
    someone = cast.other_member.user
    client.force_login(someone)
    response = client.post(path, {"choice": "switch"})
    assert response["Location"] == reverse("portal:home", args=[cast.org.slug])
    member = Member.objects.get(organization=cast.org, email="newbie@example.test")
    assert member.user.email == "newbie@example.test"
    assert client.session["_auth_user_id"] == str(member.user_id)


def test_choosing_to_link_the_current_login_is_explicit_and_links_that_login(
    client, cast, django_capture_on_commit_callbacks
):
    admin_invite(client, cast, django_capture_on_commit_callbacks)
    path, _ = last_link("newbie@example.test")
    someone = cast.other_member.user
    client.force_login(someone)
    response = client.post(path, {"choice": "link"})
    assert response["Location"] == reverse("portal:home", args=[cast.org.slug])
    member = Member.objects.get(organization=cast.org, email="newbie@example.test")
    assert member.user_id == someone.pk and member.portal_access == PortalAccess.ACTIVE
    assert client.session["_auth_user_id"] == str(someone.pk)
    assert client.get(response["Location"]).status_code == 200


def test_an_invitation_that_makes_an_admin_is_accepted_only_as_its_address(
    client, cast, django_capture_on_commit_callbacks
):
    """The admin role was granted to the invited address's login: linking
    the member record to another login would split the person in two."""
    admin_invite(
        client,
        cast,
        django_capture_on_commit_callbacks,
        as_admin="on",
        admin_permissions=["organizations.manage_customers"],
        admin_locations=[cast.harbour.pk],
    )
    path, _ = last_link("newbie@example.test")
    someone = cast.other_member.user
    client.force_login(someone)
    page = client.get(path).content.decode()
    assert 'value="switch"' in page and 'value="link"' not in page
    client.post(path, {"choice": "link"})
    member = Member.objects.get(organization=cast.org, email="newbie@example.test")
    assert member.user_id is None
    assert not OrganizationAdmin.objects.filter(user=someone, organization=cast.org).exists()


def test_a_login_whose_address_is_not_verified_is_given_nothing_by_that_address(
    client, cast, django_capture_on_commit_callbacks
):
    """A login support created by hand (address never proven) that an admin
    then invites: its password alone opens nothing; the emailed code, which
    proves the address, is what lets the person in, and even then they
    accept the invitation themselves."""
    user = f.UserFactory(email="handmade@example.test", verified=False)
    admin_invite(client, cast, django_capture_on_commit_callbacks, email="handmade@example.test")
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    member = Member.objects.get(organization=cast.org, email="handmade@example.test")
    assert member.user_id is None


def test_a_link_to_a_record_whose_login_moved_to_another_address_needs_that_login(
    client, cast, django_capture_on_commit_callbacks
):
    """Invited back after a removal, the record keeps its login; but that
    login's address changed since (verified). The link, mailed to the old
    address, proves that address, not the login: the person logs in as
    themselves and accepts there."""
    member = cast.teammate
    member_remove_from_location(member=member, actor=cast.admin)
    member_change_status(member=member, status=MemberStatus.ACTIVE, actor=cast.admin, via="admin")
    user = member.user
    User.objects.filter(pk=user.pk).update(email="tess.elsewhere@example.test")
    EmailAddress.objects.filter(user=user).update(email="tess.elsewhere@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        member_invite(member=Member.objects.get(pk=member.pk), actor=cast.admin)
    path, _ = last_link(member.email)
    response = client.post(path, follow=True)
    assert "_auth_user_id" not in client.session
    assert "log in with your password or an emailed code" in response.content.decode()
    assert Member.objects.get(pk=member.pk).portal_access == PortalAccess.PENDING
    client.post(
        reverse("account_login"), {"login": "tess.elsewhere@example.test", "password": PASSWORD}
    )
    client.post(reverse("invitation_accept_waiting", args=[member.pk]))
    assert Member.objects.get(pk=member.pk).portal_access == PortalAccess.ACTIVE


# ------------------------------------------------------------------ item 2


@pytest.fixture
def southgate_contact(cast):
    """Southgate's contact person, who manages their company's team there."""
    organization_update_settings(organization=cast.other_org, actor=None, contacts_manage_team=True)
    company = f.CompanyFactory(location=cast.other_location, name="Southgate Co")
    contact = cast.other_member
    contact.company = company
    contact.save()
    company_set_roles(company=company, contact_person=contact, billing_person=None)
    return contact


def test_an_invitation_from_another_organization_is_not_accepted_by_logging_in(
    client, cast, southgate_contact, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record = team_add_member(
            actor=southgate_contact.user,
            company=southgate_contact.company,
            first_name="Olive",
            email=cast.owner.email,
        )
    response = client.post(
        reverse("account_login"), {"login": cast.owner.email, "password": PASSWORD}, follow=True
    )
    record.refresh_from_db()
    assert record.user_id is None and record.portal_access == PortalAccess.PENDING
    # The owner is shown the invitation and accepts it, or not, themselves.
    assert response.redirect_chain[-1][0] == reverse("invitations_waiting")
    page = response.content.decode()
    assert "Southgate" in page
    client.post(reverse("invitation_accept_waiting", args=[record.pk]))
    record.refresh_from_db()
    assert record.user_id == cast.owner.pk and record.portal_access == PortalAccess.ACTIVE
    assert client.get(reverse("portal:home", args=[cast.other_org.slug])).status_code == 200


def test_losing_access_in_another_organization_leaves_the_owner_logged_in_here(
    client, cast, southgate_contact, django_capture_on_commit_callbacks
):
    record = f.PortalMemberFactory(
        location=cast.other_location,
        company=southgate_contact.company,
        email=cast.owner.email,
        user=cast.owner,
    )
    client.force_login(cast.owner)
    with django_capture_on_commit_callbacks(execute=True):
        team_change_status(actor=southgate_contact.user, member=record, status=MemberStatus.FORMER)
    assert LoginSession.objects.filter(user_id=cast.owner.pk).exists()
    assert client.get(reverse("adminportal:home", args=[cast.org.slug])).status_code == 200
    # Southgate's member portal is shut to them all the same, at once.
    assert client.get(reverse("portal:home", args=[cast.other_org.slug])).status_code == 404


def test_someone_elses_pending_invitation_is_not_offered(
    client, cast, django_capture_on_commit_callbacks
):
    admin_invite(client, cast, django_capture_on_commit_callbacks)
    record = Member.objects.get(organization=cast.org, email="newbie@example.test")
    client.force_login(cast.other_admin)
    assert client.get(reverse("invitations_waiting")).content.decode().count("Accept") == 0
    response = client.post(reverse("invitation_accept_waiting", args=[record.pk]))
    assert response.status_code == 404
    record.refresh_from_db()
    assert record.user_id is None


# ------------------------------------------------------------------ item 6


def test_an_address_another_login_holds_gets_a_message_at_the_field(client, cast):
    holder = cast.contact.user
    client.force_login(cast.teammate.user)
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": holder.email.upper()}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["email"]
    assert errors and "another login" in errors[0]
    # Making it primary by a forged POST is no error either.
    response = client.post(reverse("account_email"), {"action_primary": "", "email": holder.email})
    assert response.status_code in (200, 302)
    cast.teammate.user.refresh_from_db()
    assert cast.teammate.user.email == cast.teammate.email
    assert User.objects.get(pk=holder.pk).email == holder.email


def test_an_address_taken_by_an_invitation_meanwhile_is_refused_not_a_500(
    client, cast, django_capture_on_commit_callbacks
):
    """The address was free when the code went out; by the time the code is
    typed, an invitation created a login for it."""
    user = cast.teammate.user
    client.force_login(user)
    client.post(reverse("account_email"), {"action_add": "", "email": "late@example.test"})
    code = _code_to("late@example.test")
    admin = Client()
    admin_invite(admin, cast, django_capture_on_commit_callbacks, email="late@example.test")
    response = client.post(reverse("account_email_verification_sent"), {"code": code}, follow=True)
    assert response.status_code == 200
    assert "This address belongs to another login" in response.content.decode()
    user.refresh_from_db()
    assert user.email == cast.teammate.email
