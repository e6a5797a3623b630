"""An organization's logo on disk: checked and re-encoded like a member's
photo (uploads/images.py: header read before decoding, metadata dropped),
small, and the replaced ones deleted.

Each organization keeps its logos in ``organization-logos/<id>/`` under a
new random name each time, so the logo's URL changes with it and may be
cached for a year. Replacing or removing it empties the folder after the
transaction commits, by listing it: a file a rollback left there goes too.
"""

import posixpath
import secrets

from django.core.files.base import ContentFile

from uploads.images import PreparedImage, prepare_image

from .models import Organization

#: Shown at most 40 pixels high in the header and 200 wide in emails; twice
#: that for sharp screens, and a wide logo keeps its width.
LOGO_SIDE = 512
LOGO_MAX_BYTES = 2 * 1024 * 1024


def _field():
    return Organization._meta.get_field("logo")


def logo_folder(organization_id: int) -> str:
    return posixpath.join(str(_field().upload_to).rstrip("/"), str(organization_id))


def prepare_logo(upload) -> PreparedImage:
    """Check ``upload`` and re-encode it; ValidationError with a message for
    the admin otherwise (not PNG or JPG, too big, a bomb, not an image)."""
    return prepare_image(upload, side=LOGO_SIDE, what="logo", max_bytes=LOGO_MAX_BYTES)


def store_logo(organization: Organization, logo: PreparedImage) -> None:
    """Put ``logo`` in the organization's folder as its logo (the caller saves)."""
    name = f"{organization.pk}/{secrets.token_urlsafe(12)}.{logo.extension}"
    organization.logo.save(name, ContentFile(logo.content), save=False)


def delete_old_logos(organization_id: int) -> None:
    """Delete every file in the organization's folder but the logo it names
    now. Run after commit, reading the row then: of two quick changes, the
    one that committed last keeps its file."""
    storage = _field().storage
    folder = logo_folder(organization_id)
    try:
        _, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    current = Organization.objects.filter(pk=organization_id).values_list("logo", flat=True).first()
    for file in files:
        name = posixpath.join(folder, file)
        if name != current:
            storage.delete(name)
