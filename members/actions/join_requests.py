"""Requests to join a location (R4.5): a public form, admins approve or reject."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import log
from audit.models import Verb, Via
from members.actions.invitations import member_invite
from members.actions.records import ARCHIVED_LOCATION, member_create
from members.models import JoinRequest, Member, MemberStatus, PortalAccess
from members.policy import members_with_email
from organizations.models import Location
from organizations.permissions import can_manage_location


@transaction.atomic
def join_request_submit(
    *,
    location: Location,
    first_name: str,
    last_name: str = "",
    email: str,
    phone: str = "",
    company_name: str = "",
    message: str = "",
) -> JoinRequest:
    """Record a request and tell the location's admins. A second request
    from the same address while one waits returns the waiting one, so the
    form never reveals whether an address is already known."""
    if location.is_archived:
        raise ValidationError(ARCHIVED_LOCATION % {"name": location.name})
    email = email.strip().lower()
    waiting = JoinRequest.objects.filter(
        location=location, email__iexact=email, state=JoinRequest.State.PENDING
    ).first()
    if waiting is not None:
        return waiting
    join_request = JoinRequest.objects.create(
        organization_id=location.organization_id,
        location=location,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        phone=phone.strip(),
        company_name=company_name.strip(),
        message=message.strip(),
    )
    # The location's admins are told (notifications/reactions.py).
    log.record(
        verb=Verb.JOIN_REQUEST_SUBMITTED,
        via=Via.PUBLIC,
        subject=join_request,
        after={"location_id": location.pk},
    )
    return join_request


def _decide(join_request: JoinRequest, actor) -> JoinRequest:
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if not can_manage_location(actor, join_request.location):
        raise PermissionDenied(_("You do not manage customers at this location."))
    if join_request.state != JoinRequest.State.PENDING:
        raise ValidationError(
            _("This request was already %(state)s.")
            % {"state": join_request.get_state_display().lower()}
        )
    return join_request


def _already_known(join_request: JoinRequest, existing: Member) -> str:
    """What to do when the address already has a record: it depends on
    where that record stands (only active members can be invited)."""
    # Whole sentences, one per case: a translation cannot be pieced together.
    words = {
        "email": join_request.email,
        "name": existing.full_name,
        "status": existing.get_status_display(),
    }
    if existing.status != MemberStatus.ACTIVE:
        text = _(
            "%(email)s already has a record here (%(name)s, %(status)s). To let them in, "
            "set them Active on their profile, then invite them to the portal; then reject "
            "this request."
        )
    elif existing.portal_access == PortalAccess.DEACTIVATED:
        text = _(
            "%(email)s already has a record here (%(name)s, portal access deactivated). "
            "Activate them on their profile if they should get in; then reject this request."
        )
    elif existing.portal_access == PortalAccess.PENDING:
        text = _(
            "%(email)s already has a record here (%(name)s, already invited). Resend the "
            "invitation from their profile if it got lost; then reject this request."
        )
    elif existing.portal_access == PortalAccess.ACTIVE:
        text = _(
            "%(email)s already has a record here (%(name)s) and already uses the member "
            "portal. Reject this request."
        )
    else:
        text = _(
            "%(email)s already has a record here (%(name)s). Invite them from their "
            "profile; then reject this request."
        )
    return text % words


@transaction.atomic
def join_request_approve(*, join_request: JoinRequest, actor) -> Member:
    """Approve: the person becomes an invited member of the location."""
    join_request = _decide(join_request, actor)
    existing = members_with_email(join_request.organization_id, join_request.email).first()
    if existing is not None:
        raise ValidationError(_already_known(join_request, existing))
    notes = []
    if join_request.company_name:
        notes.append(f"Company (from join request): {join_request.company_name}")
    if join_request.message:
        notes.append(f"Message: {join_request.message}")
    member = member_create(
        organization=join_request.location.organization,
        location=join_request.location,
        first_name=join_request.first_name,
        last_name=join_request.last_name,
        email=join_request.email,
        phone=join_request.phone,
        actor=actor,
        via=Via.ADMIN,
    )
    if notes:
        member.internal_notes = "\n".join(notes)
        member.save(update_fields=["internal_notes", "updated_at"])
    member_invite(member=member, actor=actor, via=Via.ADMIN)
    join_request.state = JoinRequest.State.APPROVED
    join_request.member = member
    join_request.decided_by = actor
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["state", "member", "decided_by", "decided_at"])
    log.record(
        verb=Verb.JOIN_REQUEST_APPROVED,
        via=Via.ADMIN,
        actor=actor,
        subject=join_request,
        member=member,
    )
    return member


@transaction.atomic
def join_request_reject(*, join_request: JoinRequest, actor) -> JoinRequest:
    join_request = _decide(join_request, actor)
    join_request.state = JoinRequest.State.REJECTED
    join_request.decided_by = actor
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["state", "decided_by", "decided_at"])
    log.record(verb=Verb.JOIN_REQUEST_REJECTED, via=Via.ADMIN, actor=actor, subject=join_request)
    return join_request
