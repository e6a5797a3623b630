"""Personal data belongs to the person once linked (R5.1), privacy (R5.2),
account deletion (R5.3), attachments."""

import datetime
import io

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.emails import mark_proven
from accounts.models import User
from integrations.models import OutboxEvent
from integrations.outbox import MemberEvent
from members.actions.invitations import invitation_accept_by_login
from members.actions.join_requests import join_request_approve, join_request_submit
from members.actions.personal_data import account_delete
from members.models import Attachment, JoinRequest, Member, Membership, PortalAccess
from members.privacy import visible_contact
from notifications.models import Notification
from tests import factories as f
from tests.invitation_helpers import last_link

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 90, 160)).save(out, "PNG")
    return out.getvalue()


PNG = _png()


def _edit(client, cast, member, **changes):
    data = {
        "first_name": member.first_name,
        "last_name": member.last_name,
        "email": member.email,
        "phone": member.phone,
        "billing_name": member.billing_name,
        "billing_address": member.billing_address,
        "tax_id": member.tax_id,
        "internal_notes": member.internal_notes,
    }
    data.update(changes)
    client.force_login(cast.admin)
    return client.post(reverse("adminportal:member_edit", args=[cast.org.slug, member.pk]), data)


def test_an_admins_post_changing_a_linked_users_name_is_refused(client, cast):
    response = _edit(client, cast, cast.teammate, first_name="Renamed", internal_notes="VIP")
    assert response.status_code == 403
    assert "manages their own name" in response.content.decode()
    cast.teammate.refresh_from_db()
    assert cast.teammate.first_name == "Tess"
    assert cast.teammate.internal_notes == ""  # nothing half-saved


def test_an_admin_keeps_billing_details_and_notes_of_a_linked_user(client, cast):
    response = _edit(client, cast, cast.teammate, billing_name="Tess Ltd", internal_notes="VIP")
    assert response.status_code == 302
    cast.teammate.refresh_from_db()
    assert (cast.teammate.billing_name, cast.teammate.internal_notes) == ("Tess Ltd", "VIP")


def test_an_admin_may_fix_the_name_of_a_member_without_a_login(client, cast):
    member = f.MemberFactory(location=cast.harbour, first_name="Jonh")
    assert _edit(client, cast, member, first_name="John").status_code == 302
    member.refresh_from_db()
    assert member.first_name == "John"


def test_the_admin_page_shows_personal_data_read_only_and_says_why(client, cast):
    client.force_login(cast.admin)
    page = client.get(reverse("adminportal:member_edit", args=[cast.org.slug, cast.teammate.pk]))
    assert "theirs to change in the member portal" in page.content.decode()
    assert "readonly" in page.content.decode()


def test_the_user_edits_their_own_name_in_the_member_portal(client, cast):
    client.force_login(cast.teammate.user)
    url = reverse("portal:account", args=[cast.org.slug])
    response = client.post(
        url, {"form": "profile", "first_name": "Tessa", "last_name": "T", "phone": "+44 1"}
    )
    assert response.status_code == 302
    cast.teammate.refresh_from_db()
    assert (cast.teammate.first_name, cast.teammate.phone) == ("Tessa", "+44 1")


def test_a_photo_must_be_an_image(client, cast):
    client.force_login(cast.teammate.user)
    url = reverse("portal:account", args=[cast.org.slug])
    bad = SimpleUploadedFile("me.png", b"<html>not an image</html>", content_type="image/png")
    response = client.post(url, {"form": "profile", "first_name": "Tess", "photo": bad})
    assert response.status_code == 200 and "does not look like a PNG" in response.content.decode()
    good = SimpleUploadedFile("me.png", PNG, content_type="image/png")
    assert (
        client.post(url, {"form": "profile", "first_name": "Tess", "photo": good}).status_code
        == 302
    )
    cast.teammate.refresh_from_db()
    assert cast.teammate.photo


def test_account_deletion_keeps_the_member_and_memberships_and_erases_personal_data(
    client, cast, django_capture_on_commit_callbacks
):
    member = _upload_photo(client, cast)
    photo_name = member.photo.name
    f.MembershipFactory(member=member)
    member.billing_name = "Tess Ltd"
    member.phone = "+44 20 1234"
    member.show_email = True
    member.show_phone = False
    member.save()
    user_id = member.user_id
    client.force_login(member.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:account_delete", args=[cast.org.slug]), {"confirm": "delete"}
        )
    assert response.status_code == 302
    assert not User.objects.filter(pk=user_id).exists()
    member = Member.objects.get(pk=member.pk)
    assert member.full_name == "Deleted user"
    assert (member.email, member.phone, member.photo.name, member.user_id) == ("", "", "", None)
    assert member.show_email is None and member.show_phone is None
    assert member.portal_access == PortalAccess.NONE
    assert not default_storage.exists(photo_name)
    # Connected systems are told (door and printing access end).
    assert OutboxEvent.objects.filter(member_ref=member.pk, event=MemberEvent.REMOVED).exists()
    assert member.billing_name == "Tess Ltd"  # billing stays
    assert Membership.objects.filter(member=member).count() == 1
    notices = Notification.objects.filter(kind=Notification.Kind.ACCOUNT_DELETED, member=member)
    assert {n.recipient for n in notices} == {cast.owner, cast.admin}
    assert all("Tess" not in n.message for n in notices)
    assert "_auth_user_id" not in client.session


