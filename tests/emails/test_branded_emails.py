"""Emails people trust (issue 16, item 4): every email in HTML and plain
text from one base template, in the operator's brand (name, accent, logo,
sender name), with the location, one call to action and the link's or
code's expiry in the reader's time zone.

allauth's emails are triggered through its real views with the test client.
"""

import email
import email.policy
import re
from pathlib import Path

import allauth
import pytest
from django.core import mail
from django.template.loader import get_template
from django.urls import reverse

from emails.render import branded_email, render_email
from members.actions.invitations import invitation_resend, member_invite
from members.invitation_emails import invitations_send_reminders
from members.models import Invitation, Member
from members.selectors import organization_of_login
from notifications.models import Notification
from organizations.branding import PRODUCT_NAME, brand_of, one_line
from organizations.colours import ink_on
from organizations.logo_files import prepare_logo
from organizations.models import Organization
from organizations.services import organization_update_brand
from tests import factories as f
from tests.branding_helpers import LIGHT_ACCENT, logo_upload

pytestmark = pytest.mark.django_db

EXPIRY = re.compile(r"works until \d{1,2} \w+ \d{4}, \d\d:\d\d \(UTC\)")
CODE = re.compile(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]+)*)\s*$", re.M)


@pytest.fixture
def branded(cast):
    """The cast's organization with a name, a light accent and a logo."""
    organization_update_brand(
        organization=cast.org,
        actor=None,
        name="Northwind Coworking",
        accent_colour=LIGHT_ACCENT,
        logo=prepare_logo(logo_upload()),
    )
    cast.org.refresh_from_db()
    return brand_of(cast.org)


def _html(message) -> str:
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    return html


def assert_branded(message, brand, *, cta: str | None = None, expires=True):
    """The brand in both versions, the sender, the call to action, the expiry."""
    html = _html(message)
    assert message.from_email == f"{brand.name} <no-reply@localhost>"
    assert brand.name in message.body and brand.name in html
    assert f"border-bottom:3px solid {brand.accent};" in html  # under the brand
    if brand.logo_url:
        assert f'<img src="{brand.logo_url}"' in html
        assert brand.logo_url.startswith("http")
    else:
        assert "<img" not in html
    if cta:
        assert cta in message.body
        assert f'href="{cta}"' in html
        # One button, in the accent, its text readable on it.
        assert html.count(f"background:{brand.accent};color:{brand.accent_ink};") == 1
    if expires:
        assert EXPIRY.search(message.body) and EXPIRY.search(html)


def _to(address):
    return [m for m in mail.outbox if address in m.to]


# ------------------------------------------------------------ our own emails


def test_the_invitation(cast, branded, django_capture_on_commit_callbacks):
    member = f.MemberFactory(location=cast.harbour, email="nora@example.test", first_name="Nora")
    with django_capture_on_commit_callbacks(execute=True):
        member_invite(member=member, actor=cast.admin)
    (message,) = _to("nora@example.test")
    link = re.search(r"https?://\S+/invitation/\S+/", message.body).group(0)
    assert_branded(message, branded, cta=link)
    assert message.subject == "You're invited to Northwind Coworking"
    assert "Harbour" in message.body and "Harbour" in _html(message)  # the location
    assert "Get started" in message.body and ">Get started</a>" in _html(message)
    invitation = Invitation.objects.get(member=member)
    assert invitation.expires_at.strftime("%H:%M (UTC)") in message.body


