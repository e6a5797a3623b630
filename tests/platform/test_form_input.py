"""What people type gets a message at the field, never a 500 (R7.1).

Every form's limits are its model's columns: a value one character over a
column is refused by the form with the column's limit, on every form and
page that writes it. Single-line fields refuse line breaks and other
control characters, and a name needs at least one visible character.
"""

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils.html import escape

from integrations.models import Connection
from members.models import JoinRequest, Member, StatusChange
from organizations.services import organization_update_settings
from tests.invitation_helpers import preview_then_invite

pytestmark = pytest.mark.django_db

#: Valid to Django's validate_email (it allows 320), too long for a
#: varchar(254) column: the 500 of the issue.
LONG_EMAIL = "a" * 280 + "@example.test"


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


@dataclass
class Page:
    """A form a person submits: who is logged in, where, what a good POST holds."""

    name: str
    url: Any  # cast -> path
    data: Any  # cast -> a POST that succeeds
    login: Any = None  # cast -> user, or None for the public join page
    form: str = "form"  # the form's name in the template context
    setup: Any = None  # cast -> None
    stored: Any = None  # cast -> whether anything was written
    extra: dict = field(default_factory=dict)


def _no_login_member(cast):
    return Member.objects.get_or_create(
        organization=cast.org,
        email="plain@example.test",
        defaults={"location": cast.harbour, "first_name": "Plain"},
    )[0]


def _changed(member) -> bool:
    member.refresh_from_db()
    if (member.first_name, member.email) != ("Plain", "plain@example.test"):
        return True
    return any(getattr(member, f) for f in ("last_name", "phone", "billing_name", "tax_id"))


def _team_on(cast):
    organization_update_settings(organization=cast.org, actor=None, contacts_manage_team=True)


PAGES = {
    "join": Page(
        "join",
        url=lambda c: reverse("join:location", args=[c.org.slug, c.harbour.slug]),
        data=lambda c: {"first_name": "Jo", "email": "jo@example.test"},
        stored=lambda c: JoinRequest.objects.exists(),
    ),
    "invite": Page(
        "invite",
        url=lambda c: reverse("adminportal:invite", args=[c.org.slug]),
        data=lambda c: {
            "first_name": "Nora",
            "email": "nora@example.test",
            "location": c.harbour.pk,
        },
        login=lambda c: c.admin,
        stored=lambda c: Member.objects.filter(first_name="Nora").exists(),
    ),
    "company_add_member": Page(
        "company_add_member",
        url=lambda c: reverse("adminportal:company_add_member", args=[c.org.slug, c.acme.pk]),
        data=lambda c: {"first_name": "Nora", "email": "nora@example.test", "status": "active"},
        login=lambda c: c.admin,
        stored=lambda c: Member.objects.filter(first_name="Nora").exists(),
    ),
    "team_add": Page(
        "team_add",
        url=lambda c: reverse("portal:team_add", args=[c.org.slug]),
        data=lambda c: {"first_name": "Nora", "email": "nora@example.test", "status": "active"},
        login=lambda c: c.contact.user,
        setup=_team_on,
        stored=lambda c: Member.objects.filter(first_name="Nora").exists(),
    ),
    "member_edit": Page(
        "member_edit",
        url=lambda c: reverse("adminportal:member_edit", args=[c.org.slug, _no_login_member(c).pk]),
        data=lambda c: {"first_name": "Plain", "email": "plain@example.test"},
        login=lambda c: c.admin,
        stored=lambda c: _changed(_no_login_member(c)),
    ),
    "profile": Page(
        "profile",
        url=lambda c: reverse("portal:account", args=[c.org.slug]),
        data=lambda c: {"form": "profile", "first_name": "Tess"},
        login=lambda c: c.teammate.user,
        form="profile_form",
        stored=lambda c: (
            Member.objects.filter(pk=c.teammate.pk).exclude(first_name="Tess").exists()
            or Member.objects.filter(pk=c.teammate.pk).exclude(phone="").exists()
        ),
    ),
    "connection": Page(
        "connection",
        url=lambda c: reverse("integrations:connection_add", args=[c.org.slug, "webhook"]),
        data=lambda c: {
            "name": "Hooks",
            "base_url": "https://hooks.example.test/in",
            "secret": "s" * 32,
            "enabled": "on",
        },
        login=lambda c: c.owner,
        stored=lambda c: Connection.objects.exists(),
    ),
}


