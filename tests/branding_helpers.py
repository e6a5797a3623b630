"""An operator's brand for tests: a logo file and an accent that needs the
portals' contrast handling (too light for white text or for links)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

#: Gold: white text on it is 1.6:1, and as link text on white 1.6:1.
LIGHT_ACCENT = "#f5c400"


def logo_upload(name="logo.png", size=(300, 120)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGBA", size, (20, 90, 160, 255)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), "image/png")
