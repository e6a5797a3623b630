"""The operator's logo, for both portals' header and every email (read by
mail clients with no login, so served to anyone)."""

import posixpath

from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET


@require_GET
def organization_logo(request, name):
    """The organization's current logo. Each upload has a new random name
    (organizations/logo_files.py), so a name is the same image for ever and
    may be cached that long; a replaced one is a 404."""
    logo = request.organization.logo
    if not logo or posixpath.basename(logo.name) != name:
        raise Http404("No such logo.")
    content_type = {"png": "image/png", "jpg": "image/jpeg"}.get(name.rsplit(".", 1)[-1])
    if content_type is None:
        raise Http404("No such logo.")
    try:
        file = logo.open("rb")
    except FileNotFoundError:
        raise Http404("No such logo.") from None
    response = FileResponse(file, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
