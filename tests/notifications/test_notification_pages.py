"""What admins are offered on a notification, and where its email leads (R2.7)."""

from django.core import mail
from django.urls import reverse
from guardian.shortcuts import remove_perm

from members.actions.team import team_change_status
from notifications.models import Notification
from notifications.tasks import send_notification_email
from organizations.permissions import MANAGE_CUSTOMERS
from tests.team_cast import shows


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