def test_account_deletion_needs_the_confirmation(client, cast):
    client.force_login(cast.teammate.user)
    client.post(reverse("portal:account_delete", args=[cast.org.slug]))
    assert Member.objects.get(pk=cast.teammate.pk).user_id is not None


def test_privacy_defaults_and_overrides(cast):
    """As the portal home shows them: a plain member (the teammate) sees their
    company's contact person."""
    cast.org.members_see_email = True
    cast.org.members_see_phone = False
    cast.org.save()
    contact = Member.objects.select_related("organization", "company").get(pk=cast.contact.pk)
    contact.phone = "+1 555"
    viewer = cast.teammate
    assert visible_contact(viewer, contact)["email"] == contact.email
    assert visible_contact(viewer, contact)["phone"] == ""
    contact.show_email, contact.show_phone = False, True
    assert visible_contact(viewer, contact)["email"] == ""
    assert visible_contact(viewer, contact)["phone"] == "+1 555"
    # The company's contact person sees the email they need to manage the team.
    teammate = Member.objects.select_related("organization", "company").get(pk=cast.teammate.pk)
    teammate.show_email = False
    assert visible_contact(cast.contact, teammate)["email"] == teammate.email
    assert visible_contact(teammate, teammate)["email"] == teammate.email
    assert visible_contact(cast.other_member, contact)["phone"] == ""


def test_the_portal_home_applies_the_contact_persons_privacy_choice(client, cast):
    contact = cast.contact
    contact.phone = "+1 555 0100"
    contact.save()
    client.force_login(cast.teammate.user)
    url = reverse("portal:home", args=[cast.org.slug])
    page = client.get(url).content.decode()
    # Organization defaults: email shown, phone hidden.
    assert contact.email in page and "+1 555 0100" not in page
    contact.show_email, contact.show_phone = False, True
    contact.save()
    page = client.get(url).content.decode()
    assert contact.email not in page and "+1 555 0100" in page


def test_privacy_form_saves_an_override(client, cast):
    client.force_login(cast.teammate.user)
    client.post(
        reverse("portal:account", args=[cast.org.slug]),
        {"form": "privacy", "show_email": "hide", "show_phone": ""},
    )
    cast.teammate.refresh_from_db()
    assert cast.teammate.show_email is False and cast.teammate.show_phone is None


@pytest.mark.parametrize(
    "name,content,ok",
    [
        ("id.pdf", PDF, True),
        ("scan.png", PNG, True),
        ("scan.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 32, True),
        ("id.pdf", b"<html><script>alert(1)</script>", False),
        ("run.exe", b"MZ\x90\x00", False),
        ("notes.txt", b"hello", False),
        ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), False),
    ],
)
def test_attachment_type_and_size_checks(client, cast, name, content, ok):
    client.force_login(cast.admin)
    upload = SimpleUploadedFile(name, content)
    client.post(
        reverse("adminportal:attachment_upload", args=[cast.org.slug, cast.teammate.pk]),
        {"file": upload},
    )
    assert Attachment.objects.filter(member=cast.teammate).exists() is ok


def test_attachments_download_only_within_the_admins_reach(client, cast):
    client.force_login(cast.admin)
    client.post(
        reverse("adminportal:attachment_upload", args=[cast.org.slug, cast.teammate.pk]),
        {"file": SimpleUploadedFile("id.pdf", PDF)},
    )
    attachment = Attachment.objects.get(member=cast.teammate)
    url = reverse("adminportal:attachment", args=[cast.org.slug, attachment.pk])
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    client.force_login(cast.mill_admin)  # admin of another location
    assert client.get(url).status_code == 404
    client.force_login(cast.other_admin)
    assert (
        client.get(
            reverse("adminportal:attachment", args=[cast.other_org.slug, attachment.pk])
        ).status_code
        == 404
    )


def _upload_photo(client, cast):
    client.force_login(cast.teammate.user)
    client.post(
        reverse("portal:account", args=[cast.org.slug]),
        {"form": "profile", "first_name": "Tess", "photo": SimpleUploadedFile("me.png", PNG)},
    )
    member = Member.objects.get(pk=cast.teammate.pk)
    assert member.photo
    return member


