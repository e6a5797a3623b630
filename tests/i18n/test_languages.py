"""Which language a page is in (issue 16, item 5): the login's own choice,
else the organization's default, else the browser's Accept-Language; the
organization's settings and My account set them."""

import pytest
from django.conf import settings
from django.urls import reverse

from audit.models import AuditEntry, Verb
from organizations.models import Organization

pytestmark = pytest.mark.django_db


def _german(org):
    Organization.objects.filter(pk=org.pk).update(language="de")


def test_a_portal_page_is_in_the_organizations_language(client, cast):
    _german(cast.org)
    client.force_login(cast.teammate.user)
    response = client.get(reverse("portal:account", args=[cast.org.slug]))
    page = response.content.decode()
    assert response["Content-Language"] == "de"
    assert "Mein Konto" in page and "My account" not in page
    assert "Profil speichern" in page


def test_the_persons_own_choice_wins(client, cast):
    _german(cast.org)
    user = cast.admin
    user.language = "es"
    user.save(update_fields=["language"])
    client.force_login(user)
    page = client.get(reverse("adminportal:settings", args=[cast.org.slug])).content.decode()
    assert "Ajustes" in page and "Einstellungen" not in page


def test_outside_an_organization_the_browser_decides(client):
    response = client.get(reverse("account_login"), headers={"accept-language": "de-DE,de;q=0.9"})
    assert response["Content-Language"] == "de"
    assert "Anmeldecode senden" in response.content.decode()
    assert "Accept-Language" in response["Vary"]
    response = client.get(reverse("account_login"), headers={"accept-language": "fr"})
    assert response["Content-Language"] == "en"


def test_a_language_no_one_chose_is_english(client, cast):
    client.force_login(cast.teammate.user)
    response = client.get(reverse("portal:account", args=[cast.org.slug]))
    assert response["Content-Language"] == "en"
    assert "My account" in response.content.decode()


def test_a_form_error_is_in_the_readers_language(client, cast):
    _german(cast.org)
    client.force_login(cast.teammate.user)
    response = client.post(
        reverse("portal:account", args=[cast.org.slug]),
        {"form": "profile", "first_name": "", "last_name": "X", "phone": ""},
    )
    assert "Dieses Feld ist zwingend erforderlich." in response.content.decode()


def test_my_account_sets_the_persons_language(client, cast):
    user = cast.teammate.user
    client.force_login(user)
    response = client.post(
        reverse("portal:account", args=[cast.org.slug]), {"form": "language", "language": "es"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "es"
    entry = AuditEntry.objects.get(verb=Verb.LANGUAGE_CHANGED)
    assert (entry.actor_id, entry.member_id, entry.after) == (
        user.pk,
        cast.teammate.pk,
        {"language": "es"},
    )
    page = client.get(response["Location"]).content.decode()
    assert "Tu idioma está guardado." in page and "Mi cuenta" in page
    # Blank: back to the space's default.
    client.post(
        reverse("portal:account", args=[cast.org.slug]), {"form": "language", "language": ""}
    )
    user.refresh_from_db()
    assert user.language == ""


def test_my_account_refuses_a_language_not_offered(client, cast):
    client.force_login(cast.teammate.user)
    response = client.post(
        reverse("portal:account", args=[cast.org.slug]), {"form": "language", "language": "fr"}
    )
    assert response.status_code == 200
    assert "fr" in response.content.decode()  # the field's error names the bad choice
    cast.teammate.user.refresh_from_db()
    assert cast.teammate.user.language == ""


def test_the_settings_page_sets_language_and_time_zone(client, cast):
    client.force_login(cast.owner)
    url = reverse("adminportal:settings", args=[cast.org.slug])
    response = client.post(
        url, {"form": "locale", "language": "de", "time_zone": "Europe/Berlin"}, follow=True
    )
    cast.org.refresh_from_db()
    assert (cast.org.language, cast.org.time_zone) == ("de", "Europe/Berlin")
    assert "Sprache und Zeitzone gespeichert." in response.content.decode()
    entry = AuditEntry.objects.get(verb=Verb.ORGANIZATION_SETTINGS_CHANGED)
    assert entry.after == {"language": "de", "time_zone": "Europe/Berlin"}


def test_the_settings_page_refuses_an_unknown_time_zone(client, cast):
    client.force_login(cast.owner)
    response = client.post(
        reverse("adminportal:settings", args=[cast.org.slug]),
        {"form": "locale", "language": "de", "time_zone": "Mars/Olympus"},
    )
    assert response.status_code == 200
    assert "Mars/Olympus" in response.content.decode()
    cast.org.refresh_from_db()
    assert cast.org.time_zone == "UTC"


def test_only_who_may_change_settings_sets_the_language(client, cast):
    client.force_login(cast.mill_admin)
    response = client.post(
        reverse("adminportal:settings", args=[cast.org.slug]),
        {"form": "locale", "language": "de", "time_zone": "Europe/Berlin"},
    )
    assert response.status_code == 403
    cast.org.refresh_from_db()
    assert cast.org.language == "en"


def test_a_request_leaves_its_language_behind_it(client, cast):
    """What runs next in the same thread (an eager task, a direct call) is
    not in the last reader's language: a Spanish page made a mass-invite
    check called right after it answer in Spanish."""
    from django.utils import translation

    _german(cast.org)
    client.force_login(cast.teammate.user)
    assert client.get(reverse("portal:account", args=[cast.org.slug]))["Content-Language"] == "de"
    assert translation.get_language() == settings.LANGUAGE_CODE
