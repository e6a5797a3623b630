"""What a company's contact person, billing person or manager may do to their
team from the member portal (R2.2, R2.3). The one place these rules live.

Each check returns the refusal to show the person, or None when allowed.
Views use them to hide or disable controls and to refuse forged requests,
forms use them to validate, and the actions in companies/services.py check
them again inside their transaction. Admins in the admin portal are not
bound by them (R2.4).

Two rules here bind admins too: ``read_only_refusal`` (a deactivated
person's record is frozen until it is activated again, R4.6) and
``new_member_email_refusal`` (a new Active member needs an email).

"Who holds the role" is the django-guardian grant ``companies.manage_team``
kept by companies/team_access.py; the rest are live conditions on the member.
The organization's setting is checked here and nowhere else on the read
side: selectors and template tags ask a TeamPolicy.

Messages name who can help: "an admin of <organization>", the people the
person knows as the operator (the page itself is called My team).
"""

from functools import cached_property

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from companies.models import Company, ContactLocation
from companies.selectors import company_ids_managed_by
from members.models import Member, Membership, MemberStatus, PortalAccess
from organizations.models import Organization, OrganizationAdmin
from tenancy.scoping import scoped

#: A TeamPolicy not told the person's member record reads it when asked.
UNREAD = object()

SETTING_OFF = gettext_lazy(
    "Team management is switched off at {organization}. "
    "Ask an admin of {organization} to add members or change their status."
)
NOT_A_TEAM_MANAGER = gettext_lazy(
    "Only your company's contact person, billing person and managers can manage its team."
)
NOT_IN_YOUR_COMPANY = gettext_lazy("{member} is not a member of your company.")
OWN_STATUS = gettext_lazy(
    "You cannot change your own status. Ask an admin of {organization} if it should change."
)
ACTIVE_MEMBERSHIP = gettext_lazy(
    "{member} has an active membership, so only an admin of {organization} can change their status."
)
DEACTIVATED_TEAMMATE = gettext_lazy(
    "{member}'s portal access is deactivated; only an admin of {organization} "
    "can change their record."
)
ADMIN_TEAMMATE = gettext_lazy(
    "{member} is also an administrator of {organization}, so only its owners and admins "
    "can change their status."
)
#: What an erased record is called (R5.3).
DELETED_NAME = "Deleted user"  # stored as the erased record's first name: never translated
UNKNOWN_STATUS = gettext_lazy("Choose Active, Contact or Former.")
INVITE_NOT_ACTIVE = gettext_lazy(
    "Only active members use the member portal: set {member} to Active first."
)
INVITE_NO_EMAIL = gettext_lazy(
    "{member} has no email address to send the invitation to. "
    "Ask an admin of {organization} to add one."
)
INVITE_ALREADY_IN = gettext_lazy("{member} already uses the member portal.")
NOT_AT_YOUR_LOCATIONS = gettext_lazy(
    "{member} is not at the locations you manage for your company."
)
LOCATION_NOT_YOURS = gettext_lazy("Choose one of the locations you manage for your company.")
LINK_ONLY_CONTACT = gettext_lazy(
    "Only your company's contact person, linked to the whole company, decides who manages "
    "which locations."
)
LINK_OWN = gettext_lazy("Ask an admin of {organization} to change your own link.")
LINK_NO_ROLE = gettext_lazy("{member} holds no role in your company: make them a manager first.")
ACTIVE_NEEDS_EMAIL = gettext_lazy("An active member needs an email address to log in.")
NEW_MEMBER_STATUSES = (MemberStatus.ACTIVE, MemberStatus.CONTACT)
NEW_MEMBER_STATUS = gettext_lazy("A new member starts as Active or Contact.")


class Uninvitable(models.TextChoices):
    """Why a member may not be invited to the member portal (R4.1)."""

    NO_EMAIL = "no_email", gettext_lazy("Add an email address to invite {first_name}.")
    NOT_ACTIVE = "not_active", gettext_lazy("Only active members can be invited.")
    DEACTIVATED = "deactivated", gettext_lazy("Portal access is deactivated: activate it instead.")
    ALREADY_IN = "already_in", gettext_lazy("{first_name} already uses the member portal.")


#: What a contact person is told (``TeamPolicy.invite_refusal``).
INVITE_SAYS = {
    Uninvitable.NO_EMAIL: INVITE_NO_EMAIL,
    Uninvitable.NOT_ACTIVE: INVITE_NOT_ACTIVE,
    Uninvitable.DEACTIVATED: DEACTIVATED_TEAMMATE,
    Uninvitable.ALREADY_IN: INVITE_ALREADY_IN,
}


