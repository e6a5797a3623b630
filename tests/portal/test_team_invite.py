"""Contact persons invite their teammates to the member portal from My team (R4.1, R4.3)."""

import pytest
from django.core import mail
from django.urls import reverse

from members.actions.access import member_deactivate_access
from members.models import Invitation, MemberStatus, PortalAccess
from organizations.services import organization_update_settings
from tests.invitation_helpers import last_link
from tests.team_cast import refreshed, shows

HTMX = {"HTTP_HX_REQUEST": "true"}


def _invite(client, team, member, *, user=None, htmx=False):
    client.force_login(user or team.cast.contact.user)
    url = reverse("portal:team_member_invite", args=[team.cast.org.slug, member.pk])
    return client.post(url, **(HTMX if htmx else {}))


def test_the_contact_person_invites_a_teammate_and_the_row_says_so(
    client, team, django_capture_on_commit_callbacks
):
    client.force_login(team.cast.contact.user)
    page = client.get(reverse("portal:team", args=[team.cast.org.slug]))
    invite_url = reverse("portal:team_member_invite", args=[team.cast.org.slug, team.colleague.pk])
    assert invite_url in page.content.decode()
    # Rows already in the portal get no invite button.
    billing_url = reverse(
        "portal:team_member_invite", args=[team.cast.org.slug, team.cast.billing.pk]
    )
    assert billing_url not in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, team, team.colleague, htmx=True)
    assert response.status_code == 200
    assert shows(response, f"the email with their link is on its way to {team.colleague.email}")
    assert "Resend invitation" in response.content.decode()
    assert refreshed(team.colleague).portal_access == PortalAccess.PENDING
    path, _ = last_link(team.colleague.email)
    assert path.startswith("/invitation/")


def test_resend_revokes_the_earlier_link(client, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, team, team.colleague)
    first = Invitation.objects.get(member=team.colleague)
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, team, team.colleague)
    assert response.status_code == 302  # without JavaScript: back to the page
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert Invitation.objects.filter(member=team.colleague, revoked_at__isnull=True).count() == 1
    assert len([m for m in mail.outbox if team.colleague.email in m.to]) == 2


@pytest.mark.parametrize(
    "who, message",
    [
        ("contact", "Only active members use the member portal"),
        ("billing", "already uses the member portal"),
        ("deactivated", "only an admin of Northwind can change their record"),
        ("no_email", "has no email address"),
    ],
)
def test_refusals_come_with_their_reason_and_send_nothing(
    client, team, who, message, django_capture_on_commit_callbacks
):
    target = {
        "contact": team.colleague,
        "billing": team.cast.billing,
        "deactivated": team.cast.teammate,
        "no_email": team.colleague,
    }[who]
    if who == "contact":
        target.status = MemberStatus.CONTACT
        target.save()
    if who == "no_email":
        target.email = ""
        target.save()
    if who == "deactivated":
        member_deactivate_access(member=target, actor=team.cast.admin)
    before = refreshed(target).portal_access
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, team, target, htmx=True)  # forged: no button was shown
    assert shows(response, message)
    assert refreshed(target).portal_access == before
    assert mail.outbox == []


def test_a_plain_member_and_other_companies_cannot_invite(client, team):
    cast = team.cast
    before = {m.pk: m.portal_access for m in (team.colleague, team.outsider, cast.other_member)}
    # A plain teammate may not manage the team at all.
    assert _invite(client, team, team.colleague, user=cast.teammate.user).status_code == 403
    # Another company's member does not exist for Acme's contact person.
    assert _invite(client, team, team.outsider).status_code == 404
    # Another organization's member neither.
    assert _invite(client, team, cast.other_member).status_code == 404
    # With the setting off, nothing.
    organization_update_settings(organization=cast.org, actor=None, contacts_manage_team=False)
    assert _invite(client, team, team.colleague).status_code == 403
    for member in (team.colleague, team.outsider, cast.other_member):
        assert refreshed(member).portal_access == before[member.pk]
    assert not Invitation.objects.exists()
