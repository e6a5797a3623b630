"""Checks for files people upload: attachments, photos (R5.1) and logos.

The extension says what the uploader claims; the first bytes say what the
file is. Both must agree with the allowed types, so a renamed executable or
an HTML page called ``id.pdf`` is refused.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = 10 * 1024 * 1024

# extension → (content type, signature the file must start with)
KINDS = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
}
ATTACHMENT_KINDS = ("pdf", "png", "jpg", "jpeg")
IMAGE_KINDS = ("png", "jpg", "jpeg")


def check_upload(upload, *, kinds=ATTACHMENT_KINDS, max_bytes=MAX_UPLOAD_BYTES) -> str:
    """Validate ``upload`` (an UploadedFile); return its content type."""
    names = ", ".join(sorted({k.upper() for k in kinds if k != "jpeg"}))
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if extension not in kinds:
        raise ValidationError(
            _("“%(upload)s” is not an allowed file type. Upload %(names)s.")
            % {"upload": upload.name, "names": names}
        )
    if upload.size > max_bytes:
        raise ValidationError(
            _("“%(upload)s” is %(size)s MB; the limit is %(max_bytes)s MB.")
            % {
                "upload": upload.name,
                "size": format(upload.size / 1024 / 1024, ".1f"),
                "max_bytes": max_bytes // 1024 // 1024,
            }
        )
    if upload.size == 0:
        raise ValidationError(_("“%(upload)s” is empty.") % {"upload": upload.name})
    content_type, signatures = KINDS[extension]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in signatures):
        raise ValidationError(
            _("“%(upload)s” does not look like a %(extension)s file. Upload %(names)s.")
            % {"upload": upload.name, "extension": extension.upper(), "names": names}
        )
    return content_type
