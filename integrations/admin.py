"""Support staff's view of the pipeline (R1.3). Credentials never appear:
only the hints (last four characters)."""

from django.contrib import admin

from .models import Connection, Delivery, OutboxEvent, RemoteAddress


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "organization", "enabled", "updated_at"]
    list_filter = ["kind", "enabled", "organization"]
    search_fields = ["name", "base_url", "organization__name"]
    list_select_related = ["organization"]
    fields = [
        "organization",
        "kind",
        "name",
        "base_url",
        "enabled",
        "credential_hints_display",
        # A remote that grants a customer more (or less) than its documented rate.
        "rate_limit_requests",
        "rate_limit_seconds",
        "paused_until",
    ]
    readonly_fields = [
        "paused_until",
        "organization",
        "kind",
        "credential_hints_display",
        "created_at",
        "updated_at",
    ]

    @admin.display(description="Credentials")
    def credential_hints_display(self, obj):
        return ", ".join(f"{k}: {v}" for k, v in obj.credential_hints().items()) or "—"

    def has_add_permission(self, request):
        return False  # admins connect systems in the admin portal, with their secrets


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["id", "event", "member_ref", "organization", "created_at", "processed_at"]
    list_filter = ["event", "organization"]
    search_fields = ["=member_ref", "payload__email"]
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]
    list_select_related = ["organization"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "connection", "member_ref", "status", "attempts", "next_attempt_at"]
    list_filter = ["status", "connection__kind", "organization"]
    search_fields = ["=member_ref", "last_error", "connection__name"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    list_select_related = ["connection"]
    raw_id_fields = ["event", "member"]


@admin.register(RemoteAddress)
class RemoteAddressAdmin(admin.ModelAdmin):
    list_display = ["email", "connection", "member_ref", "first_sent_at", "last_sent_at"]
    list_filter = ["connection__kind", "organization"]
    search_fields = ["=member_ref", "email", "connection__name"]
    readonly_fields = [f.name for f in RemoteAddress._meta.fields]
    list_select_related = ["connection"]

    def has_add_permission(self, request):
        return False  # written by delivery attempts only
