"""The request size limit and the forms' limits agree (R7.1).

The largest input a form accepts (mass invite's paste of MAX_TEXT
characters, URL-encoded by the browser) is read and answered by the form;
anything bigger than the request limit gets the page back with a message,
never Django's bare "Bad Request (400)". Real oversized bodies, through
the test client.
"""

from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from members.actions.mass_invite import MAX_ROWS, MAX_TEXT
from members.models import JoinRequest, Member

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"
#: A 4-byte UTF-8 character: 12 bytes once URL-encoded (%F0%A0%AE%B7), the
#: worst case for the request size.
WIDE = "\U00020bb7"


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client(client):
    # Django's own 400 for a too-big body is a response, not an exception;
    # anything else escaping must still fail the test.
    client.raise_request_exception = True
    return client


def _mass_invite_url(cast):
    return reverse("adminportal:mass_invite", args=[cast.org.slug])


def _join_url(cast):
    return reverse("join:location", args=[cast.org.slug, cast.harbour.slug])


def _worst_case_paste() -> str:
    """MAX_ROWS rows of 4-byte characters, just under MAX_TEXT characters."""
    per_row = MAX_TEXT // MAX_ROWS - 2
    email = "p{:05d}@example.test"
    name = (per_row - len(email.format(0)) - 3) // 2
    rows = [f"{WIDE * name}\t{WIDE * name}\t{email.format(i)}" for i in range(MAX_ROWS)]
    text = "\n".join(rows)
    assert len(text) <= MAX_TEXT
    return text


def test_the_largest_paste_the_form_takes_reaches_the_form(client, cast):
    """The issue's 10,000-row non-Latin paste under the cap got a bare 400."""
    text = _worst_case_paste()
    body = urlencode({"rows": text, "location": cast.harbour.pk, "action": "preview"})
    assert len(body) > 8 * 1024 * 1024  # past the old 8 MB limit
    assert len(body) <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    client.force_login(cast.admin)
    response = client.post(_mass_invite_url(cast), body, content_type=FORM)
    assert response.status_code == 200
    preview = response.context["preview"]
    assert len(preview.valid) == MAX_ROWS, preview.invalid[:3]


def test_the_request_limit_admits_max_text_of_the_widest_characters():
    """12 bytes a character, and room for the rest of the form."""
    form = urlencode({"rows": WIDE * MAX_TEXT, "location": 10**9, "action": "preview"})
    form += "&previewed=" + "f" * 64 + "&csrfmiddlewaretoken=" + "t" * 64
    assert len(form) <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_a_paste_over_the_request_limit_gets_the_form_and_a_message(client, cast):
    text = "Ann\tLee\tann@example.test\n" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 20)
    body = urlencode({"rows": text, "location": cast.harbour.pk, "action": "invite"})
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    client.force_login(cast.admin)
    response = client.post(_mass_invite_url(cast), body, content_type=FORM)
    assert response.status_code == 413
    html = response.content.decode()
    assert 'id="mass-invite"' in html  # the form, ready for a smaller paste
    assert "too large" in html and "nothing was saved" in html
    assert not Member.objects.filter(email="ann@example.test").exists()


def test_a_nine_megabyte_join_message_gets_the_form_with_its_limit(client, cast):
    """The public page: anyone can send this; the answer is the form."""
    body = urlencode({"first_name": "Jo", "email": "jo@example.test", "message": "m" * 9_000_000})
    response = client.post(_join_url(cast), body, content_type=FORM)
    assert response.status_code == 200
    assert response.context["form"].errors["message"] == [
        "Ensure this value has at most 2000 characters (it has 9000000)."
    ]
    assert not JoinRequest.objects.exists()


def test_a_join_request_over_the_request_limit_gets_the_form_and_a_message(client, cast):
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024
    body = urlencode({"first_name": "Jo", "email": "jo@example.test", "message": "m" * size})
    response = client.post(_join_url(cast), body, content_type=FORM)
    assert response.status_code == 413
    html = response.content.decode()
    assert "Send request" in html and "too large" in html  # the join form, and why
    assert not JoinRequest.objects.exists()


def test_an_oversized_multipart_form_gets_the_page_and_a_message(client, cast):
    """The account page posts multipart (the photo): its text fields count too."""
    data = {"form": "profile", "first_name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    client.force_login(cast.teammate.user)
    response = client.post(reverse("portal:account", args=[cast.org.slug]), data)
    assert response.status_code == 413
    assert "Save profile" in response.content.decode()
    cast.teammate.refresh_from_db()
    assert cast.teammate.first_name == "Tess"


def test_too_many_fields_get_the_page_and_a_message(client, cast):
    fields = "&".join(f"f{i}=x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 10))
    response = client.post(_join_url(cast), "first_name=Jo&" + fields, content_type=FORM)
    assert response.status_code == 413
    assert "Send request" in response.content.decode()


def test_a_button_posting_too_much_is_refused_and_nothing_happens(client, cast):
    """A POST-only action that gets an oversized body (only a forged request
    does) is not run: its page is not a form to show back."""
    member = cast.teammate
    client.force_login(cast.admin)
    url = reverse("adminportal:member_remove", args=[cast.org.slug, member.pk])
    body = urlencode({"reason": "r" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = client.post(url, body, content_type=FORM)
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    member.refresh_from_db()
    assert member.status == "active"