def _submit(client, cast, page: Page, **changes):
    if page.setup:
        page.setup(cast)
    if page.login:
        client.force_login(page.login(cast))
    data = {**page.data(cast), **changes}
    return client.post(page.url(cast), data, REMOTE_ADDR="127.0.0.1")


def _field_errors(response, page: Page, name: str) -> list[str]:
    assert response.status_code == 200, (response.status_code, response.content[:500])
    return list(response.context[page.form].errors.get(name, []))


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_every_page_saves_a_plain_submission(client, cast, page):
    """The baseline the cases below change one field of."""
    response = _submit(client, cast, page)
    assert response.status_code in (200, 302)
    if response.status_code == 200 and page.form in (response.context or {}):
        assert not response.context[page.form].errors, response.context[page.form].errors


# (page, field, the column it is stored in): every single-line field of
# every form that writes a column.
COLUMNS = [
    ("join", "first_name", JoinRequest, "first_name"),
    ("join", "last_name", JoinRequest, "last_name"),
    ("join", "email", JoinRequest, "email"),
    ("join", "phone", JoinRequest, "phone"),
    ("join", "company_name", JoinRequest, "company_name"),
    ("join", "message", JoinRequest, "message"),
    ("invite", "first_name", Member, "first_name"),
    ("invite", "last_name", Member, "last_name"),
    ("invite", "email", Member, "email"),
    ("invite", "phone", Member, "phone"),
    ("company_add_member", "first_name", Member, "first_name"),
    ("company_add_member", "email", Member, "email"),
    ("company_add_member", "phone", Member, "phone"),
    ("team_add", "first_name", Member, "first_name"),
    ("team_add", "email", Member, "email"),
    ("team_add", "phone", Member, "phone"),
    ("member_edit", "first_name", Member, "first_name"),
    ("member_edit", "email", Member, "email"),
    ("member_edit", "phone", Member, "phone"),
    ("member_edit", "billing_name", Member, "billing_name"),
    ("member_edit", "tax_id", Member, "tax_id"),
    ("profile", "first_name", Member, "first_name"),
    ("profile", "last_name", Member, "last_name"),
    ("profile", "phone", Member, "phone"),
    ("connection", "name", Connection, "name"),
    ("connection", "base_url", Connection, "base_url"),
]


def _too_long(model, column: str) -> tuple[str, int]:
    limit = model._meta.get_field(column).max_length
    if column == "email":
        # A valid address one past the column (the form says so, not the database).
        return "a" * (limit + 1 - len("@example.test")) + "@example.test", limit
    if column == "base_url":
        return "https://hooks.example.test/" + "p" * limit, limit
    return "x" * (limit + 1), limit


@pytest.mark.parametrize(
    ("page", "name", "model", "column"),
    COLUMNS,
    ids=[f"{p}-{n}" for p, n, *_ in COLUMNS],
)
def test_one_character_over_the_column_is_a_message_at_the_field(
    client, cast, page, name, model, column
):
    page = PAGES[page]
    value, limit = _too_long(model, column)
    response = _submit(client, cast, page, **{name: value})
    errors = _field_errors(response, page, name)
    assert f"at most {limit} characters" in " ".join(errors), errors
    assert escape(f"at most {limit} characters") in response.content.decode()
    assert not page.stored(cast)


