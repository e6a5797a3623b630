from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is written by the actions, never by hand."""

    list_display = ("created_at", "organization", "verb", "actor_label", "via", "member_id")
    list_filter = ("verb", "via")
    search_fields = ("request_id",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