def test_a_photo_is_served_only_to_those_who_may_see_it(client, cast):
    member = _upload_photo(client, cast)
    account = client.get(reverse("portal:account", args=[cast.org.slug])).content.decode()
    url = reverse("member_photo", args=[cast.org.slug, member.pk])
    assert url in account and "/media/" not in account
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert response["X-Content-Type-Options"] == "nosniff"
    for user, allowed in (
        (cast.admin, True),  # manages the harbour
        (cast.owner, True),
        (cast.contact.user, True),  # a teammate in Acme
        (cast.globex_contact.user, False),  # another company
        (cast.mill_admin, False),  # another location
        (cast.other_admin, False),  # another organization
    ):
        client.force_login(user)
        assert client.get(url).status_code == (200 if allowed else 404), user
    client.logout()
    assert client.get(url).status_code == 404
    # Nothing serves MEDIA_ROOT.
    assert client.get("/media/" + member.photo.name).status_code == 404


def test_the_admin_member_page_shows_the_photo_read_only(client, cast):
    member = _upload_photo(client, cast)
    client.force_login(cast.admin)
    page = client.get(reverse("adminportal:member", args=[cast.org.slug, member.pk]))
    html = page.content.decode()
    assert reverse("member_photo", args=[cast.org.slug, member.pk]) in html
    assert 'name="photo"' not in html


def test_account_deletion_erases_the_name_from_admin_notices(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = join_request_submit(
            location=cast.harbour, first_name="Jo", last_name="Joiner", email="jo@example.test"
        )
        member = join_request_approve(join_request=request, actor=cast.admin)
    user = User.objects.get(email="jo@example.test")
    mark_proven(user, user.email)  # logged in by an emailed code...
    invitation_accept_by_login(member=member, user=user)  # ...and accepted
    # A namesake's notice, an hour later, is not touched.
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1)):
        namesake = join_request_submit(
            location=cast.harbour, first_name="Jo", last_name="Joiner", email="jo2@example.test"
        )
    account_delete(user=user)
    about_her = Notification.objects.filter(kind=Notification.Kind.JOIN_REQUEST)
    messages = sorted(set(about_her.values_list("message", flat=True)))
    assert messages == ["Deleted user asked to join Harbour.", "Jo Joiner asked to join Harbour."]
    assert namesake.first_name == "Jo"
    deleted = Notification.objects.filter(kind=Notification.Kind.ACCOUNT_DELETED, member=member)
    assert deleted.exists() and not deleted.filter(message__contains="Jo").exists()


def test_a_login_from_another_organization_accepts_an_invitation_and_is_reused(
    client, cast, django_capture_on_commit_callbacks
):
    from tests.invitation_helpers import admin_invite

    elsewhere = cast.other_member  # a member of Southgate, with a login
    users_before = User.objects.count()
    admin_invite(client, cast, django_capture_on_commit_callbacks, email=elsewhere.email.upper())
    assert User.objects.count() == users_before  # no second login for the address
    path, _ = last_link(elsewhere.email)
    response = client.post(path)
    assert response["Location"] == reverse("portal:home", args=[cast.org.slug])
    here = Member.objects.get(organization=cast.org, email=elsewhere.email)
    assert here.user_id == elsewhere.user_id and here.portal_access == PortalAccess.ACTIVE
    assert User.objects.filter(email__iexact=elsewhere.email).count() == 1
    # Both portals open to the one login.
    assert client.get(reverse("portal:home", args=[cast.org.slug])).status_code == 200
    assert client.get(reverse("portal:home", args=[cast.other_org.slug])).status_code == 200


@pytest.mark.parametrize("status", ["active", "contact", "former"])
def test_a_teammates_photo_link_is_shown_exactly_when_it_is_served(client, cast, status):
    """My team must not show a photo the server then refuses (a broken
    image for Contact and Former teammates): one rule for both."""
    member = _upload_photo(client, cast)
    Member.objects.filter(pk=member.pk).update(status=status)
    member = Member.objects.select_related("organization", "company").get(pk=member.pk)
    viewer = Member.objects.get(pk=cast.contact.pk)
    shown = visible_contact(viewer, member)["photo_url"]
    client.force_login(cast.contact.user)
    served = client.get(reverse("member_photo", args=[cast.org.slug, member.pk])).status_code
    assert bool(shown) == (served == 200) == (status == "active"), (shown, served)


def test_an_erased_record_stays_erased(client, cast, django_capture_on_commit_callbacks):
    member = cast.teammate
    join = JoinRequest.objects.create(
        organization=cast.org,
        location=cast.harbour,
        first_name="Tess",
        email=member.email,
        phone="+1 555",
        message="Hot desk please",
        member=member,
        state=JoinRequest.State.APPROVED,
    )
    client.force_login(member.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:account_delete", args=[cast.org.slug]), {"confirm": "delete"})
    join.refresh_from_db()
    assert (join.first_name, join.email, join.phone, join.message) == ("Deleted user", "", "", "")

    client.force_login(cast.admin)
    url = reverse("adminportal:member_edit", args=[cast.org.slug, member.pk])
    client.post(url, {"first_name": "Tess", "email": "tess@example.test", "billing_name": "X"})
    member.refresh_from_db()
    assert member.full_name == "Deleted user" and member.email == ""
