"""Admin portal pages for integrations (R3.4, R3.5).

Connections push every member of the organization, whatever the location,
so every page here needs the organization-wide settings permission
(``can_manage_organization_settings``). Objects of another organization are
404 (``get_in_org_or_404``).
"""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from members.models import Member
from organizations.decorators import admin_portal_view
from organizations.permissions import can_manage_organization_settings
from organizations.scoping import get_in_org_or_404

from .filters import DeliveryFilter
from .forms import ConnectionForm
from .models import Connection, Delivery
from .selectors import connections_with_health, deliveries_for_log
from .services import connection_save, delivery_retry, resync_connection, resync_member
from .vendors import registry

PAGE_SIZE = 50


def integrations_view(view):
    @admin_portal_view
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_manage_organization_settings(request.user, request.organization):
            return render(request, "integrations/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


@integrations_view
def connections(request):
    return render(
        request,
        "integrations/connections.html",
        {
            "connections": connections_with_health(organization=request.organization),
            "kinds": registry.choices(),
        },
    )


@integrations_view
def connection_add(request, kind):
    if kind not in registry:
        raise Http404("Unknown kind of connection.")
    return _connection_form(request, kind=kind, connection=None)


@integrations_view
def connection_edit(request, pk):
    connection = get_in_org_or_404(Connection, request.organization, pk=pk)
    return _connection_form(request, kind=connection.kind, connection=connection)


def _connection_form(request, *, kind, connection):
    initial = {}
    if connection is not None:
        initial = {
            "name": connection.name,
            "base_url": connection.base_url,
            "enabled": connection.enabled,
        }
    form = ConnectionForm(
        request.POST if request.method == "POST" else None,
        kind=kind,
        connection=connection,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = connection_save(
                actor=request.user,
                organization=request.organization,
                kind=kind,
                name=form.cleaned_data["name"],
                base_url=form.cleaned_data["base_url"],
                credentials=form.credentials(),
                enabled=form.cleaned_data["enabled"],
                connection=connection,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if connection is None:
                messages.success(
                    request,
                    f"{saved.name} is connected. New changes go to it from now on; use "
                    "“Send everyone” to push the members you already have.",
                )
            else:
                messages.success(request, f"{saved.name} was updated.")
            return redirect("integrations:connections", org_slug=request.organization.slug)
    return render(
        request,
        "integrations/connection_form.html",
        {
            "form": form,
            "connection": connection,
            "kind_label": registry.get(kind).label,
        },
    )


@require_POST
@integrations_view
def connection_resync(request, pk):
    connection = get_in_org_or_404(Connection, request.organization, pk=pk)
    count = resync_connection(connection=connection, actor=request.user)
    if connection.enabled:
        messages.success(
            request,
            f"Sending the current state of {count} members to {connection.name}. "
            "Progress shows in the delivery log.",
        )
    else:
        messages.warning(
            request,
            f"Queued {count} members for {connection.name}, but it is switched off: "
            "they are sent once you switch it on.",
        )
    return redirect("integrations:connections", org_slug=request.organization.slug)


@integrations_view
def deliveries(request):
    organization = request.organization
    log = DeliveryFilter(
        request.GET,
        queryset=deliveries_for_log(organization=organization),
        organization=organization,
    )
    page = Paginator(log.qs.order_by("-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    member_value = (log.form.cleaned_data.get("member") or "") if log.form.is_valid() else ""
    resync_target = None
    if member_value.strip().isascii() and member_value.strip().isdigit():
        resync_target = Member.objects.filter(
            organization=organization, pk=int(member_value)
        ).first()
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "integrations/deliveries.html",
        {
            "filter": log,
            "page": page,
            "querystring": params.urlencode(),
            "resync_target": resync_target,
        },
    )


@require_POST
@integrations_view
def delivery_retry_view(request, pk):
    delivery = get_in_org_or_404(Delivery, request.organization, pk=pk)
    if delivery_retry(delivery=delivery, actor=request.user):
        messages.success(request, f"Delivery #{delivery.pk} will be tried again now.")
    else:
        messages.info(
            request, f"Delivery #{delivery.pk} is not failed or dead, so there is nothing to retry."
        )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = _log_url(request)
    return redirect(target)


@require_POST
@integrations_view
def member_resync(request, member_pk):
    member = get_in_org_or_404(Member, request.organization, pk=member_pk)
    count = resync_member(member=member, actor=request.user)
    messages.success(
        request,
        f"Sending {member.full_name}'s current details to every connection"
        + ("." if count else " (none is set up yet)."),
    )
    return redirect(f"{_log_url(request)}?member={member.pk}")


def _log_url(request):
    return reverse("integrations:deliveries", kwargs={"org_slug": request.organization.slug})