@pytest.mark.parametrize(
    "page", ["join", "invite", "company_add_member", "team_add", "member_edit"]
)
def test_an_email_django_accepts_but_the_column_cannot_hold_is_refused(client, cast, page):
    """The issue's 500s: 255-320 characters pass validate_email."""
    page = PAGES[page]
    errors = _field_errors(_submit(client, cast, page, email=LONG_EMAIL), page, "email")
    assert errors and "at most 254 characters" in errors[0]
    assert not page.stored(cast)


#: 254 characters as typed, 255 once lower-cased as every action stores it:
#: "İ" (U+0130) lower-cases to "i" and a combining dot, and validate_email
#: takes it (its pattern matches case-insensitively).
GROWS_WHEN_LOWERED = "a" * (254 - len("@exİmple.test")) + "@exİmple.test"


@pytest.mark.parametrize(
    "page", ["join", "invite", "company_add_member", "team_add", "member_edit"]
)
def test_an_email_that_grows_when_lower_cased_is_checked_as_stored(client, cast, page):
    assert (len(GROWS_WHEN_LOWERED), len(GROWS_WHEN_LOWERED.lower())) == (254, 255)
    page = PAGES[page]
    response = _submit(client, cast, page, email=GROWS_WHEN_LOWERED)
    errors = _field_errors(response, page, "email")
    assert errors and "at most 254 characters" in errors[0]
    assert not page.stored(cast)


def test_mass_invite_checks_the_email_as_stored(client, cast):
    client.force_login(cast.admin)
    url = reverse("adminportal:mass_invite", args=[cast.org.slug])
    rows = f"Ann\t\tann@example.test\nGrows\t\t{GROWS_WHEN_LOWERED}"
    response = preview_then_invite(client, url, {"rows": rows, "location": cast.harbour.pk})
    assert response.status_code == 302
    assert not Member.objects.filter(first_name="Grows").exists()
    assert Member.objects.filter(email="ann@example.test").exists()


def test_a_status_change_reason_over_its_column_is_refused_with_its_limit(client, cast):
    member = _no_login_member(cast)
    limit = StatusChange._meta.get_field("reason").max_length
    client.force_login(cast.admin)
    response = client.post(
        reverse("adminportal:member_status", args=[cast.org.slug, member.pk]),
        {"status": "former", "reason": "r" * (limit + 1)},
        follow=True,
    )
    assert response.status_code == 200
    assert f"at most {limit} characters" in response.content.decode()
    member.refresh_from_db()
    assert member.status == "active" and not StatusChange.objects.filter(member=member).exists()


# ----------------------------------------------------------- control characters

LINE_BREAKS = ["+44 20\r\n1234", "+44 20\n1234", "+44\u2028 20", "+44\x0b20", "+44\x1b[2J"]


@pytest.mark.parametrize("value", LINE_BREAKS, ids=repr)
@pytest.mark.parametrize(
    ("page", "name"),
    [
        ("join", "phone"),
        ("join", "company_name"),
        ("join", "first_name"),
        ("profile", "phone"),
        ("profile", "last_name"),
        ("invite", "phone"),
        ("company_add_member", "phone"),
        ("member_edit", "phone"),
        ("member_edit", "billing_name"),
        ("member_edit", "tax_id"),
        ("connection", "name"),
    ],
)
def test_single_line_fields_refuse_line_breaks_and_control_characters(
    client, cast, page, name, value
):
    page = PAGES[page]
    errors = _field_errors(_submit(client, cast, page, **{name: value}), page, name)
    assert "one line" in " ".join(errors), errors
    assert not page.stored(cast)


INVISIBLE = ["\u200b", "\u200b\u200c\u200d\u2060", "\u3164", "\u00a0\u2800", "\u0301\u200e"]


@pytest.mark.parametrize("value", INVISIBLE, ids=repr)
@pytest.mark.parametrize(
    ("page", "name"),
    [
        ("join", "first_name"),
        ("join", "last_name"),
        ("invite", "first_name"),
        ("team_add", "first_name"),
        ("profile", "first_name"),
        ("member_edit", "first_name"),
        ("connection", "name"),
    ],
)
def test_a_name_of_only_invisible_characters_is_refused(client, cast, page, name, value):
    page = PAGES[page]
    errors = _field_errors(_submit(client, cast, page, **{name: value}), page, name)
    assert "visible" in " ".join(errors), errors
    assert not page.stored(cast)


