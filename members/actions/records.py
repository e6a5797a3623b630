"""Every state change of a member happens here, in one action each.

Actions are keyword-only, run in one transaction, record their history row
in it, and schedule side effects with ``transaction.on_commit``. Views,
Django admin, Celery tasks and tests all call these; nothing else writes
members.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit import log
from audit.models import Verb, Via
from companies.models import Company
from companies.policy import new_member_refusal
from members.models import Member, MemberStatus, PortalAccess
from members.policy import EMAIL_TAKEN, members_with_email
from members.seats import claim_seats, record_seat_override
from organizations.models import Location, Organization


@transaction.atomic
def member_create(
    *,
    organization: Organization,
    location: Location,
    first_name: str,
    last_name: str = "",
    email: str = "",
    phone: str = "",
    company: Company | None = None,
    is_manager: bool = False,
    status: str = MemberStatus.ACTIVE,
    actor=None,
    via: str = Via.ADMIN,
    over_seat_cap: bool = False,
) -> Member:
    """Add a member. One added as Active at a company takes one of its
    seats there (members/seats.py): beyond the cap it is refused unless an
    admin confirmed going over it (``over_seat_cap``, recorded)."""
    _check_same_organization(organization, location, company)
    if location.is_archived:
        raise ValidationError({"location": ARCHIVED_LOCATION % {"name": location.name}})
    refusal = new_member_refusal(company, location)
    if refusal:
        raise ValidationError({"company": refusal})
    email = email.strip().lower()
    if email and members_with_email(organization.pk, email).exists():
        raise ValidationError({"email": EMAIL_TAKEN})
    overridden = None
    if status == MemberStatus.ACTIVE and company is not None:
        overridden = claim_seats(
            company=company, location=location, via=via, override=over_seat_cap
        )
    member = Member.objects.create(
        organization=organization,
        location=location,
        company=company,
        is_manager=is_manager and company is not None,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        phone=phone.strip(),
        status=status,
        portal_access=PortalAccess.NONE,
        added_by=actor,
        added_via=via,
    )
    log.record(
        verb=Verb.MEMBER_CREATED,
        via=via,
        actor=actor,
        subject=member,
        after={"status": status, "company_id": member.company_id},
    )
    if overridden is not None:
        record_seat_override(overridden, actor=actor, via=via, subject=member)
    return member


@transaction.atomic
def member_link_user(*, member: Member, user, via: str = Via.PORTAL) -> Member:
    """Link a login to this member record and open the member portal to it."""
    if (
        Member.objects.filter(organization_id=member.organization_id, user=user)
        .exclude(pk=member.pk)
        .exists()
    ):
        raise ValidationError(_("This login is already linked to another member here."))
    member.user = user
    member.portal_access = PortalAccess.ACTIVE
    before = member.portal_access
    member.save(update_fields=["user", "portal_access", "updated_at"])
    # A contact person who gets a login may now manage the team (R2.5).
    log.record(
        verb=Verb.MEMBER_LOGIN_LINKED,
        via=via,
        actor=user,
        subject=member,
        before={"portal_access": before},
        after={"portal_access": member.portal_access, "company_id": member.company_id},
    )
    return member


@transaction.atomic
def member_edited(
    *, member: Member, actor=None, previous_company_id: int | None = None, changed=()
) -> None:
    """Support edited the record directly (Django admin): record it, which
    tells the connected systems (R3.2) and lets team grants follow a changed
    company, login or role (R2.5), as for every other change."""
    log.record(
        verb=Verb.MEMBER_UPDATED,
        via=Via.SUPPORT,
        actor=actor,
        subject=member,
        before={"company_id": previous_company_id},
        after={"company_id": member.company_id, "fields": sorted(changed)},
    )


@transaction.atomic
def member_delete(*, member: Member, actor=None, via: str = Via.SUPPORT) -> None:
    """Delete the record. The connected systems are told first (the event
    keeps a snapshot), so door and printing access go with it (R3.3)."""
    # Recorded first: the event keeps a snapshot of the record. Roles
    # pointing at it are cleared (SET_NULL); so is their grant.
    log.record(
        verb=Verb.MEMBER_REMOVED,
        via=via,
        actor=actor,
        subject=member,
        before={"company_id": member.company_id, "status": member.status},
    )
    member.delete()


#: A location kept for its records only (members/actions/locations.py).
ARCHIVED_LOCATION = gettext_lazy("%(name)s is archived: choose another location.")


def _check_same_organization(organization: Organization, *objects) -> None:
    # The database says the same on PostgreSQL (composite foreign keys); this
    # gives a readable message first, and is the guard on SQLite.
    for obj in objects:
        if obj is not None and obj.organization_id != organization.pk:
            raise ValidationError(_("%(obj)s belongs to another organization.") % {"obj": obj})
