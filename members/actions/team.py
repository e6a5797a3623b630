"""What contact persons do to their team from the member portal (R2): the
policy is checked again here, whatever the page showed. The admins are told
by the notifications app, from the audit entries these actions write."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit import log
from audit.models import Verb, Via
from companies.models import Company, CompanyLocation
from members.actions.invitations import member_invite
from members.actions.records import member_create
from members.actions.roles import contact_set_locations
from members.actions.status import member_change_status
from members.models import Member, MemberStatus, StatusChange, StatusRequest
from members.policy import TeamPolicy, approval_needed, new_member_email_refusal
from organizations.models import Location

from .approvals import status_request_open


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
    location: Location | None = None,
) -> Member:
    """A contact person adds a member to their company from the member
    portal, at ``location``: one of the company's locations they manage
    (given only one, that one)."""
    policy = TeamPolicy(user=actor, organization=company.organization)
    refusal = policy.add_member_refusal(company, status)
    if refusal:
        raise PermissionDenied(refusal)
    if location is None:
        places = _team_locations_of(company, policy)
        if len(places) != 1:
            raise ValidationError({"location": _("Choose the location they work at.")})
        location = places[0]
    refusal = policy.add_member_refusal(company, status, location)
    if refusal:
        raise PermissionDenied(refusal)
    refusal = new_member_email_refusal(status=status, email=email)
    if refusal:
        raise ValidationError({"email": refusal})
    # R8.2: with approval on, someone added as Active is kept as Contact
    # (no invitation, no door or printing access) until an admin approves.
    waits = approval_needed(company.organization, from_status=None, to_status=status)
    member = member_create(
        organization=company.organization,
        location=location,
        company=company,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        status=MemberStatus.CONTACT if waits else status,
        actor=actor,
        via=Via.PORTAL,
    )
    if status == MemberStatus.ACTIVE and not waits:
        # R2.8: added as Active means invited to the portal; added as Contact
        # does not (an admin or the contact person invites later).
        member_invite(member=member, actor=actor, via=Via.PORTAL)
    log.record(
        verb=Verb.TEAM_MEMBER_ADDED,
        via=Via.PORTAL,
        actor=actor,
        subject=member,
        after={"status": member.status, "company_id": company.pk}
        | ({"requested_status": status} if waits else {}),
    )
    if waits:
        status_request_open(
            member=member, to_status=status, actor=actor, kind=StatusRequest.Kind.ADDED
        )
    return member


@transaction.atomic
def team_change_status(
    *, actor, member: Member, status: str, reason: str = ""
) -> StatusChange | StatusRequest | None:
    """A contact person changes a teammate's status from the member portal.

    The policy is checked again here, whatever the view showed. Leaving
    Active is reported to the location's admins, who may revert it (R2.7).
    With approval on, becoming Active is asked of them instead (R8.2): the
    StatusRequest comes back, and the member stays as they were.
    """
    # Decide on the row as it is now, locked: not on what the page read.
    member = Member.objects.select_for_update().get(pk=member.pk)
    refusal = TeamPolicy(user=actor, organization=member.organization).status_change_refusal(
        member, status
    )
    if refusal:
        raise PermissionDenied(refusal)
    if approval_needed(member.organization, from_status=member.status, to_status=status):
        return status_request_open(
            member=member,
            to_status=status,
            actor=actor,
            kind=StatusRequest.Kind.STATUS,
            reason=reason.strip(),
        )
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


def _team_locations_of(company: Company, policy: TeamPolicy) -> list[Location]:
    """The company's locations where this person manages the team."""
    places = [
        row.location
        for row in CompanyLocation.objects.filter(company=company).select_related("location")
    ]
    return [place for place in places if policy.at_my_locations(place.pk)]


@transaction.atomic
def team_link_contact(*, actor, member: Member, locations) -> Member:
    """The contact person links a teammate who holds a role to the whole
    company (no locations) or to specific locations (seed 004)."""
    member = Member.objects.select_related("company__contact_person").get(pk=member.pk)
    refusal = TeamPolicy(user=actor, organization=member.organization).link_refusal(
        member.company, member
    )
    if refusal:
        raise PermissionDenied(refusal)
    return contact_set_locations(
        company=member.company, member=member, locations=locations, actor=actor, via=Via.PORTAL
    )
