from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from audit import log
from audit.models import Verb, Via
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
