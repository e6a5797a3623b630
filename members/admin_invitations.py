"""Django admin for invitations, join requests, attachments, transfers and
requests awaiting approval (R1.3). Read-only: these rows are written by the actions in members/."""

from django.contrib import admin

from .models import Attachment, Invitation, JoinRequest, LocationTransfer, StatusRequest, TeamMove


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    # token_hash stays out of sight: it is not the token, but there is no
    # reason for anyone to read it.
    list_display = ("member", "organization", "created_at", "expires_at", "used_at", "revoked_at")
    list_filter = ("organization",)
    list_select_related = ("member", "organization")
    search_fields = ("member__email", "member__first_name", "member__last_name")
    exclude = ("token_hash",)
    raw_id_fields = ("member", "invited_by")


@admin.register(JoinRequest)
class JoinRequestAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "email", "organization", "location", "state", "created_at")
    list_filter = ("state", "organization")
    list_select_related = ("organization", "location")
    search_fields = ("first_name", "last_name", "email", "company_name")


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ("name", "member", "organization", "content_type", "size", "created_at")
    list_filter = ("organization", "content_type")
    list_select_related = ("member", "organization")
    search_fields = ("name", "member__email", "member__last_name")
    raw_id_fields = ("member", "uploaded_by")


@admin.register(LocationTransfer)
class LocationTransferAdmin(ReadOnlyAdmin):
    list_display = ("member", "from_location", "to_location", "company_cleared", "created_at")
    list_filter = ("organization",)
    list_select_related = ("member", "from_location", "to_location")
    search_fields = ("member__email", "member__last_name", "company_cleared")
    raw_id_fields = ("member", "actor")


@admin.register(StatusRequest)
class StatusRequestAdmin(ReadOnlyAdmin):
    list_display = (
        "member",
        "organization",
        "kind",
        "from_status",
        "to_status",
        "decision",
        "created_at",
        "decided_at",
    )
    list_filter = ("decision", "kind", "organization")
    list_select_related = ("member", "organization")
    search_fields = ("member__email", "member__first_name", "member__last_name", "reason")
    raw_id_fields = ("member", "requested_by", "decided_by")


@admin.register(TeamMove)
class TeamMoveAdmin(ReadOnlyAdmin):
    """Whole-team moves (issue 14, item 3): read-only; undone from the admin portal."""

    list_display = (
        "company",
        "kind",
        "from_location",
        "to_location",
        "member_count",
        "created_at",
        "undone_at",
    )
    list_filter = ("kind", "organization")
    list_select_related = ("company", "from_location", "to_location")
    search_fields = ("company__name", "reason")
    raw_id_fields = ("company", "actor", "undone_by")
