from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from organizations.admin import ObjectPermissionAdmin

from .models import Company, CompanyUserObjectPermission


@admin.register(Company)
class CompanyAdmin(GuardedModelAdmin):
    list_display = ("name", "organization", "location", "contact_person", "billing_person")
    list_filter = ("organization", "location")
    list_select_related = ("organization", "location", "contact_person", "billing_person")
    search_fields = ("name", "email", "organization__name")
    raw_id_fields = ("contact_person", "billing_person")
    readonly_fields = ("created_at", "updated_at")


admin.site.register(CompanyUserObjectPermission, ObjectPermissionAdmin)