def uninvitable(member: Member) -> Uninvitable | None:
    """The one rule for "may be invited" (None: they may). The admin
    actions, the contact person's policy and the member page all ask this;
    each says the reason in words for its reader."""
    if not member.email:
        return Uninvitable.NO_EMAIL
    if member.status != MemberStatus.ACTIVE:
        return Uninvitable.NOT_ACTIVE
    if member.portal_access == PortalAccess.DEACTIVATED:
        return Uninvitable.DEACTIVATED
    if member.portal_access == PortalAccess.ACTIVE:
        return Uninvitable.ALREADY_IN
    return None


def invite_hint(member: Member) -> str:
    """The reason the member page shows beside a missing Invite button."""
    reason = uninvitable(member)
    return reason.label.format(first_name=member.first_name) if reason else ""


EMAIL_TAKEN = gettext_lazy("A member with this email already exists.")


def members_with_email(organization_id: int, *emails: str, exclude: Member | None = None):
    """Members of the organization holding one of ``emails``, in any case.

    The one rule for "email unique in the organization" (the database's
    constraint on Lower(email) is the backstop): creating, editing, a mass
    invite's preview and approving a request to join all ask it.
    Annotated with ``email_lower``."""
    found = (
        Member.objects.filter(organization_id=organization_id)
        .annotate(email_lower=Lower("email"))
        .filter(email_lower__in=[email.strip().lower() for email in emails])
    )
    return found.exclude(pk=exclude.pk) if exclude is not None else found


def read_only_refusal(member: Member) -> str | None:
    """Why ``member``'s record may not be changed right now (None: it may).

    Seed 004: "Edit is disabled for deactivated accounts"; only Activate is
    offered. This is the admins' message: they can activate. A contact
    person cannot, and gets TeamPolicy's own message instead.
    """
    if member.portal_access == PortalAccess.DEACTIVATED:
        return _(
            "%(full_name)s's portal access is deactivated, so the record is read-only. "
            "Activate it first."
        ) % {"full_name": member.full_name}
    return None


def new_member_email_refusal(*, status: str | None, email: str | None) -> str | None:
    """A new Active member needs an email: it is how they log in, and one a
    contact person adds as Active is invited at once (R2.8). The forms show
    this at the email field; ``team_add_member`` checks it again."""
    if status == MemberStatus.ACTIVE and not (email or "").strip():
        return ACTIVE_NEEDS_EMAIL
    return None


