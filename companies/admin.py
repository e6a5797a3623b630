from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from organizations.admin import ObjectPermissionAdmin

from .models import Company, CompanyUserObjectPermission
from .team_access import sync_team_access


@admin.register(Company)
class CompanyAdmin(GuardedModelAdmin):
    list_display = ("name", "organization", "location", "contact_person", "billing_person")
    list_filter = ("organization", "location")
    list_select_related = ("organization", "location", "contact_person", "billing_person")
    search_fields = ("name", "email", "organization__name")
    raw_id_fields = ("contact_person", "billing_person")
    readonly_fields = ("created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Support may change the contact or billing person here; the team
        # management grant must follow as it does for company_set_roles.
        sync_team_access(obj)


admin.site.register(CompanyUserObjectPermission, ObjectPermissionAdmin)
