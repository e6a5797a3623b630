from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import LoginSession, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "is_active", "is_staff", "date_joined", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("email",)
    readonly_fields = ("date_joined", "updated_at", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Audit", {"fields": ("date_joined", "updated_at", "last_login")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ("groups",)


@admin.register(LoginSession)
class LoginSessionAdmin(admin.ModelAdmin):
    """Who is logged in until when; deleting a row ends that session
    (the member's Deactivate ends all of a person's)."""

    list_display = ("session_key", "user_id", "expire_date")
    search_fields = ("=user_id",)
    readonly_fields = ("session_key", "user_id", "expire_date")
    exclude = ("session_data",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
