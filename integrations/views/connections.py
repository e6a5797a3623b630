"""Connections: list, add, edit, resync; resync one member (R3.4)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.models import Member
from tenancy.scoping import get_in_org_or_404

from ..forms import ConnectionForm
from ..models import Connection
from ..selectors import connections_with_health
from ..services import connection_save, resync_connection, resync_member
from ..vendor_words import vendor_text
from ..vendors import registry
from ._shared import _background, _log_url, integrations_view


@integrations_view
def connections(request):
    return render(
        request,
        "integrations/connections.html",
        {
            "connections": connections_with_health(organization=request.organization),
            "kinds": [(kind, vendor_text(label)) for kind, label in registry.choices()],
            **_background(),
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
                    _(
                        "%(saved)s is connected. New changes go to it from now on; "
                        "use “Send everyone” to push the members you already have."
                    )
                    % {"saved": saved.name},
                )
            else:
                messages.success(request, _("%(saved)s was updated.") % {"saved": saved.name})
            return redirect("integrations:connections", org_slug=request.organization.slug)
    return render(
        request,
        "integrations/connection_form.html",
        {
            "form": form,
            "connection": connection,
            "kind_label": vendor_text(registry.get(kind).label),
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
            _(
                "Sending the current state of %(count)s members to "
                "%(connection)s. Progress shows in the delivery log."
            )
            % {"count": count, "connection": connection.name},
        )
    else:
        messages.warning(
            request,
            _(
                "Queued %(count)s members for %(connection)s, but it is "
                "switched off: they are sent once you switch it on."
            )
            % {"count": count, "connection": connection.name},
        )
    return redirect("integrations:connections", org_slug=request.organization.slug)


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
