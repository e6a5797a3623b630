from django import forms
from django.contrib import admin
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext as _

from companies.models import Company
from members.actions.records import member_delete, member_edited

from .models import Member, Membership, Plan, StatusChange

AUDIT = ("created_at", "updated_at")


class StatusHistoryFormSet(BaseInlineFormSet):
    @classmethod
    def get_default_prefix(cls):
        # The history's name on the member, whatever its table is called.
        return "status_changes"


class StatusChangeInline(admin.TabularInline):
    """History is written only by members.actions.status.member_change_status."""

    model = StatusChange
    formset = StatusHistoryFormSet
    extra = 0
    can_delete = False
    fields = ("created_at", "from_status", "to_status", "actor", "via", "reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class MemberAdminForm(forms.ModelForm):
    # Meta (model, fields) comes from MemberAdmin.

    def clean_company(self):
        company = self.cleaned_data.get("company")
        if self.instance.pk and self.instance.company_id not in (
            None,
            getattr(company, "pk", None),
        ):
            held = Company.objects.filter(
                Q(contact_person=self.instance) | Q(billing_person=self.instance),
                pk=self.instance.company_id,
            ).first()
            if held is not None:
                # The database refuses a contact/billing person outside the
                # company; say so here instead of failing at commit.
                raise forms.ValidationError(
                    _(
                        "%(full_name)s is the contact or billing person of %(held)s. "
                        "Choose someone else for %(held)s first."
                    )
                    % {"full_name": self.instance.full_name, "held": held.name}
                )
        return company


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    form = MemberAdminForm
    list_display = (
        "__str__",
        "email",
        "organization",
        "location",
        "company",
        "status",
        "portal_access",
    )
    list_filter = ("status", "portal_access", "organization", "location", "is_manager")
    list_select_related = ("organization", "location", "company")
    search_fields = ("first_name", "last_name", "email", "company__name")
    raw_id_fields = ("company", "user", "location")
    # Status changes go through the action so that history and integrations
    # see them; support staff change it from the admin portal.
    # The photo is the person's own (R5.1), and only members/photo_files.py
    # stores one: checked, re-encoded, in the member's folder.
    readonly_fields = ("status", "photo", "added_by", "added_via", *AUDIT)
    inlines = [StatusChangeInline]

    def save_model(self, request, obj, form, change):
        previous_company_id = form.initial.get("company")  # None when adding
        if not change:
            # Support staff added it here, not through an action: say who.
            obj.added_by = request.user
        super().save_model(request, obj, form, change)
        member_edited(
            member=obj,
            actor=getattr(request, "user", None),
            previous_company_id=previous_company_id,
            changed=form.changed_data if form is not None else (),
        )

    def delete_model(self, request, obj):
        member_delete(member=obj, actor=getattr(request, "user", None))

    def delete_queryset(self, request, queryset):
        for member in queryset:
            member_delete(member=member, actor=getattr(request, "user", None))


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    list_display = ("member", "from_status", "to_status", "via", "actor", "created_at")
    list_filter = ("via", "organization")
    list_select_related = ("member", "actor")
    search_fields = ("member__first_name", "member__last_name", "member__email", "reason")
    readonly_fields = (
        "organization",
        "member",
        "from_status",
        "to_status",
        "actor",
        "via",
        "reason",
        "created_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "location", "price", "billing_period", "archived_at")
    list_filter = ("organization",)
    list_select_related = ("organization", "location")
    search_fields = ("name",)
    readonly_fields = AUDIT


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("plan", "member", "company", "start_date", "end_date")
    list_filter = ("organization", "plan")
    list_select_related = ("plan", "member", "company")
    search_fields = ("member__email", "member__last_name", "company__name", "plan__name")
    raw_id_fields = ("member", "company")
    date_hierarchy = "start_date"
    readonly_fields = AUDIT


from . import admin_invitations  # noqa: E402, F401  (registers R4/R5 models)
