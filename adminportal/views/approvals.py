"""Admin portal: members added or activated by contact persons that await
an admin's approval (R8.2): the queue, and the page the email's Approve and
Reject links open.

Only requests about members at locations where the admin manages customers
exist here (``status_requests_for_admin``); any other id, another
organization's included, is a 404. A link's signed token names one request
and one decision (members/approval_links.py): a tampered one is a 404 too.
The decision is a POST from the page, never the GET of a link.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from members.actions.approvals import status_request_approve, status_request_reject
from members.approval_links import DECISIONS, token_is_valid
from members.forms.approvals import RejectForm
from members.seats import SeatCapReached
from members.selectors import status_requests_for_admin
from organizations.decorators import admin_portal_view

PAGE_SIZE = 50


@admin_portal_view
def approvals(request):
    """What awaits this admin's decision, oldest first."""
    queue = status_requests_for_admin(user=request.user, organization=request.organization)
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "adminportal/approvals.html",
        {"page": page, "status_requests": page.object_list, "reject_form": RejectForm()},
    )


@admin_portal_view
def approval_decide(request, pk, decision):
    """GET: the request and the one button (Approve, or Reject with a
    reason). POST: the decision."""
    if decision not in DECISIONS:
        raise Http404("No such decision.")
    status_request = get_object_or_404(
        status_requests_for_admin(
            user=request.user, organization=request.organization, open_only=False
        ),
        pk=pk,
    )
    token = request.POST.get("token") if request.method == "POST" else request.GET.get("token")
    if token and not token_is_valid(token, status_request.pk, decision):
        raise Http404("This link is not valid.")
    form = RejectForm(request.POST if request.method == "POST" else None)
    seat_refusal = ""
    if request.method == "POST" and (decision == "approve" or form.is_valid()):
        try:
            if decision == "approve":
                status_request_approve(
                    status_request=status_request,
                    actor=request.user,
                    over_seat_cap=request.POST.get("over_seat_cap") == "1",
                )
            else:
                status_request_reject(
                    status_request=status_request,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
        except SeatCapReached as refused:
            # Issue 14: the page again, with the words and "Go over the cap".
            seat_refusal = " ".join(refused.messages)
        except ValidationError as invalid:
            if hasattr(invalid, "error_dict"):
                for field, errors in invalid.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.error(request, " ".join(invalid.messages))
                return redirect("adminportal:approvals", org_slug=request.organization.slug)
        except PermissionDenied as refused:
            messages.error(request, str(refused))
            return redirect("adminportal:approvals", org_slug=request.organization.slug)
        else:
            _say_done(request, status_request)
            return redirect("adminportal:approvals", org_slug=request.organization.slug)
    return render(
        request,
        "adminportal/approval_decide.html",
        {
            "r": status_request,
            "decision": decision,
            "form": form,
            "token": token or "",
            "seat_refusal": seat_refusal,
        },
    )


def _say_done(request, status_request) -> None:
    member = status_request.member
    if status_request.decision == status_request.Decision.APPROVED:
        text = _("Approved: %(member)s is now %(status)s.") % {
            "member": member.full_name,
            "status": status_request.get_to_status_display(),
        }
        if status_request.invites_on_approval:
            text += " " + _("Their invitation is on its way to %(email)s.") % {
                "email": member.email
            }
    else:
        text = _("Rejected: %(member)s stays %(status)s.") % {
            "member": member.full_name,
            "status": status_request.get_from_status_display(),
        }
    messages.success(request, text + " " + _("The contact person is emailed the decision."))
