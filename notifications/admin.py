from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "message",
        "recipient",
        "organization",
        "kind",
        "resolution",
        "read_at",
        "created_at",
    )
    list_filter = ("kind", "resolution", "organization")
    list_select_related = ("recipient", "organization")
    search_fields = ("message", "recipient__email", "member__email")
    raw_id_fields = ("member", "actor", "status_change", "recipient", "resolved_by")
    readonly_fields = ("created_at", "read_at")
