"""R2.6 history, R2.7 notifications, emails, confirm/revert, portal sessions."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import Via
from members.actions.team import team_add_member, team_change_status
from members.models import Member, MemberStatus, PortalAccess, StatusChange
from notifications.admins import notify_location_admins
from notifications.models import Notification
from notifications.tasks import send_notification_email
from outbox import engine, timing
from tests.team_cast import refreshed, shows


def _portal_change(client, team, member, status, reason=""):
    client.force_login(team.cast.contact.user)
    url = reverse("portal:team_member_status", args=[team.cast.org.slug, member.pk])
    return client.post(url, {"status": status, "reason": reason})


def test_every_change_writes_a_history_row(client, team):
    _portal_change(client, team, team.colleague, "contact", "Moved to part-time")
    _portal_change(client, team, team.colleague, "former", "")
    _portal_change(client, team, team.colleague, "former", "")  # no change, no row
    rows = list(StatusChange.objects.filter(member=team.colleague).order_by("created_at", "pk"))
    assert [(r.from_status, r.to_status) for r in rows] == [
        ("active", "contact"),
        ("contact", "former"),
    ]
    assert all(r.actor == team.cast.contact.user and r.via == Via.PORTAL for r in rows)
    assert rows[0].reason == "Moved to part-time"
    # Shown in the row's history on My team and on the admin member page.
    client.force_login(team.cast.contact.user)
    history = reverse("portal:team_member_history", args=[team.cast.org.slug, team.colleague.pk])
    assert shows(client.get(history), "Moved to part-time")
    client.force_login(team.cast.admin)
    page = client.get(reverse("adminportal:member", args=[team.cast.org.slug, team.colleague.pk]))
    assert shows(page, "Moved to part-time") and shows(page, "Member portal")


def test_leaving_active_notifies_the_locations_admins_and_emails_after_commit(
    team, django_capture_on_commit_callbacks
):
    cast = team.cast
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        change = team_change_status(
            actor=cast.contact.user, member=team.colleague, status="former", reason="Left"
        )
    notices = Notification.objects.filter(status_change=change)
    # Harbour's admins: the owner and the harbour admin; not the mill admin.
    assert {n.recipient for n in notices} == {cast.owner, cast.admin}
    assert all(n.kind == Notification.Kind.STATUS_CHANGED for n in notices)
    assert "from Active to Former" in notices[0].message
    assert "contact person of Acme" in notices[0].message
    assert mail.outbox == []  # nothing is sent before the commit
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([cast.owner.email, cast.admin.email])
    body = mail.outbox[0].body
    assert "Active → Former" in body and "Left" in body and "Acme" in body
    assert mail.outbox[0].subject.startswith("Contact person changed the status")


def test_moving_to_active_is_recorded_but_not_notified(team, django_capture_on_commit_callbacks):
    team.colleague.status = MemberStatus.CONTACT
    team.colleague.save()
    with django_capture_on_commit_callbacks(execute=True):
        team_change_status(actor=team.cast.contact.user, member=team.colleague, status="active")
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_adding_a_member_notifies_and_emails(client, team, django_capture_on_commit_callbacks):
    client.force_login(team.cast.billing.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:team_add", args=[team.cast.org.slug]),
            {
                "first_name": "Nina",
                "last_name": "New",
                "email": "nina@example.test",
                "status": "active",
            },
            follow=True,
        )
    assert shows(response, "Nina New is now on Acme's team as Active")
    notices = Notification.objects.filter(kind=Notification.Kind.MEMBER_ADDED)
    assert notices.count() == 2
    assert "billing person of Acme" in notices[0].message
    admin_mails = [m for m in mail.outbox if m.to[0] != "nina@example.test"]
    assert len(admin_mails) == 2
    assert admin_mails[0].subject.startswith("Contact person added a new company member")


def test_a_member_added_as_active_is_invited_and_one_added_as_contact_is_not(
    client, team, django_capture_on_commit_callbacks
):
    """R2.8, through the real form."""
    client.force_login(team.cast.contact.user)
    url = reverse("portal:team_add", args=[team.cast.org.slug])
    with django_capture_on_commit_callbacks(execute=True):
        for first_name, status in (("Ivy", "active"), ("Cody", "contact")):
            client.post(
                url,
                {"first_name": first_name, "email": f"{first_name}@example.test", "status": status},
            )
    ivy = Member.objects.get(email="ivy@example.test")
    cody = Member.objects.get(email="cody@example.test")
    assert ivy.portal_access == PortalAccess.PENDING
    assert cody.portal_access == PortalAccess.NONE
    invitations = [m for m in mail.outbox if m.to[0] in (ivy.email, cody.email)]
    assert [m.to[0] for m in invitations] == [ivy.email]
    assert "/invitation/" in invitations[0].body


def test_add_member_shows_field_errors_and_saves_nothing(client, team):
    client.force_login(team.cast.contact.user)
    url = reverse("portal:team_add", args=[team.cast.org.slug])
    response = client.post(url, {"first_name": "", "status": "active", "email": ""})
    assert response.status_code == 200
    assert shows(response, "This field is required.")
    assert shows(response, "An active member needs an email address to log in.")
    response = client.post(
        url, {"first_name": "Dup", "email": team.cast.teammate.email, "status": "contact"}
    )
    assert shows(response, "A member with this email already exists.")
    response = client.post(
        url, {"first_name": "Ex", "email": "ex@example.test", "status": "former"}
    )
    assert response.status_code == 200  # Former is not a choice for someone new
    assert not team.cast.acme.members.filter(first_name__in=["Dup", "Ex", ""]).exists()
    assert not Notification.objects.exists()


def test_the_actions_refuse_what_the_policy_refuses(team):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        team_change_status(actor=team.cast.contact.user, member=team.cast.contact, status="former")
    with pytest.raises(PermissionDenied):
        team_change_status(actor=team.cast.teammate.user, member=team.colleague, status="former")
    with pytest.raises(PermissionDenied):
        team_add_member(actor=team.cast.teammate.user, company=team.cast.acme, first_name="Z")
    with pytest.raises(PermissionDenied):
        team_add_member(actor=team.cast.contact.user, company=team.cast.globex, first_name="Z")


def _notify(team):
    return team_change_status(
        actor=team.cast.contact.user, member=team.colleague, status="contact", reason="Went quiet"
    )


def test_revert_restores_the_status_records_it_and_resolves_for_every_admin(client, team):
    change = _notify(team)
    mine = Notification.objects.get(status_change=change, recipient=team.cast.admin)
    client.force_login(team.cast.admin)
    listing = client.get(reverse("adminportal:notifications", args=[team.cast.org.slug]))
    assert shows(listing, "Went quiet") and shows(listing, "Active → Contact")
    url = reverse("adminportal:notification_revert", args=[team.cast.org.slug, mine.pk])
    response = client.post(url, follow=True)
    assert shows(response, "is Active again")
    assert refreshed(team.colleague).status == MemberStatus.ACTIVE
    revert = StatusChange.objects.filter(member=team.colleague).latest()
    assert (revert.from_status, revert.to_status, revert.via) == ("contact", "active", Via.ADMIN)
    assert revert.actor == team.cast.admin and "Reverted" in revert.reason
    notices = Notification.objects.filter(status_change=change)
    assert {n.resolution for n in notices} == {Notification.Resolution.REVERTED}
    assert all(n.resolved_by == team.cast.admin and n.read_at for n in notices)

    # The owner's copy is resolved too: a second revert is refused, nothing changes.
    theirs = notices.get(recipient=team.cast.owner)
    client.force_login(team.cast.owner)
    again = client.post(
        reverse("adminportal:notification_revert", args=[team.cast.org.slug, theirs.pk]),
        follow=True,
    )
    assert shows(again, "already reverted by")
    assert StatusChange.objects.filter(member=team.colleague).count() == 2


def test_confirm_resolves_for_every_admin_and_keeps_the_status(client, team):
    change = _notify(team)
    mine = Notification.objects.get(status_change=change, recipient=team.cast.owner)
    client.force_login(team.cast.owner)
    client.post(reverse("adminportal:notification_confirm", args=[team.cast.org.slug, mine.pk]))
    assert refreshed(team.colleague).status == MemberStatus.CONTACT
    assert set(
        Notification.objects.filter(status_change=change).values_list("resolution", flat=True)
    ) == {"confirmed"}


def test_revert_refuses_when_the_status_changed_again(client, team):
    change = _notify(team)
    team_change_status(actor=team.cast.contact.user, member=team.colleague, status="former")
    mine = Notification.objects.get(status_change=change, recipient=team.cast.owner)
    client.force_login(team.cast.owner)
    response = client.post(
        reverse("adminportal:notification_revert", args=[team.cast.org.slug, mine.pk]),
        follow=True,
    )
    assert shows(response, "the status changed again")
    assert refreshed(team.colleague).status == MemberStatus.FORMER


def test_someone_elses_notification_is_404(client, team):
    change = _notify(team)
    owners = Notification.objects.get(status_change=change, recipient=team.cast.owner)
    for user in (team.cast.admin, team.cast.mill_admin):
        client.force_login(user)
        url = reverse("adminportal:notification_revert", args=[team.cast.org.slug, owners.pk])
        assert client.post(url).status_code == 404
    client.force_login(team.cast.other_admin)
    url = reverse("adminportal:notification_confirm", args=[team.cast.other_org.slug, owners.pk])
    assert client.post(url).status_code == 404
    assert refreshed(team.colleague).status == MemberStatus.CONTACT


def test_unread_count_in_the_nav_and_mark_all_read(client, team):
    _notify(team)
    client.force_login(team.cast.admin)
    home = reverse("adminportal:home", args=[team.cast.org.slug])
    assert 'title="1 unread"' in client.get(home).content.decode()
    client.post(reverse("adminportal:notifications_read", args=[team.cast.org.slug]))
    assert "unread" not in client.get(home).content.decode()


def test_the_email_task_sends_once(team, django_capture_on_commit_callbacks):
    change = _notify(team)
    notice = Notification.objects.filter(status_change=change).first()
    assert send_notification_email(notice.pk) is True
    assert send_notification_email(notice.pk) is False  # a redelivered task
    assert len(mail.outbox) == 1


def test_the_sweep_emails_notifications_whose_task_never_ran(team):
    """Redis down at commit: the on-commit task was lost; the sweep sends it."""
    change = _notify(team)  # on-commit callbacks are not run: no email yet
    notices = Notification.objects.filter(status_change=change)
    assert notices.count() == 2 and mail.outbox == []
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        assert engine.sweep_due(timing.NOTIFICATION_EMAIL)["requeued"] == 2
        assert engine.sweep_due(timing.NOTIFICATION_EMAIL)["requeued"] == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(n.recipient.email for n in notices)
    # A day later it is stale news: the in-app list still has it, email does not.
    Notification.objects.update(emailed_at=None)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert engine.sweep_due(timing.NOTIFICATION_EMAIL)["requeued"] == 0


def test_leaving_active_ends_the_members_sessions(client, team, django_capture_on_commit_callbacks):
    from django.test import Client

    cast = team.cast
    teammate_browser = Client()
    teammate_browser.force_login(cast.teammate.user)
    other_browser = Client()
    other_browser.force_login(cast.billing.user)
    portal = reverse("portal:home", args=[cast.org.slug])
    assert teammate_browser.get(portal).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        _portal_change(client, team, cast.teammate, "former")
    response = teammate_browser.get(portal)
    assert response.status_code == 302 and reverse("account_login") in response.url
    assert other_browser.get(portal).status_code == 200  # only theirs ended


def test_a_line_break_in_a_name_is_refused_at_the_field(client, team):
    """A name ends up in email subjects: no header injection, and a clear message."""
    client.force_login(team.cast.contact.user)
    response = client.post(
        reverse("portal:team_add", args=[team.cast.org.slug]),
        {"first_name": "Eve\nBcc: x@example.test", "email": "eve@example.test", "status": "active"},
    )
    assert response.status_code == 200
    assert shows(response, "Keep this on one line: no line breaks, tabs")
    assert not Member.objects.filter(email="eve@example.test").exists()


def test_notices_reach_owners_and_granted_admins_in_a_fixed_number_of_queries(team, warm_caches):
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    from organizations.permissions import MANAGE_CUSTOMERS, MANAGE_SETTINGS
    from tests import factories as f

    cast = team.cast
    by_group = f.OrganizationAdminFactory(organization=cast.org).user
    group = Group.objects.create(name="Harbour desk")
    assign_perm(MANAGE_CUSTOMERS, group, cast.harbour)
    by_group.groups.add(group)
    settings_only = f.OrganizationAdminFactory(organization=cast.org).user
    assign_perm(MANAGE_SETTINGS, settings_only, cast.harbour)
    gone = f.OrganizationAdminFactory(organization=cast.org).user
    assign_perm(MANAGE_CUSTOMERS, gone, cast.harbour)
    gone.is_active = False
    gone.save()
    no_role_any_more = f.UserFactory()  # a stale grant without an admin role
    assign_perm(MANAGE_CUSTOMERS, no_role_any_more, cast.harbour)

    recipients = {n.recipient for n in Notification.objects.filter(status_change=_notify(team))}
    assert recipients == {cast.owner, cast.admin, by_group}

    def notify_queries():
        with CaptureQueriesContext(connection) as queries:
            notify_location_admins(
                location=cast.harbour, kind=Notification.Kind.JOIN_REQUEST, message="Hello"
            )
        return len(queries)

    few = notify_queries()
    for _ in range(5):  # more admins, not more queries
        more = f.OrganizationAdminFactory(organization=cast.org).user
        assign_perm(MANAGE_CUSTOMERS, more, cast.harbour)
    assert notify_queries() == few


def test_revert_refuses_a_deactivated_record_and_a_member_now_elsewhere(client, team):
    from members.actions.access import member_transfer

    cast = team.cast
    change = _notify(team)
    mine = Notification.objects.get(status_change=change, recipient=cast.admin)
    client.force_login(cast.admin)
    url = reverse("adminportal:notification_revert", args=[cast.org.slug, mine.pk])

    # Deactivated (set directly: the colleague never had a login to deactivate).
    team.colleague.portal_access = PortalAccess.DEACTIVATED
    team.colleague.save(update_fields=["portal_access"])
    response = client.post(url, follow=True)
    assert shows(response, "the record is read-only")
    assert refreshed(team.colleague).status == MemberStatus.CONTACT

    team.colleague.portal_access = PortalAccess.NONE
    team.colleague.save(update_fields=["portal_access"])
    member_transfer(member=team.colleague, to_location=cast.mill, actor=cast.owner)
    response = client.post(url, follow=True)
    assert shows(response, "which you do not manage")
    assert refreshed(team.colleague).status == MemberStatus.CONTACT
