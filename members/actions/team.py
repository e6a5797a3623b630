"""What contact persons do to their team from the member portal (R2): the
policy is checked again here, whatever the page showed. The admins are told
by the notifications app, from the audit entries these actions write."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit import log
from audit.models import Verb, Via
from companies.models import Company
from members.actions.invitations import member_invite
from members.actions.records import member_create
from members.actions.status import member_change_status
from members.models import Member, MemberStatus, StatusChange
from members.policy import TeamPolicy, new_member_email_refusal


@transaction.atomic
def team_add_member(
    *,
    actor,
    company: Company,
    first_name: str,
    last_name: str = "",
    email: str = "",
    phone: str = "",
    status: str = MemberStatus.ACTIVE,
) -> Member:
    """A contact person adds a member to their company from the member portal."""
    refusal = TeamPolicy(user=actor, organization=company.organization).add_member_refusal(
        company, status
    )
    if refusal:
        raise PermissionDenied(refusal)
    refusal = new_member_email_refusal(status=status, email=email)
    if refusal:
        raise ValidationError({"email": refusal})
    member = member_create(
        organization=company.organization,
        location=company.location,
        company=company,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        status=status,
        actor=actor,
        via=Via.PORTAL,
    )
    if status == MemberStatus.ACTIVE:
        # R2.8: added as Active means invited to the portal; added as Contact
        # does not (an admin or the contact person invites later).
        member_invite(member=member, actor=actor, via=Via.PORTAL)
    log.record(
        verb=Verb.TEAM_MEMBER_ADDED,
        via=Via.PORTAL,
        actor=actor,
        subject=member,
        after={"status": status, "company_id": company.pk},
    )
    return member


@transaction.atomic
def team_change_status(
    *, actor, member: Member, status: str, reason: str = ""
) -> StatusChange | None:
    """A contact person changes a teammate's status from the member portal.

    The policy is checked again here, whatever the view showed. Leaving
    Active is reported to the location's admins, who may revert it (R2.7).
    """
    # Decide on the row as it is now, locked: not on what the page read.
    member = Member.objects.select_for_update().get(pk=member.pk)
    refusal = TeamPolicy(user=actor, organization=member.organization).status_change_refusal(
        member, status
    )
    if refusal:
        raise PermissionDenied(refusal)
    change = member_change_status(
        member=member, status=status, actor=actor, via=Via.PORTAL, reason=reason.strip()
    )
    # Leaving Active is reported to the admins (notifications/reactions.py).
    return change


@transaction.atomic
def team_invite_member(*, actor, member: Member) -> Member:
    """A contact person invites a teammate to the member portal, or sends a
    pending invitation again (R4.1, R4.3). The policy is checked here too."""
    refusal = TeamPolicy(user=actor, organization=member.organization).invite_refusal(member)
    if refusal:
        raise PermissionDenied(refusal)
    return member_invite(member=member, actor=actor, via=Via.PORTAL)
