"""What a company's contact person, billing person or manager may do to their
team from the member portal (R2.2, R2.3). The one place these rules live.

Each check returns the refusal to show the person, or None when allowed.
Views use them to hide or disable controls and to refuse forged requests,
forms use them to validate, and the actions in companies/services.py check
them again inside their transaction. Admins in the admin portal are not
bound by them (R2.4).

``read_only_refusal`` is the one rule here that binds admins too: a
deactivated person's record is frozen until it is activated again (R4.6).

"Who holds the role" is the django-guardian grant ``companies.manage_team``
kept by companies/team_access.py; the rest are live conditions on the member.
``members.team_selectors.members_manageable_by`` is the same rule as a
queryset, and tests/team/test_policy_selector.py holds the two together.
"""

from functools import cached_property

from companies.models import Company
from companies.selectors import companies_managed_by
from organizations.models import Organization

from .models import Member, Membership, MemberStatus, PortalAccess

SETTING_OFF = (
    "Team management is switched off for this workspace. "
    "Ask the workspace's team to add members or change their status."
)
NOT_A_TEAM_MANAGER = (
    "Only your company's contact person, billing person and managers can manage its team."
)
NOT_IN_YOUR_COMPANY = "{member} is not a member of your company."
OWN_STATUS = "You cannot change your own status. Ask the workspace's team if it should change."
ACTIVE_MEMBERSHIP = (
    "{member} has an active membership, so only the workspace's team can change their status."
)
UNKNOWN_STATUS = "Choose Active, Contact or Former."
INVITE_NOT_ACTIVE = "Only active members use the member portal: set {member} to Active first."
INVITE_NO_EMAIL = (
    "{member} has no email address to send the invitation to. Ask the workspace's team to add one."
)
INVITE_ALREADY_IN = "{member} already uses the member portal."
NEW_MEMBER_STATUSES = (MemberStatus.ACTIVE, MemberStatus.CONTACT)
NEW_MEMBER_STATUS = "A new member starts as Active or Contact."


def read_only_refusal(member: Member) -> str | None:
    """Why ``member``'s record may not be changed right now (None: it may).

    Seed 004: "Edit is disabled for deactivated accounts"; only Activate is
    offered.
    """
    if member.portal_access == PortalAccess.DEACTIVATED:
        return (
            f"{member.full_name}'s portal access is deactivated, so the record is read-only. "
            "Activate it first."
        )
    return None


class TeamPolicy:
    """The rules for one person in one organization.

    Build one per request: the grants are read once (one query), so a team
    page asks about every row without a query per member.
    """

    def __init__(self, *, user, organization: Organization):
        self.user = user
        self.organization = organization

    @cached_property
    def managed_company_ids(self) -> frozenset[int]:
        if not self.organization.contacts_manage_team or not self.user.is_authenticated:
            return frozenset()
        managed = companies_managed_by(user=self.user, organization=self.organization)
        return frozenset(managed.values_list("pk", flat=True))

    def team_refusal(self, company: Company | None) -> str | None:
        """May this person see and manage ``company``'s team at all?"""
        if not self.organization.contacts_manage_team:
            return SETTING_OFF
        if (
            company is None
            or company.organization_id != self.organization.pk
            or company.pk not in self.managed_company_ids
        ):
            return NOT_A_TEAM_MANAGER
        return None

    def add_member_refusal(self, company: Company | None, status: str | None = None) -> str | None:
        refusal = self.team_refusal(company)
        if refusal is None and status is not None and status not in NEW_MEMBER_STATUSES:
            return NEW_MEMBER_STATUS
        return refusal

    def _teammate_refusal(self, member: Member) -> str | None:
        """Is ``member`` on a team this person manages?"""
        if not self.organization.contacts_manage_team:
            return SETTING_OFF
        if not self.managed_company_ids:
            return NOT_A_TEAM_MANAGER
        if member.organization_id != self.organization.pk or (
            member.company_id not in self.managed_company_ids
        ):
            return NOT_IN_YOUR_COMPANY.format(member=member)
        return None

    def status_change_refusal(self, member: Member, status: str | None = None) -> str | None:
        """May this person change ``member``'s status (to ``status``, if given)?"""
        refusal = self._teammate_refusal(member)
        if refusal:
            return refusal
        if member.user_id is not None and member.user_id == self.user.pk:
            return OWN_STATUS
        if has_active_membership(member):
            return ACTIVE_MEMBERSHIP.format(member=member)
        refusal = read_only_refusal(member)
        if refusal:
            return refusal
        if status is not None and status not in MemberStatus.values:
            return UNKNOWN_STATUS
        return None

    def invite_refusal(self, member: Member) -> str | None:
        """May this person invite ``member`` to the member portal (or send a
        pending invitation again)? R4.1: as they may manage the team."""
        refusal = self._teammate_refusal(member)
        if refusal:
            return refusal
        refusal = read_only_refusal(member)
        if refusal:
            return refusal
        if member.status != MemberStatus.ACTIVE:
            return INVITE_NOT_ACTIVE.format(member=member)
        if not member.email:
            return INVITE_NO_EMAIL.format(member=member)
        if member.portal_access == PortalAccess.ACTIVE:
            return INVITE_ALREADY_IN.format(member=member)
        return None


def has_active_membership(member: Member) -> bool:
    """Uses the selectors' annotation when present, else asks the database."""
    annotated = getattr(member, "has_active_membership", None)
    if annotated is not None:
        return annotated
    return Membership.objects.active().filter(member=member).exists()


def team_refusal(*, user, company: Company) -> str | None:
    return TeamPolicy(user=user, organization=company.organization).team_refusal(company)


def add_member_refusal(*, user, company: Company, status: str | None = None) -> str | None:
    policy = TeamPolicy(user=user, organization=company.organization)
    return policy.add_member_refusal(company, status)


def status_change_refusal(*, user, member: Member, status: str | None = None) -> str | None:
    policy = TeamPolicy(user=user, organization=member.organization)
    return policy.status_change_refusal(member, status)


def policy_for(request) -> TeamPolicy:
    """The request's TeamPolicy, built once (the nav and the page share it)."""
    policy = getattr(request, "_team_policy", None)
    if policy is None:
        policy = TeamPolicy(user=request.user, organization=request.organization)
        request._team_policy = policy
    return policy
