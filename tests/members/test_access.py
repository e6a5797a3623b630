"""Deactivate / activate (R4.6), remove, transfer and the automatic Former (R4.7)."""

import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import Via
from members.actions.access import (
    member_deactivate_access,
    member_remove_from_location,
    member_transfer,
    members_auto_former,
)
from members.actions.invitations import member_invite
from members.actions.personal_data import attachment_add
from members.models import LocationTransfer, Member, MemberStatus, PortalAccess, StatusChange
from organizations.services import organization_update_settings
from tests import factories as f
from tests.factories import PASSWORD
from tests.invitation_helpers import last_link

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _code(client, email):
    client.post(reverse("account_request_login_code"), {"email": email})
    match = re.search(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]+)*)\s*$", mail.outbox[-1].body, re.M)
    return client.post(
        reverse("account_confirm_login_code"),
        {"code": match.group(1) if match else "X"},
        follow=True,
    )


def test_deactivated_user_cannot_log_in_with_a_password(client, cast):
    member_deactivate_access(member=cast.teammate, actor=cast.admin)
    response = client.post(
        reverse("account_login"), {"login": cast.teammate.email, "password": PASSWORD}, follow=True
    )
    assert "_auth_user_id" not in client.session
    assert "deactivated" in response.content.decode()


def test_deactivated_user_cannot_log_in_with_an_emailed_code(client, cast):
    member_deactivate_access(member=cast.teammate, actor=cast.admin)
    _code(client, cast.teammate.email)
    assert "_auth_user_id" not in client.session


def test_deactivated_user_cannot_use_an_invitation_link(
    client, cast, django_capture_on_commit_callbacks
):
    member = Member.objects.create(
        organization=cast.org, location=cast.harbour, first_name="Dee", email="dee@example.test"
    )
    with django_capture_on_commit_callbacks(execute=True):
        member_invite(member=member, actor=cast.admin)
    path, _ = last_link("dee@example.test")
    member_deactivate_access(member=member, actor=cast.admin)
    client.post(path)
    assert "_auth_user_id" not in client.session
    # Nor by code: the pending invitation died with the deactivation.
    _code(client, "dee@example.test")
    assert "_auth_user_id" not in client.session


def test_a_user_with_access_elsewhere_still_logs_in_but_not_to_this_portal(client, cast):
    other = f.PortalMemberFactory(
        location=cast.other_location, email="both@example.test", user=None
    )
    here = f.PortalMemberFactory(location=cast.harbour, email="both@example.test")
    other.user = here.user
    other.save()
    member_deactivate_access(member=here, actor=cast.admin)
    client.post(reverse("account_login"), {"login": "both@example.test", "password": PASSWORD})
    assert "_auth_user_id" in client.session
    assert client.get(reverse("portal:home", args=[cast.org.slug])).status_code == 404
    assert client.get(reverse("portal:home", args=[cast.other_org.slug])).status_code == 200


def test_deactivation_ends_sessions_and_activation_restores_access(
    client, cast, django_capture_on_commit_callbacks
):
    client.force_login(cast.teammate.user)
    assert client.get(reverse("portal:home", args=[cast.org.slug])).status_code == 200
    admin = type(client)()
    admin.force_login(cast.admin)
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            reverse(
                "adminportal:member_access", args=[cast.org.slug, cast.teammate.pk, "deactivate"]
            )
        )
    assert client.get(reverse("portal:home", args=[cast.org.slug])).status_code == 302  # logged out
    cast.teammate.refresh_from_db()
    assert cast.teammate.portal_access == PortalAccess.DEACTIVATED

    page = admin.get(
        reverse("adminportal:member", args=[cast.org.slug, cast.teammate.pk])
    ).content.decode()
    assert ">Activate<" in page and ">Deactivate<" not in page and "Edit details" not in page

    admin.post(
        reverse("adminportal:member_access", args=[cast.org.slug, cast.teammate.pk, "activate"])
    )
    cast.teammate.refresh_from_db()
    assert cast.teammate.portal_access == PortalAccess.ACTIVE
    client.post(reverse("account_login"), {"login": cast.teammate.email, "password": PASSWORD})
    assert "_auth_user_id" in client.session


