"""Admin portal: files attached to a member's record (R5.1)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.actions.personal_data import attachment_add, attachment_delete
from members.forms.attachments import AttachmentForm
from members.models import Attachment
from members.selectors import members_for_admin
from organizations.decorators import admin_portal_view
from tenancy.scoping import scoped

from ._shared import _error_text, _member, _to_member


@require_POST
@admin_portal_view
def attachment_upload(request, pk):
    member = _member(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach (PDF, PNG or JPG, up to 10 MB)."))
        return _to_member(request, member)
    try:
        attachment = attachment_add(
            member=member, actor=request.user, upload=form.cleaned_data["file"]
        )
    except (ValidationError, PermissionDenied) as refused:
        messages.error(request, _error_text(refused))
    else:
        messages.success(request, _("Attached %(attachment)s.") % {"attachment": attachment.name})
    return _to_member(request, member)


def _attachment(request, pk) -> Attachment:
    return get_object_or_404(
        scoped(Attachment, request.organization)
        .filter(member__in=members_for_admin(user=request.user, organization=request.organization))
        .select_related("member"),
        pk=pk,
    )


@admin_portal_view
def attachment_download(request, pk):
    attachment = _attachment(request, pk)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@admin_portal_view
def attachment_delete_view(request, pk):
    attachment = _attachment(request, pk)
    member = attachment.member
    try:
        attachment_delete(attachment=attachment, actor=request.user)
    except PermissionDenied as denied:
        messages.error(request, str(denied))
    else:
        messages.success(request, _("Deleted %(attachment)s.") % {"attachment": attachment.name})
    return _to_member(request, member)
