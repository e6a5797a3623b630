"""Member photos (R5.1, R5.3): checked before they are decoded, stored
re-encoded without their metadata, and gone when replaced or erased.

Files are written to a real FileSystemStorage in a temporary folder, so
"gone" means gone from the disk.
"""

import io
import os
import struct
import time
import zlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import ExifTags, Image

from members.models import Member
from tests import factories as f

pytestmark = pytest.mark.django_db


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


def _files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def decompression_bomb(width=30_000, height=30_000) -> bytes:
    """A valid greyscale PNG of ``width``×``height`` black pixels (the issue's:
    875 KB on the wire, 900 MB decoded). Built from one deflate block of 100
    zero rows repeated, so it takes milliseconds, not a 900 MB compression."""
    rows = 100
    zero_rows = b"\x00" * ((width + 1) * rows)  # each row: filter byte + pixels
    compressor = zlib.compressobj(9)
    first = compressor.compress(zero_rows) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zero_rows) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert first[2:] == block and height % rows == 0
    adler = (((width + 1) * height % 65521) << 16) | 1  # Adler-32 of all zeros
    idat = first[:2] + block * (height // rows) + b"\x03\x00" + struct.pack(">I", adler)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def test_the_bomb_is_what_it_says():
    small = decompression_bomb(3000, 3000)
    image = Image.open(io.BytesIO(small))
    image.load()
    assert image.size == (3000, 3000) and image.getextrema() == (0, 0)
    assert 800_000 < len(decompression_bomb()) < 1_000_000


def jpeg(width, height, *, gps=False, orientation=None, colour=(200, 30, 30), comment=b"") -> bytes:
    image = Image.new("RGB", (width, height), colour)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    if gps:
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (52.0, 22.0, 5.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (4.0, 53.0, 30.0),
        }
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90, comment=comment)
    return out.getvalue()


def png(width=64, height=64, mode="RGBA") -> bytes:
    out = io.BytesIO()
    image = Image.new(mode, (width, height), (10, 120, 200, 128) if mode == "RGBA" else 0)
    image.save(out, "PNG", pnginfo=None)
    return out.getvalue()


def _upload(client, member, name, content, org=None):
    client.force_login(member.user)
    org = org or member.organization
    return client.post(
        reverse("portal:account", args=[org.slug]),
        {
            "form": "profile",
            "first_name": member.first_name,
            "photo": SimpleUploadedFile(name, content),
        },
    )


def _stored(member) -> Image.Image:
    member.refresh_from_db()
    with default_storage.open(member.photo.name, "rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        image.load()
    return image


def test_a_decompression_bomb_is_refused_before_it_is_decoded(client, cast, disk):
    started = time.monotonic()
    response = _upload(client, cast.teammate, "bomb.png", decompression_bomb())
    assert response.status_code == 200
    errors = response.context["profile_form"].errors["photo"]
    assert "30000×30000" in errors[0], errors
    assert time.monotonic() - started < 10  # it was not decoded (900 MB)
    cast.teammate.refresh_from_db()
    assert not cast.teammate.photo and _files(disk) == []


@pytest.mark.parametrize(("width", "height"), [(12_000, 10), (10, 12_000), (9000, 9000)])
def test_images_over_the_dimension_limits_are_refused(client, cast, disk, width, height):
    response = _upload(client, cast.teammate, "wide.png", png(width, height, mode="L"))
    assert response.status_code == 200
    assert f"{width}×{height}" in response.context["profile_form"].errors["photo"][0]
    assert _files(disk) == []


def test_a_truncated_image_is_refused_with_a_message(client, cast, disk):
    broken = jpeg(400, 300)[:600]
    response = _upload(client, cast.teammate, "me.jpg", broken)
    assert response.status_code == 200
    assert "could not be read" in response.context["profile_form"].errors["photo"][0]
    assert _files(disk) == []


def test_a_phone_photo_is_stored_smaller_upright_and_without_its_location(client, cast, disk):
    # 4000×3000 as the sensor saw it, "rotate 90°" in EXIF: a portrait photo.
    upload = jpeg(4000, 3000, gps=True, orientation=6, comment=b"At 1 Secret Lane")
    assert b"GPS" in upload or Image.open(io.BytesIO(upload)).getexif().get_ifd(0x8825)
    assert _upload(client, cast.teammate, "IMG_0001.JPG", upload).status_code == 302
    image = _stored(cast.teammate)
    assert image.format == "JPEG"
    width, height = image.size
    assert height > width, "the EXIF orientation is applied before it is dropped"
    assert max(width, height) <= 2048
    exif = image.getexif()
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo) and ExifTags.Base.Make not in exif
    assert "exif" not in image.info and "comment" not in image.info


