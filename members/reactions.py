"""Team access follows the facts, in one place (R2.2, R2.5).

Who may manage a team depends on the organization's setting, the company's
roles and each role holder's status, login and portal access. Every action
that changes one of those records it in the audit log; this reaction
recomputes the grants of the companies an entry touches, in the same
transaction. A new write path that records its change keeps access right
without knowing about it.
"""

from audit.log import reaction
from audit.models import Verb
from companies.models import Company
from members.models import Member
from members.team_access import sync_team_access_for, sync_team_access_of_companies

CHANGES_TEAM_ACCESS = (
    Verb.MEMBER_UPDATED,
    Verb.MEMBER_STATUS_CHANGED,
    Verb.MEMBER_PORTAL_ACCESS_CHANGED,
    Verb.MEMBER_LOGIN_LINKED,
    Verb.MEMBER_TRANSFERRED,
    Verb.MEMBER_LEFT_LOCATION,
    Verb.MEMBER_REMOVED,
    Verb.MEMBER_ERASED,
    Verb.COMPANY_ROLE_CHANGED,
    Verb.ORGANIZATION_SETTINGS_CHANGED,
)


def _companies_of(entry) -> set[int | None]:
    if entry.verb == Verb.COMPANY_ROLE_CHANGED:
        return {entry.subject_id}
    named = {entry.before.get("company_id"), entry.after.get("company_id")}
    if "company_id" not in entry.before and "company_id" not in entry.after:
        named |= set(Member.objects.filter(pk=entry.member_id).values_list("company_id", flat=True))
    return named


@reaction(*CHANGES_TEAM_ACCESS)
def keep_team_access(entries) -> None:
    company_ids: set[int | None] = set()
    leaving = [entry.member_id for entry in entries if entry.verb == Verb.MEMBER_REMOVED]
    for entry in entries:
        if entry.verb == Verb.ORGANIZATION_SETTINGS_CHANGED:
            if "contacts_manage_team" in entry.after:
                sync_team_access_for(Company.objects.filter(organization_id=entry.organization_id))
            continue
        company_ids |= _companies_of(entry)
    sync_team_access_of_companies(company_ids, leaving=leaving)
