"""What admins are offered on a notification, where its email leads, and
success messages that claim only what happened (R2.7)."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from guardian.shortcuts import remove_perm

from members.actions.team import team_add_member, team_change_status
from members.policy import ACTIVE_NEEDS_EMAIL, TeamPolicy
from members.team_forms import NewTeamMemberForm
from notifications.models import Notification
from notifications.tasks import send_notification_email
from organizations.permissions import MANAGE_CUSTOMERS

from .conftest import shows


def _notify(team):
    change = team_change_status(
        actor=team.cast.contact.user, member=team.colleague, status="former", reason="Left"
    )
    return Notification.objects.get(status_change=change, recipient=team.cast.admin)


def test_no_confirm_or_revert_for_a_location_the_admin_no_longer_manages(client, team):
    cast = team.cast
    notification = _notify(team)
    client.force_login(cast.admin)
    url = reverse("adminportal:notifications", args=[cast.org.slug])
    confirm = reverse("adminportal:notification_confirm", args=[cast.org.slug, notification.pk])
    assert confirm in client.get(url).content.decode()

    remove_perm(MANAGE_CUSTOMERS, cast.admin, cast.harbour)
    page = client.get(url)
    html = page.content.decode()
    assert shows(page, notification.message)  # still addressed to them
    assert confirm not in html and "Revert to" not in html
    assert shows(page, "You no longer manage customers at Harbour")
    assert client.post(confirm).status_code == 404  # the same rule on the POST


def test_the_email_links_to_the_notification_itself_even_once_resolved(client, team):
    cast = team.cast
    notification = _notify(team)
    mail.outbox.clear()
    assert send_notification_email.apply(args=[notification.pk]).get()
    link = reverse("adminportal:notification", args=[cast.org.slug, notification.pk])
    assert link in mail.outbox[0].body

    client.force_login(cast.admin)
    confirm = reverse("adminportal:notification_confirm", args=[cast.org.slug, notification.pk])
    client.post(confirm)
    page = client.get(link)
    assert page.status_code == 200
    assert shows(page, notification.message) and shows(page, "Confirmed by")
    # Someone else's notification is not there for them.
    client.force_login(cast.mill_admin)
    assert client.get(link).status_code == 404


def _admin_status(client, team, member):
    client.force_login(team.cast.admin)
    url = reverse("adminportal:member_status", args=[team.cast.org.slug, member.pk])
    return client.post(url, {"status": "former"}, follow=True)


def test_admin_message_mentions_sessions_only_for_someone_who_could_log_in(client, team):
    no_login = _admin_status(client, team, team.colleague)
    assert shows(no_login, f"{team.colleague.full_name} is now Former.")
    assert not shows(no_login, "sessions have ended")
    with_login = _admin_status(client, team, team.cast.teammate)
    assert shows(with_login, "Their member portal sessions have ended.")


def _portal_status(client, team, member):
    client.force_login(team.cast.contact.user)
    url = reverse("portal:team_member_status", args=[team.cast.org.slug, member.pk])
    return client.post(url, {"status": "former"}, follow=True)


def test_portal_message_mentions_the_portal_only_for_someone_who_used_it(client, team):
    no_login = _portal_status(client, team, team.colleague)
    assert shows(no_login, "The admins of Northwind have been told.")
    assert not shows(no_login, "can no longer use the member portal")
    with_login = _portal_status(client, team, team.cast.teammate)
    assert shows(with_login, "They can no longer use the member portal.")


def test_an_active_member_without_email_is_refused_at_the_email_field(team):
    cast = team.cast
    policy = TeamPolicy(user=cast.contact.user, organization=cast.org)
    for form_policy in (policy, None):  # member portal and admin portal
        form = NewTeamMemberForm(
            {"first_name": "Nia", "status": "active", "email": ""},
            company=cast.acme,
            policy=form_policy,
        )
        assert not form.is_valid()
        assert form.errors == {"email": [ACTIVE_NEEDS_EMAIL]}
    # The action says the same to a caller that skipped the form.
    with pytest.raises(ValidationError) as refused:
        team_add_member(actor=cast.contact.user, company=cast.acme, first_name="Nia")
    assert refused.value.message_dict == {"email": [ACTIVE_NEEDS_EMAIL]}
