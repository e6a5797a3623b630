from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from audit import log
from audit.models import Verb, Via

from .models import Location, LocationUserObjectPermission, Organization, OrganizationAdmin
from .services import SETTINGS, organization_update_settings

AUDIT = ("created_at", "updated_at")


class LocationInline(admin.TabularInline):
    model = Location
    extra = 0
    fields = ("name", "slug", "address")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Organization)
class OrganizationModelAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "contacts_manage_team", "invitation_reminders", "created_at")
    list_filter = ("contacts_manage_team", "invitation_reminders", "auto_former_on_membership_end")
    search_fields = ("name", "slug")
    # The logo only through the Settings page's checks and re-encoding
    # (organizations/logo_files.py), never stored as uploaded.
    readonly_fields = (*AUDIT, "logo")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [LocationInline]

    def save_model(self, request, obj, form, change):
        """Settings go through ``organization_update_settings`` like the admin
        portal's Settings page, so whatever follows a setting (the team
        grants, R2.5) is written once, there. The rest saves as usual."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        saved = Organization.objects.get(pk=obj.pk)
        settings = {
            name: getattr(obj, name)
            for name in SETTINGS
            if name in form.changed_data and getattr(saved, name) != getattr(obj, name)
        }
        for name in settings:
            setattr(obj, name, getattr(saved, name))
        super().save_model(request, obj, form, change)
        if settings:
            # actor=None: support staff stand outside the organization's own
            # admin permissions (the entry is written as the system's).
            organization_update_settings(organization=obj, actor=None, via=Via.SUPPORT, **settings)


@admin.register(Location)
class LocationModelAdmin(GuardedModelAdmin):
    """Object permissions (who administers which location) are managed
    from the 'Object permissions' button on a location."""

    list_display = ("name", "organization", "slug", "created_at")
    list_filter = ("organization",)
    list_select_related = ("organization",)
    search_fields = ("name", "slug", "organization__name")
    readonly_fields = AUDIT


@admin.register(OrganizationAdmin)
class OrganizationAdminModelAdmin(admin.ModelAdmin):
    # A suspended role (its member record deactivated or removed) gives no
    # access; clearing suspended_at here gives it back (docs/invitations.md).
    list_display = ("user", "organization", "is_owner", "suspended_at", "created_at")
    list_filter = ("is_owner", ("suspended_at", admin.EmptyFieldListFilter), "organization")
    list_select_related = ("user", "organization")
    search_fields = ("user__email", "organization__name")
    autocomplete_fields = ("user",)
    readonly_fields = AUDIT

    def save_model(self, request, obj, form, change):
        before = {"is_owner": obj.is_owner, "suspended": obj.suspended_at is not None}
        if change:
            saved = OrganizationAdmin.objects.get(pk=obj.pk)
            before = {"is_owner": saved.is_owner, "suspended": saved.suspended_at is not None}
        super().save_model(request, obj, form, change)
        log.record(
            verb=Verb.ADMIN_PERMISSIONS_CHANGED,
            via=Via.SUPPORT,
            actor=getattr(request, "user", None),
            subject=obj,
            before=before if change else {},
            after={"is_owner": obj.is_owner, "suspended": obj.suspended_at is not None},
        )


class ObjectPermissionAdmin(admin.ModelAdmin):
    """Guardian rows, read-only: they are granted by actions, not by hand."""

    list_display = ("user", "permission", "content_object")
    list_select_related = ("user", "permission", "content_object")
    list_filter = ("permission",)
    search_fields = ("user__email",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(LocationUserObjectPermission, ObjectPermissionAdmin)
