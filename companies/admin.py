from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from audit import log
from audit.models import Verb, Via
from organizations.admin import ObjectPermissionAdmin

from .models import Company, CompanyLocation, CompanyUserObjectPermission, ContactLocation


class CompanyLocationInline(admin.TabularInline):
    model = CompanyLocation
    fields = ("location", "created_at")
    readonly_fields = ("location", "created_at")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        # Locations are the operator's to change, through company_update
        # (members must stay at one of them); support reads them here.
        return False


@admin.register(Company)
class CompanyAdmin(GuardedModelAdmin):
    list_display = ("name", "organization", "contact_person", "billing_person", "archived_at")
    list_filter = ("organization", "locations", "archived_at")
    list_select_related = ("organization", "contact_person", "billing_person")
    search_fields = ("name", "email", "organization__name")
    raw_id_fields = ("contact_person", "billing_person")
    readonly_fields = ("created_at", "updated_at", "archived_at")
    inlines = [CompanyLocationInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Support may change the contact or billing person here: recorded,
        # and team access follows as for every role change (audit reaction).
        log.record(
            verb=Verb.COMPANY_ROLE_CHANGED if change else Verb.COMPANY_CREATED,
            via=Via.SUPPORT,
            actor=getattr(request, "user", None),
            subject=obj,
            after={"fields": sorted(form.changed_data) if form is not None else []},
        )


admin.site.register(CompanyUserObjectPermission, ObjectPermissionAdmin)


@admin.register(ContactLocation)
class ContactLocationAdmin(admin.ModelAdmin):
    list_display = ("member", "company", "location", "organization")
    list_filter = ("organization",)
    list_select_related = ("member", "company", "location", "organization")
    search_fields = ("member__email", "company__name", "location__name")
    readonly_fields = ("organization", "company", "member", "location")

    def has_add_permission(self, request):
        return False


@admin.register(CompanyLocation)
class CompanyLocationAdmin(admin.ModelAdmin):
    """Read-only: members must stay at one of their company's locations, so
    the operator changes them through company_update (the admin portal)."""

    list_display = ("company", "location", "organization", "created_at")
    list_filter = ("organization",)
    list_select_related = ("company", "location", "organization")
    search_fields = ("company__name", "location__name")
    readonly_fields = ("organization", "company", "location", "created_at")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
