"""The operator's brand (issue 16, item 3): name, logo and accent colour,
set on the Settings page, shown in both portals' header and colours.

The logo goes through the same checks as a member photo (uploads/images.py);
the accent through computed contrast (organizations/colours.py).
"""

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from audit.models import AuditEntry, Verb
from organizations.branding import DEFAULT_ACCENT, brand_of
from organizations.colours import (
    AA_TEXT,
    LIGHT_BACKGROUNDS,
    contrast,
    ink_on,
    text_beside,
    validate_hex_colour,
)
from organizations.logo_files import LOGO_SIDE, logo_folder, prepare_logo
from organizations.models import Organization
from organizations.services import organization_update_brand
from tests import factories as f
from tests.branding_helpers import LIGHT_ACCENT, logo_upload
from tests.members.test_photos import decompression_bomb, jpeg

hex_colours = st.integers(0, 0xFFFFFF).map(lambda n: f"#{n:06x}")


# ------------------------------------------------------------ the colours


def test_contrast_is_the_wcag_ratio():
    assert contrast("#ffffff", "#000000") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#2f5bd3", "#2f5bd3") == 1


@given(hex_colours)
def test_button_text_on_any_accent_reads(accent):
    assert contrast(ink_on(accent), accent) >= AA_TEXT


@given(hex_colours)
def test_the_accent_as_text_reads_on_every_light_background(accent):
    text = text_beside(accent)
    assert all(contrast(text, background) >= AA_TEXT for background in LIGHT_BACKGROUNDS)


def test_a_dark_accent_keeps_white_text_and_itself_as_link_colour():
    assert ink_on(DEFAULT_ACCENT) == "#ffffff"
    assert text_beside(DEFAULT_ACCENT) == DEFAULT_ACCENT


def test_a_light_accent_gets_black_text_and_darker_links():
    assert ink_on(LIGHT_ACCENT) == "#000000"
    darker = text_beside(LIGHT_ACCENT)
    assert darker != LIGHT_ACCENT
    assert contrast(darker, "#ffffff") >= AA_TEXT


@pytest.mark.parametrize("value", ["red", "#fff", "#12345g", "#1234567", "2f5bd3", "#2F5BD3 "])
def test_only_six_digit_hex_colours_pass(value):
    with pytest.raises(ValidationError):
        validate_hex_colour(value)


# ------------------------------------------------------------ the action


@pytest.fixture
def disk(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


def test_the_brand_is_changed_and_recorded(cast, django_capture_on_commit_callbacks, disk):
    with django_capture_on_commit_callbacks(execute=True):
        changed = organization_update_brand(
            organization=cast.org,
            actor=cast.owner,
            name="Northwind Coworking",
            accent_colour="#0B6E4F",
            logo=prepare_logo(logo_upload()),
        )
    assert sorted(changed) == ["accent_colour", "logo", "name"]
    org = Organization.objects.get(pk=cast.org.pk)
    assert (org.name, org.accent_colour) == ("Northwind Coworking", "#0b6e4f")
    assert org.logo.name.startswith(logo_folder(org.pk) + "/")
    entry = AuditEntry.objects.get(verb=Verb.ORGANIZATION_BRAND_CHANGED)
    assert entry.actor == cast.owner and entry.organization_id == org.pk
    assert entry.before == {"name": "Northwind", "accent_colour": "", "logo": ""}
    assert entry.after["accent_colour"] == "#0b6e4f" and entry.after["logo"] == org.logo.name


def test_a_replaced_logo_leaves_no_file_behind(cast, django_capture_on_commit_callbacks, disk):
    with django_capture_on_commit_callbacks(execute=True):
        organization_update_brand(
            organization=cast.org, actor=cast.owner, logo=prepare_logo(logo_upload())
        )
    first = Organization.objects.get(pk=cast.org.pk).logo.name
    with django_capture_on_commit_callbacks(execute=True):
        organization_update_brand(
            organization=cast.org, actor=cast.owner, logo=prepare_logo(logo_upload("b.png"))
        )
    second = Organization.objects.get(pk=cast.org.pk).logo.name
    assert first != second
    assert sorted(p.name for p in (disk / logo_folder(cast.org.pk)).iterdir()) == [
        second.rsplit("/", 1)[1]
    ]
    with django_capture_on_commit_callbacks(execute=True):
        organization_update_brand(organization=cast.org, actor=cast.owner, remove_logo=True)
    assert not list((disk / logo_folder(cast.org.pk)).iterdir())
    assert not Organization.objects.get(pk=cast.org.pk).logo


@pytest.mark.parametrize(
    "name", ["Evil\r\nBcc: victim@example.test", "Tab\there", "  ", "A\u2028B"]
)
def test_a_name_that_would_break_a_header_is_refused(cast, name):
    with pytest.raises(ValidationError):
        organization_update_brand(organization=cast.org, actor=cast.owner, name=name)
    assert Organization.objects.get(pk=cast.org.pk).name == "Northwind"


def test_a_bad_accent_is_refused_by_the_action(cast):
    with pytest.raises(ValidationError):
        organization_update_brand(organization=cast.org, actor=cast.owner, accent_colour="blue")


def test_an_admin_without_the_settings_permission_may_not(cast):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        organization_update_brand(organization=cast.org, actor=cast.admin, name="Mine now")


# ------------------------------------------------------------ the logo's checks


def test_a_logo_is_re_encoded_small():
    prepared = prepare_logo(logo_upload(size=(3000, 1200)))
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(prepared.content))
    assert max(image.size) == LOGO_SIDE and prepared.extension == "png"


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    bomb = SimpleUploadedFile("logo.png", decompression_bomb(), "image/png")
    with pytest.raises(ValidationError, match="30000×30000 pixels; a logo may be at most"):
        prepare_logo(bomb)


