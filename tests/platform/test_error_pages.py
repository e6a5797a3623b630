"""Error pages in the product's look (R7.1): what went wrong in words, a way
back, and a request id support can find in the logs; never a traceback.

DEBUG is off in test settings, so these are the pages people see.
"""

import io
import logging
import re

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.template import loader
from django.test import Client
from django.urls import path, reverse
from django_ratelimit.decorators import ratelimit

from config.urls import *  # noqa: F403 (the project's error handlers)
from config.urls import urlpatterns as project_urlpatterns

pytestmark = pytest.mark.django_db

SECRET = "sk_live_the_exception_message_must_not_show"


def _boom(request):
    raise RuntimeError(f"database password {SECRET}")


def _forbidden(request):
    raise PermissionDenied(f"no: {SECRET}")


@ratelimit(key="ip", rate="1/h", block=True)
def _limited(request):
    from django.http import HttpResponse

    return HttpResponse("ok")


# The project's urls and error handlers, plus three views that fail.
urlpatterns = [
    path("test-errors/boom/", _boom),
    path("test-errors/forbidden/", _forbidden),
    path("test-errors/limited/", _limited),
    *project_urlpatterns,
]


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def failing(settings):
    """A client on this module's urls that gets error pages, not exceptions."""
    settings.ROOT_URLCONF = __name__
    return Client(raise_request_exception=False)


REQUEST_ID = re.compile(r"[0-9a-f]{32}")


def _looks_right(response, status: int, words: str):
    assert response.status_code == status
    html = response.content.decode()
    assert words in html, html[:2000]
    assert "Traceback" not in html and SECRET not in html
    assert 'href="/"' in html, "a way back"
    assert "/static/css/app.css" in html, "the product's look"
    request_id = response["X-Request-ID"]
    assert request_id and request_id in html, "the id support asks for"
    return html


def test_a_server_error_shows_the_page_with_the_request_id(failing):
    response = failing.get("/test-errors/boom/")
    _looks_right(response, 500, "Something went wrong on our side")


def test_the_server_error_is_logged_under_the_same_request_id(failing):
    """What support greps for: the id on the page is on the log line."""
    console = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        response = failing.get("/test-errors/boom/", HTTP_X_REQUEST_ID="support-ticket-4711")
    finally:
        console.setStream(previous)
    assert response["X-Request-ID"] == "support-ticket-4711"
    line = next(line for line in stream.getvalue().splitlines() if "Internal Server Error" in line)
    assert "support-ticket-4711" in line


def test_the_500_page_renders_with_no_request_and_no_context():
    """Django's server_error renders 500.html with an empty context; the
    failure may be in the database or a context processor."""
    html = loader.get_template("500.html").render()
    assert "Something went wrong on our side" in html and 'href="/"' in html


def test_an_unknown_page_is_a_404_page(failing):
    _looks_right(failing.get("/no/such/page/"), 404, "Page not found")


def test_another_organizations_member_is_the_same_404_page(client, cast):
    client.force_login(cast.admin)
    url = reverse("adminportal:member", args=[cast.org.slug, cast.other_member.pk])
    client.raise_request_exception = False
    html = _looks_right(client.get(url), 404, "Page not found")
    assert "Southgate" not in html


def test_permission_denied_is_a_403_page(failing):
    _looks_right(failing.get("/test-errors/forbidden/"), 403, "not allowed")


def test_a_stale_form_is_a_403_page_that_says_what_to_do(cast):
    """An expired session or an old tab: CSRF refuses it, in words."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    url = reverse("join:location", args=[cast.org.slug, cast.harbour.slug])
    html = _looks_right(client.post(url, {"first_name": "Jo"}), 403, "reload")
    assert "CSRF" not in html


def test_a_rate_limited_view_answers_429_with_the_page(failing):
    assert failing.get("/test-errors/limited/").status_code == 200
    _looks_right(failing.get("/test-errors/limited/"), 429, "Too many requests")


def test_the_login_rate_limit_answers_with_the_same_429_page(settings, cast):
    settings.ACCOUNT_RATE_LIMITS = {"login": "2/m/ip"}
    client = Client(raise_request_exception=False)
    url = reverse("account_login")
    for _ in range(3):
        response = client.post(url, {"login": cast.admin.email, "password": "wrong"})
    _looks_right(response, 429, "Too many requests")


def test_a_malformed_request_is_a_400_page(failing):
    response = failing.post(
        "/accounts/login/", b"--\r\nbroken", content_type="multipart/form-data; boundary="
    )
    _looks_right(response, 400, "could not be read")


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("0f4c1a2b-5d6e-4f70-8192-a3b4c5d6e7f8", True),  # a proxy's uuid
        ("a" * 32, True),
        ("", False),
        ("x" * 300, False),
        ("evil\r\nSet-Cookie: a=b", False),
        ("<script>", False),
    ],
)
def test_a_sane_incoming_request_id_is_kept_anything_else_replaced(failing, sent, kept):
    response = failing.get("/no/such/page/", HTTP_X_REQUEST_ID=sent)
    request_id = response["X-Request-ID"]
    if kept:
        assert request_id == sent
    else:
        assert REQUEST_ID.fullmatch(request_id)
    assert request_id in response.content.decode()


def test_every_response_carries_a_request_id(client, cast):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200 and REQUEST_ID.fullmatch(response["X-Request-ID"])


@pytest.mark.parametrize(
    ("path", "back", "words"),
    [
        ("/o/northwind/admin/no-such-page/", "/o/northwind/admin/", "Back to the admin portal"),
        ("/o/northwind/portal/nothing/", "/o/northwind/portal/", "Back to the member portal"),
        ("/o/northwind/join/nowhere/", "/", "Back to the start page"),
        ("/no/such/page/", "/", "Back to the start page"),
    ],
)
def test_the_way_back_leads_to_the_portal_the_page_was_in(failing, cast, path, back, words):
    """Issue 16: an error inside a portal offers that portal's start, and
    always the start page too; worked out from the path, no database."""
    html = _looks_right(failing.get(path), 404, "Page not found")
    assert f'<a class="button" href="{back}">{words}</a>' in html
