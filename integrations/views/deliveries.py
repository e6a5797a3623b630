"""The delivery log and its retries (R3.5)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.models import Member
from tenancy.scoping import get_in_org_or_404

from ..filters import DeliveryFilter
from ..models import Delivery
from ..selectors import deliveries_for_log
from ..services import delivery_retry
from ._shared import _background, _log_url, integrations_view

PAGE_SIZE = 50


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
            **_background(),
        },
    )


@require_POST
@integrations_view
def delivery_retry_view(request, pk):
    delivery = get_in_org_or_404(Delivery, request.organization, pk=pk)
    if delivery_retry(delivery=delivery, actor=request.user):
        messages.success(
            request,
            _("Delivery #%(delivery_pk)s will be tried again now.") % {"delivery_pk": delivery.pk},
        )
    else:
        messages.info(
            request,
            _("Delivery #%(delivery_pk)s is not failed or dead, so there is nothing to retry.")
            % {"delivery_pk": delivery.pk},
        )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = _log_url(request)
    return redirect(target)