@pytest.mark.parametrize(
    "name, content",
    [
        ("logo.png", b"<html><script>alert(1)</script></html>"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),  # a PNG signature, nothing after
        ("logo.gif", b"GIF89a"),
    ],
)
def test_what_is_not_a_png_or_jpeg_is_refused(name, content):
    with pytest.raises(ValidationError):
        prepare_logo(SimpleUploadedFile(name, content))


def test_a_logo_over_the_size_cap_is_refused():
    big = SimpleUploadedFile("logo.jpg", jpeg(50, 50) + b"\x00" * (2 * 1024 * 1024))
    with pytest.raises(ValidationError, match="the limit is 2 MB"):
        prepare_logo(big)


# ------------------------------------------------------------ the Settings page


def _post(client, cast, **data):
    fields = {"name": cast.org.name, "accent_colour": "", **data}
    return client.post(reverse("adminportal:brand", args=[cast.org.slug]), fields, follow=True)


def test_an_owner_brands_the_portals_from_the_settings_page(client, cast, disk):
    client.force_login(cast.owner)
    response = _post(
        client, cast, name="Northwind Coworking", accent_colour="#F5C400", logo=logo_upload()
    )
    assert response.status_code == 200
    assert "Brand saved." in response.content.decode()
    org = Organization.objects.get(pk=cast.org.pk)
    assert org.name == "Northwind Coworking" and org.accent_colour == "#f5c400" and org.logo
    page = response.content.decode()
    brand = brand_of(org)
    # The header: logo and name; the colours as custom properties.
    assert f'<img src="{brand.logo_path}" alt="" height="32">' in page
    assert "<span>Northwind Coworking</span>" in page
    assert re.search(
        rf"--accent: #f5c400; --accent-ink: #000000; --accent-text: {brand.accent_text};", page
    )
    assert "<script>" not in page.split("</head>")[0].split("<style>")[1]


def test_the_member_portal_wears_the_brand_too(client, cast):
    organization_update_brand(organization=cast.org, actor=None, accent_colour="#0b6e4f")
    client.force_login(cast.teammate.user)
    page = client.get(reverse("portal:home", args=[cast.org.slug])).content.decode()
    assert "--accent: #0b6e4f;" in page and "<span>Northwind</span>" in page


def test_without_a_brand_the_defaults_stay_and_no_style_is_added(client, cast):
    client.force_login(cast.teammate.user)
    page = client.get(reverse("portal:home", args=[cast.org.slug])).content.decode()
    assert "<style>" not in page and "<span>Northwind</span>" in page


def test_the_product_name_is_only_the_fallback(client, db):
    page = client.get(reverse("account_login")).content.decode()
    assert "Flex Community" in page


@pytest.mark.parametrize(
    "data, message",
    [
        ({"accent_colour": "gold"}, "Enter a colour as # and six hexadecimal digits"),
        ({"name": "Two\nlines"}, "Keep this on one line"),
        ({"name": "\u200b\u200b"}, "Type at least one visible character"),
    ],
)
def test_the_form_says_what_is_wrong(client, cast, data, message):
    client.force_login(cast.owner)
    response = _post(client, cast, **data)
    assert message in response.content.decode()
    assert Organization.objects.get(pk=cast.org.pk).name == "Northwind"
    assert not AuditEntry.objects.filter(verb=Verb.ORGANIZATION_BRAND_CHANGED).exists()


def test_a_bomb_uploaded_as_the_logo_gets_a_message(client, cast):
    client.force_login(cast.owner)
    bomb = SimpleUploadedFile("logo.png", decompression_bomb(), "image/png")
    response = _post(client, cast, logo=bomb)
    assert "a logo may be at most" in response.content.decode()
    assert not Organization.objects.get(pk=cast.org.pk).logo


def test_an_admin_without_the_permission_gets_403(client, cast):
    client.force_login(cast.admin)
    response = _post(client, cast, name="Taken over")
    assert response.status_code == 403
    assert Organization.objects.get(pk=cast.org.pk).name == "Northwind"


def test_the_settings_page_shows_the_brand_form_read_only_to_other_admins(client, cast):
    client.force_login(cast.admin)
    page = client.get(reverse("adminportal:settings", args=[cast.org.slug])).content.decode()
    assert 'name="accent_colour"' in page and "Save the brand" not in page


# ------------------------------------------------------------ the logo's URL


def test_the_logo_is_served_to_anyone_under_its_current_name_only(client, cast):
    organization_update_brand(organization=cast.org, actor=None, logo=prepare_logo(logo_upload()))
    path = brand_of(Organization.objects.get(pk=cast.org.pk)).logo_path
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "immutable" in response["Cache-Control"]
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert client.get(path.replace(".png", "x.png")).status_code == 404
    other = reverse("organization_logo", args=[cast.other_org.slug, path.rsplit("/", 1)[1]])
    assert client.get(other).status_code == 404


def test_the_invitation_link_opens_in_the_operator_brand(
    client, cast, django_capture_on_commit_callbacks
):
    from members.actions.invitations import member_invite
    from tests.invitation_helpers import last_link

    organization_update_brand(organization=cast.org, actor=None, accent_colour="#0b6e4f")
    member = f.MemberFactory(location=cast.harbour, email="gina@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        member_invite(member=member, actor=cast.admin)
    path, _ = last_link("gina@example.test")
    page = client.get(path).content.decode()
    assert "<span>Northwind</span>" in page and "--accent: #0b6e4f;" in page
