"""An uploaded image made safe to keep: checked before it is decoded, and
stored as a fresh encoding (member photos, R5.1; an organization's logo).

- The dimensions the file claims are read from its header first: a PNG of
  875 KB may decode to 900 MB (30000×30000). Over MAX_SIDE or MAX_PIXELS it
  is refused with a message, never decoded; Pillow's own decompression-bomb
  guard stays on behind this check.
- What is stored is a fresh encoding at most ``side`` pixels a side: the
  upload's metadata (EXIF: GPS position, camera, time) is dropped, its
  orientation applied first so the image stays upright. A PNG stays a PNG
  (transparency), a JPEG a JPEG.
"""

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, JpegImagePlugin, PngImagePlugin

from .checks import IMAGE_KINDS, MAX_UPLOAD_BYTES, check_upload

#: A 48 or 50 megapixel phone photo (8160×6120) passes; beyond that an image
#: is not worth the memory it takes to decode.
MAX_PIXELS = 50_000_000
MAX_SIDE = 10_000
JPEG_QUALITY = 85

_HEADER_READERS = {"png": PngImagePlugin.PngImageFile, "jpeg": JpegImagePlugin.JpegImageFile}
_FORMATS = {"png": "PNG", "jpeg": "JPEG"}


@dataclass
class PreparedImage:
    content: bytes
    extension: str  # "png" or "jpg"


def prepare_image(
    upload, *, side: int, what: str = "image", max_bytes: int = MAX_UPLOAD_BYTES
) -> PreparedImage:
    """Check ``upload`` (an UploadedFile or an open file with a ``name``) and
    re-encode it at most ``side`` pixels a side; ValidationError with a
    message for the person otherwise. ``what`` names it in that message
    ("photo", "logo")."""
    content_type = check_upload(upload, kinds=IMAGE_KINDS, max_bytes=max_bytes)
    kind = "png" if content_type == "image/png" else "jpeg"
    unreadable = ValidationError(
        _("“%(upload)s” could not be read as a %(kind)s image. Upload another %(what)s.")
        % {"upload": upload.name, "kind": kind.upper(), "what": what}
    )
    upload.seek(0)
    try:
        # The header only: Image.open would refuse a bomb without saying how big.
        width, height = _HEADER_READERS[kind](upload).size
    except (OSError, SyntaxError, ValueError) as error:
        raise unreadable from error
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise ValidationError(
            _(
                "“%(upload)s” is %(width)s×%(height)s pixels; a %(what)s may "
                "be at most %(max_side)s pixels a side and %(max_pixels)s "
                "megapixels. Upload a smaller copy."
            )
            % {
                "upload": upload.name,
                "width": width,
                "height": height,
                "what": what,
                "max_side": format(MAX_SIDE, ","),
                "max_pixels": MAX_PIXELS // 1_000_000,
            }
        )
    upload.seek(0)
    try:
        with Image.open(upload, formats=[_FORMATS[kind]]) as image:
            return _reencoded(image, kind, side)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise unreadable from error


def _reencoded(image: Image.Image, kind: str, side: int) -> PreparedImage:
    icc_profile = image.info.get("icc_profile")  # colours, not personal data
    image.draft("RGB", (side, side))  # a JPEG decodes at 1/2..1/8 size
    upright = ImageOps.exif_transpose(image)
    upright.thumbnail((side, side))
    if kind == "png":
        has_alpha = upright.mode in ("RGBA", "LA") or "transparency" in upright.info
        final = upright.convert("RGBA" if has_alpha else "RGB")
        image_format, extension, options = "PNG", "png", {}
    else:
        final = upright.convert("RGB")
        image_format, extension, options = "JPEG", "jpg", {"quality": JPEG_QUALITY}
    # Nothing of the upload's metadata: Pillow would copy a JPEG's comment.
    final.info = {}
    out = io.BytesIO()
    final.save(out, image_format, icc_profile=icc_profile, **options)
    return PreparedImage(out.getvalue(), extension)