class TeamPolicy:
    """The rules for one person in one organization.

    Build one per request: the grants are read once (one query), so a team
    page asks about every row without a query per member.
    """

    def __init__(self, *, user, organization: Organization, member=UNREAD):
        self.user = user
        self.organization = organization
        # This person's own member record here, when the caller has read it
        # already (the member portal has): one login, one record per
        # organization.
        self._member = member

    @cached_property
    def own_record_id(self) -> int | None:
        if self._member is not UNREAD:
            return getattr(self._member, "pk", None)
        if not self.user.is_authenticated:
            return None
        records = scoped(Member, self.organization).filter(user=self.user)
        return records.values_list("pk", flat=True).first()

    def _say(self, message: str, member: Member | None = None) -> str:
        return self._translated(message).format(member=member, organization=self.organization.name)

    def _translated(self, message) -> str:
        """``message`` in the current language, translated once per policy:
        a team page says a refusal on nearly every row. Keyed by the
        message's identity (a lazy string's hash is its translation) and
        kept with it, so that identity cannot pass to another message."""
        said = self.__dict__.setdefault("_said", {})
        key = (id(message), get_language())
        if key not in said:
            said[key] = (message, str(message))
        return said[key][1]

    @cached_property
    def managed_company_ids(self) -> frozenset[int]:
        if not self.organization.contacts_manage_team or not self.user.is_authenticated:
            return frozenset()
        return company_ids_managed_by(user=self.user, organization=self.organization)

    @cached_property
    def _admins(self) -> tuple[frozenset[int], frozenset[int]]:
        """The logins holding an admin role here, and the records invited
        with one (members/admin_roles.py admin_role_of): one query for a
        whole team page."""
        rows = list(
            OrganizationAdmin.objects.filter(organization=self.organization).values_list(
                "user_id", "invited_member_id"
            )
        )
        return frozenset(u for u, _ in rows), frozenset(m for _, m in rows if m)

    def _is_admin_here(self, member: Member) -> bool:
        users, invited = self._admins
        if member.user_id is not None:
            return member.user_id in users
        return member.pk in invited

    @cached_property
    def team_locations(self) -> frozenset[int] | None:
        """The locations this person is linked to in their company (seed 004,
        a "Property Manager"): they see and manage the team there only.
        None: linked to the whole company (a "Client Admin")."""
        if not self.user.is_authenticated:
            return frozenset()
        linked = frozenset(
            ContactLocation.objects.filter(
                organization=self.organization, member_id=self.own_record_id
            )
            .order_by()
            .values_list("location_id", flat=True)
        )
        return linked or None

    def team_refusal(self, company: Company | None) -> str | None:
        """May this person see and manage ``company``'s team at all?"""
        if not self.organization.contacts_manage_team:
            return self._say(SETTING_OFF)
        if (
            company is None
            or company.organization_id != self.organization.pk
            or company.pk not in self.managed_company_ids
        ):
            return NOT_A_TEAM_MANAGER
        return None

    def add_member_refusal(
        self, company: Company | None, status: str | None = None, location=None
    ) -> str | None:
        refusal = self.team_refusal(company)
        if refusal is None and status is not None and status not in NEW_MEMBER_STATUSES:
            return NEW_MEMBER_STATUS
        if refusal is None and location is not None and not self.at_my_locations(location.pk):
            return LOCATION_NOT_YOURS
        return refusal

    def at_my_locations(self, location_id) -> bool:
        limit = self.team_locations
        return limit is None or location_id in limit

    def link_refusal(self, company: Company | None, member: Member) -> str | None:
        """May this person link ``member`` to the whole company or to
        specific locations (seed 004)? Only the contact person, linked to
        the whole company, and not for themselves."""
        refusal = self._teammate_refusal(member) or self.team_refusal(company)
        if refusal:
            return refusal
        me = company.contact_person_id
        if me is None or me != self.own_record_id or self.team_locations is not None:
            return LINK_ONLY_CONTACT
        if member.pk == me:
            return self._say(LINK_OWN)
        if not company.holds_team_role(member):
            return self._say(LINK_NO_ROLE, member)
        return None

    def _teammate_refusal(self, member: Member) -> str | None:
        """Is ``member`` on a team this person manages, and not frozen?"""
        if not self.organization.contacts_manage_team:
            return self._say(SETTING_OFF)
        if not self.managed_company_ids:
            return NOT_A_TEAM_MANAGER
        if member.organization_id != self.organization.pk or (
            member.company_id not in self.managed_company_ids
        ):
            return self._say(NOT_IN_YOUR_COMPANY, member)
        if not self.at_my_locations(member.location_id):
            return self._say(NOT_AT_YOUR_LOCATIONS, member)
        return None

    def status_change_refusal(self, member: Member, status: str | None = None) -> str | None:
        """May this person change ``member``'s status (to ``status``, if given)?"""
        refusal = self._teammate_refusal(member)
        if refusal:
            return refusal
        if member.user_id is not None and member.user_id == self.user.pk:
            return self._say(OWN_STATUS)
        if self._is_admin_here(member):
            # Their status is the admins' to change (issue 10, item 3).
            return self._say(ADMIN_TEAMMATE, member)
        if member.portal_access == PortalAccess.DEACTIVATED:
            return self._say(DEACTIVATED_TEAMMATE, member)
        if has_active_membership(member):
            return self._say(ACTIVE_MEMBERSHIP, member)
        if status is not None and status not in MemberStatus.values:
            return UNKNOWN_STATUS
        return None

    def invite_refusal(self, member: Member) -> str | None:
        """May this person invite ``member`` to the member portal (or send a
        pending invitation again)? R4.1: as they may manage the team."""
        refusal = self._teammate_refusal(member)
        if refusal:
            return refusal
        reason = uninvitable(member)
        return self._say(INVITE_SAYS[reason], member) if reason else None


#: What waits for an admin (R8.2): becoming Active, from Contact or Former,
#: or being added as Active.
NEEDS_APPROVAL_FROM = (MemberStatus.CONTACT, MemberStatus.FORMER)


def approval_needed(organization: Organization, *, from_status: str | None, to_status: str) -> bool:
    """Does a contact person's change wait for an admin (R8.2)? ``from_status``
    None: the member is being added. The one place the organization's
    ``contact_additions_need_approval`` is read; admins are never asked."""
    if not organization.contact_additions_need_approval or to_status != MemberStatus.ACTIVE:
        return False
    return from_status is None or from_status in NEEDS_APPROVAL_FROM


def has_active_membership(member: Member) -> bool:
    """Uses the selectors' annotation when present, else asks the database."""
    annotated = getattr(member, "has_active_membership", None)
    if annotated is not None:
        return annotated
    return Membership.objects.active().filter(member=member).exists()


def policy_for(request) -> TeamPolicy:
    """The request's TeamPolicy, built once (the nav and the page share it)."""
    policy = getattr(request, "_team_policy", None)
    if policy is None:
        policy = TeamPolicy(
            user=request.user,
            organization=request.organization,
            member=getattr(request, "member", UNREAD),
        )
        request._team_policy = policy
    return policy


def team_role_of(member: Member | None, company) -> str:
    """What ``member`` is to ``company``'s team, in words for a notice."""
    if member is None:
        return "someone"
    roles = company.roles_of(member)
    return roles[0].lower() if roles else "member"
