"""Files about people, served only to those who may see them (R5.1)."""

import mimetypes

from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from members.models import Member
from members.photos import may_see_photo


@require_GET
def member_photo(request, pk):
    """A member's photo, to the people ``may_see_photo`` lets through; a
    404 for everyone else (it does not confirm the member exists)."""
    member = (
        Member.objects.filter(organization=request.organization, pk=pk)
        .select_related("organization")
        .first()
    )
    if member is None or not member.photo or not may_see_photo(user=request.user, member=member):
        raise Http404("No such photo.")
    content_type = mimetypes.guess_type(member.photo.name)[0] or "application/octet-stream"
    if content_type not in ("image/png", "image/jpeg"):
        # Uploads are checked to be PNG or JPG; anything else is not shown.
        raise Http404("No such photo.")
    try:
        photo = member.photo.open("rb")
    except FileNotFoundError:
        # Named but gone (deleted by hand, a restore without the files).
        raise Http404("No such photo.") from None
    response = FileResponse(photo, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