def test_the_reminder(cast, branded, django_capture_on_commit_callbacks, settings):
    member = f.MemberFactory(location=cast.harbour, email="rita@example.test")
    type(cast.org).objects.filter(pk=cast.org.pk).update(invitation_reminders=True)
    with django_capture_on_commit_callbacks(execute=True):
        member_invite(member=member, actor=cast.admin)
    from datetime import timedelta

    from django.utils import timezone

    Member.objects.filter(pk=member.pk).update(
        invited_at=timezone.now() - timedelta(days=3, hours=1)
    )
    Invitation.objects.filter(member=member).update(created_at=timezone.now() - timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert invitations_send_reminders() == 1
    reminder = _to("rita@example.test")[-1]
    assert reminder.subject == "Reminder: your invitation to Northwind Coworking"
    link = re.search(r"https?://\S+/invitation/\S+/", reminder.body).group(0)
    assert_branded(reminder, branded, cta=link)


def test_the_resent_invitation_after_a_join_request_is_approved(
    cast, branded, django_capture_on_commit_callbacks
):
    """Approving a request to join sends the invitation (there is no
    separate approval email, and none for a rejection)."""
    from members.actions.join_requests import join_request_approve, join_request_submit

    request = join_request_submit(location=cast.mill, first_name="Jo", email="jo@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        join_request_approve(join_request=request, actor=cast.owner)
    (message,) = _to("jo@example.test")
    assert_branded(
        message, branded, cta=re.search(r"https?://\S+/invitation/\S+/", message.body)[0]
    )
    assert "Old Mill" in message.body
    with django_capture_on_commit_callbacks(execute=True):
        invitation_resend(member=Member.objects.get(email="jo@example.test"), actor=cast.owner)
    assert_branded(_to("jo@example.test")[-1], branded)


def test_the_notice_to_admins(cast, branded, django_capture_on_commit_callbacks):
    """A contact person's status change (and an account deletion: the same
    email, "… deleted their account") tells the location's admins."""
    from members.actions.team import team_change_status
    from organizations.services import organization_update_settings

    organization_update_settings(organization=cast.org, actor=None, contacts_manage_team=True)
    with django_capture_on_commit_callbacks(execute=True):
        team_change_status(
            actor=cast.contact.user, member=cast.teammate, status="former", reason="Left"
        )
    (message,) = _to(cast.admin.email)
    notice = Notification.objects.get(recipient=cast.admin)
    link = re.search(r"https?://\S+/notifications/\d+/", message.body).group(0)
    assert str(notice.pk) in link
    assert_branded(message, branded, cta=link, expires=False)
    assert "Harbour" in _html(message)
    assert "Active → Former" in message.body and "Active → Former" in _html(message)


def test_the_account_deletion_notice(cast, branded, client, django_capture_on_commit_callbacks):
    client.force_login(cast.teammate.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("portal:account_delete", args=[cast.org.slug]),
            {"confirm": "delete"},
        )
    (message,) = [m for m in _to(cast.admin.email) if "deleted their account" in m.body]
    assert_branded(message, branded, expires=False)
    assert "deleted their account" in _html(message)


# ------------------------------------------------------------ allauth's emails


def test_the_sign_in_code(client, cast, branded):
    client.post(reverse("account_request_login_code"), {"email": cast.contact.email})
    message = _to(cast.contact.email)[-1]
    assert_branded(message, branded)
    assert "code works until" in message.body
    code = CODE.search(message.body).group(1)
    assert code in _html(message)
    assert message.subject == "Your sign-in code for Northwind Coworking"
    assert "Hello from" not in message.body and "127.0.0.1" not in message.body
    # The code still logs in.
    response = client.post(reverse("account_confirm_login_code"), {"code": code}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:home", args=[cast.org.slug])


def test_the_password_reset(client, cast, branded):
    client.post(reverse("account_reset_password"), {"email": cast.contact.email})
    message = _to(cast.contact.email)[-1]
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", message.body).group(0)
    assert_branded(message, branded, cta=link)
    assert message.subject == "Choose a new password for Northwind Coworking"
    assert "Choose a new password" in _html(message)


def test_the_email_verification_code(client, cast, branded):
    """Adding an address mails a code to it (allauth's email page)."""
    client.force_login(cast.teammate.user)
    client.post(reverse("account_email"), {"action_add": "", "email": "tess.new@example.test"})
    message = _to("tess.new@example.test")[-1]
    assert_branded(message, branded)
    assert message.subject == "Confirm your email address for Northwind Coworking"
    code = CODE.search(message.body).group(1)
    assert code in _html(message)
    response = client.post(reverse("account_email_verification_sent"), {"code": code}, follow=True)
    assert response.status_code == 200


def test_a_security_notice_leads_to_a_new_password(client, cast, branded):
    client.force_login(cast.teammate.user)
    client.post(
        reverse("account_change_password"),
        {
            "oldpassword": f.PASSWORD,
            "password1": "a-New-long-pass-42",
            "password2": "a-New-long-pass-42",
        },
    )
    message = _to(cast.teammate.user.email)[-1]
    assert "Your password has been changed." in message.body
    assert_branded(
        message,
        branded,
        cta="http://127.0.0.1:8000" + reverse("account_reset_password"),
        expires=False,
    )


def test_a_login_in_several_organizations_gets_the_product_brand(client, cast, branded):
    f.MemberFactory(location=cast.other_org.locations.first(), email=cast.contact.email)
    f.MemberFactory(
        location=cast.other_org.locations.first(), user=cast.contact.user, email="x@example.test"
    )
    client.post(reverse("account_request_login_code"), {"email": cast.contact.email})
    message = _to(cast.contact.email)[-1]
    assert message.from_email == "Flex Community <no-reply@localhost>"
    assert PRODUCT_NAME in message.body and "Northwind" not in message.body
    assert message.alternatives


def test_a_login_whose_records_elsewhere_come_first_still_counts_every_organization(cast):
    """Two records in one organization and one in another: the brand is the
    product's, whichever two rows the database reads first (here the
    records' names put the other organization's pair first)."""
    user = f.UserFactory(email="two.orgs@example.test")
    elsewhere = cast.other_org.locations.first()
    f.MemberFactory(location=cast.harbour, email=user.email, first_name="Zoe")
    f.MemberFactory(
        location=elsewhere, user=user, email="also.two.orgs@example.test", first_name="Ada"
    )
    f.MemberFactory(location=elsewhere, email=user.email, first_name="Ada")
    assert organization_of_login(user) is None


def test_every_allauth_email_has_our_html_and_frame(settings):
    """allauth's text templates extend our frame; each needs its HTML twin
    here. A new allauth email fails this until it gets one."""
    root = Path(allauth.__file__).parent / "templates"
    installed = {app.split(".")[1] for app in settings.INSTALLED_APPS if app.startswith("allauth.")}
    prefixes = sorted(
        str(path.relative_to(root)).removesuffix("_message.txt")
        for path in root.glob("*/email/*_message.txt")
        if path.name != "base_message.txt" and path.parts[-3] in installed
    )
    assert "account/email/login_code" in prefixes
    for prefix in prefixes:
        html = get_template(f"{prefix}_message.html").origin.name
        assert "/templates/" in html and "site-packages" not in html, prefix
        subject, text, page = render_email(prefix, {"code": "ABC123", "email": "a@b.test"})
        assert PRODUCT_NAME in text and PRODUCT_NAME in page, prefix
        assert "Hello from" not in text, prefix


# ------------------------------------------------------------ the sender


@pytest.mark.parametrize(
    "name",
    [
        'Evil" <attacker@example.test>\r\nBcc: victim@example.test',
        "Evil\nBcc: victim@example.test",
        "Café Zürich «Ost»",
        'Quote "the" operator, Inc.',
    ],
)
def test_no_organization_name_adds_a_header(cast, name):
    # Straight into the row: the form and the action refuse line breaks,
    # the sender must hold whatever got there (the support site, a migration).
    Organization.objects.filter(pk=cast.org.pk).update(name=name)
    cast.org.refresh_from_db()
    message = branded_email(
        "members/email/invitation",
        {"member": cast.teammate, "cta_url": "https://x.test/", "hours": 24},
        to=[cast.teammate.email],
        organization=cast.org,
        location=cast.harbour,
    )
    raw = message.message().as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed.get_all("Bcc") is None
    assert message.recipients() == [cast.teammate.email]
    (sender,) = parsed.get_all("From")
    # One address, ours, under the name on one line.
    (address,) = sender.addresses
    assert address.addr_spec == "no-reply@localhost"
    assert address.display_name == one_line(name)
    assert "\n" not in str(parsed["Subject"])


def test_the_product_sender_is_the_configured_one(settings):
    settings.DEFAULT_FROM_EMAIL = "Spaces Ops <hello@spaces.example>"
    message = branded_email("account/email/unknown_account", {"email": "a@b.test"}, to=["a@b.test"])
    assert message.from_email == "Spaces Ops <hello@spaces.example>"


def test_an_operator_sender_keeps_the_configured_address(cast, settings):
    settings.DEFAULT_FROM_EMAIL = "Spaces Ops <hello@spaces.example>"
    assert brand_of(cast.org).sender == "Northwind <hello@spaces.example>"


def test_button_text_reads_on_the_accent_in_the_email(cast, branded):
    _, _, html = render_email(
        "members/email/invitation",
        {"member": cast.teammate, "cta_url": "https://x.test/", "hours": 24},
        organization=cast.org,
        location=cast.harbour,
    )
    assert f"background:{LIGHT_ACCENT};color:{ink_on(LIGHT_ACCENT)};" in html
