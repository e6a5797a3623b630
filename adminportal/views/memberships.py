"""Admin portal: a member's or a company's memberships (issue 13, items 3, 5).

Managed by whoever manages customers at the holder's location: the same
admins who see the member or company at all. Anything else is a 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from companies.selectors import companies_in_directory
from members.actions.memberships import membership_change, membership_create, membership_end
from members.forms.setup import MembershipEndForm, MembershipForm
from members.models import Membership
from members.selectors import members_for_admin
from members.space_policy import holder_locations, plans_offered
from organizations.decorators import admin_portal_view
from tenancy.scoping import scoped

from ._shared import _member


def _company(request, pk):
    return get_object_or_404(
        companies_in_directory(user=request.user, organization=request.organization), pk=pk
    )


def _to_holder(request, holder, company: bool):
    name = "adminportal:company" if company else "adminportal:member"
    return redirect(name, org_slug=request.organization.slug, pk=holder.pk)


def _membership(request, pk) -> Membership:
    """A membership of a member or company this admin manages; else a 404."""
    members = members_for_admin(user=request.user, organization=request.organization)
    companies = companies_in_directory(user=request.user, organization=request.organization)
    visible = Q(member__in=members.values("pk")) | Q(company__in=companies.values("pk"))
    return get_object_or_404(
        scoped(Membership, request.organization)
        .filter(visible)
        .select_related("plan", "plan__location", "member", "company"),
        pk=pk,
    )


def _create(request, holder, *, company: bool):
    plans = plans_offered(holder)
    form = MembershipForm(request.POST or None, plans=plans, company=company)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership_create(
                plan=data["plan"],
                member=None if company else holder,
                company=holder if company else None,
                start_date=data["start_date"],
                end_date=data["end_date"],
                seats=data.get("seats"),
                actor=request.user,
            )
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            messages.success(
                request,
                _("%(name)s is on %(plan)s.") % {"name": holder, "plan": data["plan"].name},
            )
            return _to_holder(request, holder, company)
    return render(
        request,
        "adminportal/membership_form.html",
        _form_context(form, holder, company, membership=None),
    )


def _form_context(form, holder, company: bool, *, membership):
    places = ", ".join(location.name for location in holder_locations(holder))
    return {
        "form": form,
        "holder": holder,
        "holder_places": places,
        "is_company": company,
        "membership": membership,
    }


@admin_portal_view
def member_membership_new(request, pk):
    return _create(request, _member(request, pk), company=False)


@admin_portal_view
def company_membership_new(request, pk):
    return _create(request, _company(request, pk), company=True)


@admin_portal_view
def membership_edit(request, pk):
    membership = _membership(request, pk)
    holder, company = membership.holder, membership.company_id is not None
    if membership.has_ended:
        messages.error(request, _("This membership has ended; add a new one instead."))
        return _to_holder(request, holder, company)
    # The plan it is on stays offered here even if archived since.
    plans = plans_offered(holder, keeping=membership.plan_id)
    initial = {
        "plan": membership.plan_id,
        "start_date": membership.start_date,
        "end_date": membership.end_date,
        "seats": membership.seats,
    }
    form = MembershipForm(request.POST or None, initial=initial, plans=plans, company=company)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changed = membership_change(
                membership=membership,
                plan=data["plan"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                seats=data.get("seats"),
                actor=request.user,
            )
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            messages.success(request, _("Membership saved.") if changed else _("Nothing changed."))
            return _to_holder(request, holder, company)
    return render(
        request,
        "adminportal/membership_form.html",
        _form_context(form, holder, company, membership=membership),
    )


@admin_portal_view
def membership_end_view(request, pk):
    membership = _membership(request, pk)
    holder, company = membership.holder, membership.company_id is not None
    if membership.has_ended:
        messages.error(request, _("This membership has ended already."))
        return _to_holder(request, holder, company)
    form = MembershipEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        on = form.cleaned_data["end_date"] if form.cleaned_data["when"] == "date" else None
        try:
            ended = membership_end(membership=membership, on=on, actor=request.user)
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            if ended is None:
                messages.success(request, _("The membership had not started; it is cancelled."))
            else:
                messages.success(
                    request,
                    _("The membership ends: its last day is %(date)s.")
                    % {"date": ended.end_date.isoformat()},
                )
            return _to_holder(request, holder, company)
    return render(
        request,
        "adminportal/membership_end.html",
        _form_context(form, holder, company, membership=membership),
    )
