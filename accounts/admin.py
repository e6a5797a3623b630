from allauth.mfa.admin import AuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from .emails import address_record
from .models import LoginSession, User
from .sessions import end_sessions

# Sessions are not listed anywhere here (issue 10, item 5): a session key is
# the login itself, and the admin's change URL would carry it. Support sees
# how many live sessions a login has, and ends them with an action that is
# written to the admin's history. Acting as a user is not offered.


def _sessions(n: int) -> str:
    return f"{n} live session" + ("" if n == 1 else "s")


def _live_sessions():
    live = (
        LoginSession.objects.filter(user_id=OuterRef("pk"), expire_date__gt=timezone.now())
        .order_by()
        .values("user_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(live), 0)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "is_active", "is_staff", "date_joined", "last_login", "live_sessions")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("email",)
    readonly_fields = ("date_joined", "updated_at", "last_login", "live_sessions")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Audit", {"fields": ("date_joined", "updated_at", "last_login", "live_sessions")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ("groups",)
    actions = ["end_all_sessions"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(live_session_count=_live_sessions())

    @admin.display(description=_("Live sessions"))
    def live_sessions(self, obj):
        count = getattr(obj, "live_session_count", None)
        if count is None:  # the change page of a row read without the annotation
            count = LoginSession.objects.filter(
                user_id=obj.pk, expire_date__gt=timezone.now()
            ).count()
        return count

    @admin.action(description=_("End all sessions of the selected logins"))
    def end_all_sessions(self, request, queryset):
        total = 0
        for user in queryset:
            ended = end_sessions(user)
            total += ended
            # Django admin's history is the record of what support did.
            self.log_change(request, user, f"Ended {_sessions(ended)}.")
        messages.success(request, _("Ended %(sessions)s.") % {"sessions": _sessions(total)})

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            # Like every new login: its address unproven until a code is typed.
            address_record(obj)


class SecretlessAuthenticatorAdmin(AuthenticatorAdmin):
    """Second factors (accounts/mfa.py): support may delete a lost one (the
    staff member sets up a new one at their next visit to /support/); the
    secret it holds is never shown."""

    exclude = ("data",)
    readonly_fields = ("user", "type", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.unregister(Authenticator)
admin.site.register(Authenticator, SecretlessAuthenticatorAdmin)