def test_a_png_stays_a_png_with_its_transparency(client, cast, disk):
    assert _upload(client, cast.teammate, "me.png", png()).status_code == 302
    image = _stored(cast.teammate)
    assert image.format == "PNG" and image.mode == "RGBA" and image.size == (64, 64)


def test_replacing_a_photo_deletes_the_old_file(
    client, cast, disk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, cast.teammate, "first.jpg", jpeg(300, 300))
    cast.teammate.refresh_from_db()
    first = cast.teammate.photo.name
    assert _files(disk) == [first]
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, cast.teammate, "second.jpg", jpeg(300, 300, colour=(0, 0, 255)))
    cast.teammate.refresh_from_db()
    assert cast.teammate.photo.name != first
    assert _files(disk) == [cast.teammate.photo.name]


def test_removing_a_photo_deletes_the_file(client, cast, disk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, cast.teammate, "me.jpg", jpeg(300, 300))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("portal:account", args=[cast.org.slug]),
            {"form": "profile", "first_name": "Tess", "remove_photo": "on"},
        )
    cast.teammate.refresh_from_db()
    assert not cast.teammate.photo and _files(disk) == []


def test_account_deletion_removes_every_photo_the_person_ever_had(
    client, cast, disk, django_capture_on_commit_callbacks
):
    person = cast.teammate
    elsewhere = f.PortalMemberFactory(
        location=cast.other_location, user=person.user, email=person.email, first_name="Tess"
    )
    other = cast.contact  # someone else's photo stays
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, other, "carla.jpg", jpeg(200, 200))
        for colour in ((1, 2, 3), (4, 5, 6), (7, 8, 9)):
            _upload(client, person, "me.jpg", jpeg(200, 200, colour=colour))
    # A file the person's folder kept from before (a crash between writing
    # the new photo and deleting the old one, or an older version of this code).
    person.refresh_from_db()
    folder = os.path.dirname(person.photo.name)
    default_storage.save(f"{folder}/left-behind.png", io.BytesIO(png()))
    elsewhere.refresh_from_db()
    assert elsewhere.photo  # one login, one photo: every record of the person has it
    other.refresh_from_db()
    assert len(_files(disk)) >= 4

    client.force_login(person.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:account_delete", args=[cast.org.slug]), {"confirm": "delete"}
        )
    assert response.status_code == 302
    assert _files(disk) == [other.photo.name]


def test_the_tidy_command_refiles_loose_photos_and_deletes_orphans(
    client, cast, disk, django_capture_on_commit_callbacks
):
    """Before photos had a folder per member, a replaced or erased photo was
    left in member-photos/ with nothing pointing at it, and photos were kept
    as uploaded. The command re-encodes each loose photo into its member's
    folder (a bomb is removed), and deletes files no member names, except
    very new ones (an upload in flight)."""
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, cast.contact, "carla.jpg", jpeg(200, 200))
    cast.contact.refresh_from_db()
    phone_photo = io.BytesIO(jpeg(3000, 2000, gps=True))
    loose = default_storage.save("member-photos/billing.jpg", phone_photo)
    Member.objects.filter(pk=cast.billing.pk).update(photo=loose)
    bomb = default_storage.save("member-photos/bomb.png", io.BytesIO(decompression_bomb()))
    Member.objects.filter(pk=cast.teammate.pk).update(photo=bomb)
    orphan = default_storage.save("member-photos/me_a1b2c3.png", io.BytesIO(png()))
    fresh = default_storage.save("member-photos/uploading.png", io.BytesIO(png()))
    old = time.time() - 3 * 3600
    for name in (orphan, loose, bomb):
        os.utime(disk / name, (old, old))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("tidy_member_photos", stdout=io.StringIO())

    cast.billing.refresh_from_db()
    cast.teammate.refresh_from_db()
    assert cast.billing.photo.name.startswith(f"member-photos/{cast.billing.pk}/")
    image = _stored(cast.billing)
    assert max(image.size) <= 2048 and not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not cast.teammate.photo
    assert _files(disk) == sorted([cast.contact.photo.name, cast.billing.photo.name, fresh])
    # Again: nothing more to do.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("tidy_member_photos", stdout=io.StringIO())
    assert _files(disk) == sorted([cast.contact.photo.name, cast.billing.photo.name, fresh])


def test_a_photo_whose_file_is_gone_is_a_404_not_a_500(client, cast, disk):
    Member.objects.filter(pk=cast.teammate.pk).update(photo="member-photos/gone.jpg")
    client.force_login(cast.teammate.user)
    url = reverse("member_photo", args=[cast.org.slug, cast.teammate.pk])
    assert client.get(url).status_code == 404


def test_support_cannot_upload_an_unchecked_photo_in_django_admin(client, cast):
    client.force_login(f.StaffFactory())
    page = client.get(reverse("admin:members_member_change", args=[cast.teammate.pk]))
    assert page.status_code == 200 and 'name="photo"' not in page.content.decode()