@pytest.mark.parametrize(
    "value", ["Zoë", "Ο Δημήτρης", "山田", "محمد", "Smith-Jones", "Ní Bhriain", "میرزا\u200cزاده"]
)
def test_real_names_in_any_script_are_kept(client, cast, value):
    page = PAGES["join"]
    response = _submit(client, cast, page, first_name=value)
    assert response.status_code == 200 and "reached" in response.content.decode()
    assert JoinRequest.objects.get().first_name == value


def test_multi_line_fields_keep_line_breaks_but_refuse_other_control_characters(client, cast):
    page = PAGES["join"]
    errors = _field_errors(_submit(client, cast, page, message="Hi\x1b[31m there"), page, "message")
    assert "control characters" in " ".join(errors)
    cache.clear()
    response = _submit(client, cast, page, message="Hot desk, please.\r\nFrom May.\tThanks")
    assert "reached" in response.content.decode()
    assert JoinRequest.objects.get().message == "Hot desk, please.\r\nFrom May.\tThanks"

    member = _no_login_member(cast)
    client.force_login(cast.admin)
    url = reverse("adminportal:member_edit", args=[cast.org.slug, member.pk])
    base = {"first_name": "Plain", "email": "plain@example.test"}
    response = client.post(url, {**base, "internal_notes": "ok\x07"})
    assert "internal_notes" in response.context["form"].errors
    response = client.post(url, {**base, "billing_address": "1 Road\r\nTown"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.billing_address == "1 Road\r\nTown"


def test_mass_invite_rows_follow_the_same_rules(client, cast):
    client.force_login(cast.admin)
    name_limit = Member._meta.get_field("first_name").max_length
    rows = "\n".join(
        [
            "Ann\t\tann@example.test",
            "\u200b\u200b\tX\tzw@example.test",
            f"{'N' * (name_limit + 50)}\t\tlong@example.test",
            f"Long\t\t{LONG_EMAIL}",
            "Sep\u2028arated\t\tsep@example.test",
            "Phone\t\tph@example.test\t+44\x1b20",
        ]
    )
    url = reverse("adminportal:mass_invite", args=[cast.org.slug])
    page = client.post(url, {"rows": rows, "location": cast.harbour.pk, "action": "preview"})
    preview = page.context["preview"]
    assert [r.line for r in preview.valid] == [1]
    errors = {r.line: " ".join(r.errors) for r in preview.invalid}
    assert "visible" in errors[2]
    assert f"longer than {name_limit} characters" in errors[3]
    assert "longer than 254 characters" in errors[4]
    assert "one line" in errors[5]
    assert "one line" in errors[6]


# ------------------------------------------------------- search and filters

ODD_QUERIES = ["²", "٣", "9" * 30, "\x00", "a" * 10_000, "-1", "\u202e"]


@pytest.mark.parametrize("value", ODD_QUERIES, ids=repr)
@pytest.mark.parametrize(
    ("page", "param"),
    [
        ("adminportal:members", "q"),
        ("adminportal:members", "location"),
        ("adminportal:members", "status"),
        ("adminportal:members", "page"),
        ("adminportal:companies", "q"),
        ("integrations:deliveries", "member"),
        ("integrations:deliveries", "connection"),
        ("integrations:deliveries", "page"),
        ("adminportal:notifications", "page"),
        ("adminportal:invitations", "page"),
    ],
)
def test_search_and_filter_parameters_never_give_a_server_error(client, cast, page, param, value):
    """'²'.isdigit() is True and int('²') a ValueError: the delivery log's
    member filter was a 500."""
    client.force_login(cast.owner)
    client.raise_request_exception = False
    response = client.get(reverse(page, args=[cast.org.slug]), {param: value})
    assert response.status_code == 200
