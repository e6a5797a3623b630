"""Who holds ``companies.manage_team`` on which company (R2.2, R2.5).

The grant is a django-guardian object permission on Company, derived from
facts held elsewhere: the organization's setting, who is contact person,
billing person or manager, and whether that member is active with a login
whose portal access an admin has not deactivated (R4.6).
``sync_team_access`` recomputes it from those facts and makes the guardian
rows match. It is called from one place, the audit reaction in
members/reactions.py, inside the transaction of every change to one of the
facts, so the grant never outlives the role.
"""

from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import QuerySet

from companies.models import (
    MANAGE_TEAM_CODENAME,
    MANAGE_TEAM_GRANTS,
    TEAM_ROLE_HOLDER,
    Company,
    CompanyUserObjectPermission,
)
from members.models import Member, MemberStatus, PortalAccess


def manage_team_permission() -> Permission:
    return Permission.objects.get(
        content_type__app_label="companies", codename=MANAGE_TEAM_CODENAME
    )


def team_managers_should_be(companies: QuerySet, *, leaving=()) -> set[tuple[int, int]]:
    """(company id, user id) pairs that ought to hold the grant."""
    holders = (
        Member.objects.filter(
            company__in=companies,
            company__organization__contacts_manage_team=True,
            status=MemberStatus.ACTIVE,
            user__isnull=False,
            user__is_active=True,
        )
        # A deactivated person cannot use the member portal, so they hold no
        # grant there either; activating them gives it back.
        .exclude(portal_access=PortalAccess.DEACTIVATED)
        # Records being deleted in this transaction hold nothing.
        .exclude(pk__in=leaving)
        .filter(TEAM_ROLE_HOLDER)
        .values_list("company_id", "user_id")
    )
    return set(holders)


@transaction.atomic
def sync_team_access_for(companies: QuerySet, *, leaving=()) -> tuple[int, int]:
    """Make the grants on ``companies`` match the facts; returns (granted, revoked)."""
    permission = manage_team_permission()
    # Locking the companies serialises concurrent syncs of the same team, so
    # one computed from older facts cannot re-insert a grant another revoked.
    locked = Company.objects.select_for_update().filter(pk__in=companies.values("pk"))
    company_ids = list(locked.order_by("pk").values_list("pk", flat=True))
    if not company_ids:
        return 0, 0
    scope = Company.objects.filter(pk__in=company_ids)
    wanted = team_managers_should_be(scope, leaving=leaving)
    rows = CompanyUserObjectPermission.objects.filter(
        MANAGE_TEAM_GRANTS, content_object_id__in=company_ids
    )
    held = {
        (company_id, user_id): pk
        for pk, company_id, user_id in rows.values_list("pk", "content_object_id", "user_id")
    }
    stale = [pk for pair, pk in held.items() if pair not in wanted]
    if stale:
        CompanyUserObjectPermission.objects.filter(pk__in=stale).delete()
    missing = sorted(wanted - held.keys())
    CompanyUserObjectPermission.objects.bulk_create(
        [
            CompanyUserObjectPermission(
                content_object_id=company_id, user_id=user_id, permission=permission
            )
            for company_id, user_id in missing
        ],
        ignore_conflicts=True,
    )
    return len(missing), len(stale)


def sync_team_access(company: Company | int) -> tuple[int, int]:
    """Recompute who may manage ``company``'s team."""
    company_id = getattr(company, "pk", company)
    return sync_team_access_for(Company.objects.filter(pk=company_id))


def sync_team_access_of_companies(
    company_ids: Iterable[int | None], *, leaving=()
) -> tuple[int, int]:
    ids = {pk for pk in company_ids if pk is not None}
    if not ids:
        return 0, 0
    return sync_team_access_for(Company.objects.filter(pk__in=ids), leaving=leaving)