def test_a_deactivated_record_is_read_only(client, cast):
    teammate = cast.teammate
    attachment = attachment_add(
        member=teammate,
        actor=cast.admin,
        upload=SimpleUploadedFile("id.pdf", PDF, content_type="application/pdf"),
    )
    member_deactivate_access(member=teammate, actor=cast.admin)
    client.force_login(cast.admin)
    org = cast.org.slug
    # Only fields an admin may otherwise always change (R5.1): the refusal
    # is the read-only rule, not the personal-data rule.
    client.post(
        reverse("adminportal:member_edit", args=[org, teammate.pk]),
        {
            "first_name": teammate.first_name,
            "last_name": teammate.last_name,
            "email": teammate.email,
            "phone": teammate.phone,
            "billing_name": "Changed Ltd",
            "internal_notes": "changed",
        },
    )
    client.post(reverse("adminportal:member_remove", args=[org, teammate.pk]))
    client.post(
        reverse("adminportal:member_transfer", args=[org, teammate.pk]),
        {"to_location": cast.mill.pk},
    )
    client.post(
        reverse("adminportal:attachment_upload", args=[org, teammate.pk]),
        {"file": SimpleUploadedFile("new.pdf", PDF, content_type="application/pdf")},
    )
    client.post(reverse("adminportal:attachment_delete", args=[org, attachment.pk]))
    # The page offers no status form; a forged POST is refused all the same.
    response = client.post(
        reverse("adminportal:member_status", args=[org, teammate.pk]),
        {"status": "former"},
        follow=True,
    )
    assert "the record is read-only" in response.content.decode()
    teammate.refresh_from_db()
    assert teammate.internal_notes == "" and teammate.billing_name == ""
    assert teammate.status == MemberStatus.ACTIVE and teammate.location == cast.harbour
    assert list(teammate.attachments.values_list("pk", flat=True)) == [attachment.pk]
    # The actions say no too, whoever calls them.
    with pytest.raises(ValidationError, match="read-only"):
        member_transfer(member=teammate, to_location=cast.mill, actor=cast.admin)


def test_a_contact_person_cannot_change_a_deactivated_teammate(client, cast):
    organization_update_settings(organization=cast.org, actor=None, contacts_manage_team=True)
    member_deactivate_access(member=cast.teammate, actor=cast.admin)
    client.force_login(cast.contact.user)
    response = client.post(
        reverse("portal:team_member_status", args=[cast.org.slug, cast.teammate.pk]),
        {"status": "former"},
        follow=True,
    )
    # Not "activate it first": a contact person cannot; an admin can.
    assert "only an admin of Northwind can change their record" in response.content.decode()
    cast.teammate.refresh_from_db()
    assert cast.teammate.status == MemberStatus.ACTIVE


def test_remove_sets_former_through_the_history_and_ends_access(client, cast):
    client.force_login(cast.admin)
    client.post(reverse("adminportal:member_remove", args=[cast.org.slug, cast.teammate.pk]))
    cast.teammate.refresh_from_db()
    assert cast.teammate.status == MemberStatus.FORMER
    assert cast.teammate.portal_access == PortalAccess.NONE
    change = StatusChange.objects.get(member=cast.teammate)
    assert change.actor == cast.admin and change.via == Via.ADMIN and "Removed" in change.reason


def test_transfer_records_it_and_clears_a_company_at_the_old_location(cast):
    transfer = member_transfer(member=cast.contact, to_location=cast.mill, actor=cast.owner)
    cast.contact.refresh_from_db()
    cast.acme.refresh_from_db()
    assert cast.contact.location == cast.mill and cast.contact.company is None
    assert cast.acme.contact_person is None
    assert transfer.company_cleared == "Acme"
    assert LocationTransfer.objects.filter(member=cast.contact, to_location=cast.mill).exists()


def test_transfer_to_another_organization_is_refused(cast):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        member_transfer(member=cast.teammate, to_location=cast.other_location, actor=cast.owner)


def test_transfer_page_offers_only_the_admins_locations(client, cast):
    client.force_login(cast.owner)
    url = reverse("adminportal:member_transfer", args=[cast.org.slug, cast.teammate.pk])
    client.post(url, {"to_location": cast.other_location.pk})
    cast.teammate.refresh_from_db()
    assert cast.teammate.location == cast.harbour


def test_auto_former_when_the_membership_ended(cast, time_machine):
    # The last second of a month: "today" here and in the sweep is one day.
    time_machine.move_to(
        datetime.datetime(2027, 1, 31, 23, 59, 59, tzinfo=datetime.UTC), tick=False
    )
    today = timezone.localdate()
    ended = f.MembershipFactory(
        member=cast.teammate,
        start_date=today - datetime.timedelta(days=60),
        end_date=today - datetime.timedelta(days=1),
    )
    renewed = f.MembershipFactory(
        member=cast.billing,
        start_date=today - datetime.timedelta(days=60),
        end_date=today - datetime.timedelta(days=1),
    )
    f.MembershipFactory(
        member=cast.billing, plan=renewed.plan, start_date=today + datetime.timedelta(days=3)
    )
    assert members_auto_former() == 0  # the setting is off
    cast.org.auto_former_on_membership_end = True
    cast.org.save()
    assert members_auto_former() == 1
    cast.teammate.refresh_from_db()
    cast.billing.refresh_from_db()
    assert cast.teammate.status == MemberStatus.FORMER
    # The same removal as an admin's: portal access ends too.
    assert cast.teammate.portal_access == PortalAccess.NONE
    assert cast.billing.status == MemberStatus.ACTIVE  # a membership is still to come
    change = StatusChange.objects.get(member=cast.teammate)
    assert change.via == Via.SYSTEM and change.reason == "Membership ended"
    assert ended.member_id == cast.teammate.pk
    assert members_auto_former() == 0  # idempotent


def test_removing_a_former_member_is_harmless(cast):
    member_remove_from_location(member=cast.teammate, actor=cast.admin)
    member_remove_from_location(member=cast.teammate, actor=cast.admin)
    assert StatusChange.objects.filter(member=cast.teammate).count() == 1
