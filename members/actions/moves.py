"""Whole-team moves (issue 14, item 3): a company moves out of a location,
or its team moves to another location, in one action, and either is
undone within 30 days.

Each move is one transaction with a number of queries that does not grow
with the team: the members are locked, changed and recorded together,
one history entry each (``audit.log.record_each``, the shared reason),
and the reactions to those entries are the ones a single change gets:
the outbox event per member (a status change revokes door and printing
at the remotes, a transfer sends the new location), team access, the
counts. One more entry, about the company, tells the location's admins
once (notifications/reactions.py), not once per member.

The rules are the single actions' rules, checked for everyone before
anything changes; one refusal refuses the whole move, naming who stands
in the way:

- moving out is ``member_remove_from_location`` for everyone: status
  Former, portal access ends, unused invitation links die, an admin role
  of the person is suspended (``admin_role_refusal``: not your own
  record, nor a role you could not take away), open requests for
  approval are withdrawn; and the memberships end on ``end_date`` (a
  membership starting after it is cancelled), and the company's link to
  the location ends (``CompanyLocation.ended_at``: no new members there);
- moving the team is ``member_transfer`` for everyone: a deactivated
  record is read-only (``read_only_refusal``), the new location is the
  organization's and not archived; the company becomes a customer at the
  new location, its contacts' links follow, and its link to the old one
  ends.

Seat caps (item 1) hold for a team as for one member: the Active members
moving in (a team move, an undo) must fit the company's cap there, or an
admin confirms going over it (``over_seat_cap``, recorded on the company).

``TeamMove.snapshot`` keeps what each member (and membership, and link)
was. ``undo_move`` puts back those members that nothing changed since:
their record is untouched (``updated_at`` as the move left it) and no
history entry about them came after the move's.
"""

import datetime
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import log
from audit.models import AuditEntry, Verb, Via
from companies.models import Company, CompanyLocation, ContactLocation
from members.actions.access import _restore_admin_role, _suspend_admin_role
from members.actions.memberships import _described
from members.admin_roles import admin_role_of
from members.login_access import end_sessions_if_no_access_left
from members.models import (
    Invitation,
    LocationTransfer,
    Member,
    Membership,
    MemberStatus,
    PortalAccess,
    StatusRequest,
    TeamMove,
)
from members.seats import claim_seats, record_seat_override
from members.selectors import (
    holds_admin_role,
    move_out_refusals,
    move_team_refusals,
    moving_out,
    moving_team,
    unchanged_since,
)
from organizations.models import Location

from .records import ARCHIVED_LOCATION

# ----------------------------------------------------------------- who moves


def _refuse(refusals) -> None:
    if refusals:
        shown = "; ".join(f"{member.full_name}: {why}" for member, why in refusals[:5])
        more = len(refusals) - 5
        raise ValidationError(
            _("Nobody was moved. %(refusals)s") % {"refusals": shown}
            + (" " + _("And %(count)s more.") % {"count": more} if more > 0 else "")
        )


def _fit_seats(company, location, active: int, *, actor, via, over_seat_cap) -> None:
    """``active`` more Active members of ``company`` at ``location`` (members/seats.py)."""
    if not active:
        return
    usage = claim_seats(
        company=company, location=location, adding=active, via=via, override=over_seat_cap
    )
    if usage is not None:
        record_seat_override(usage, adding=active, actor=actor, via=via, subject=company)


def _new_move(company, kind, members, *, actor, reason, now, **places) -> TeamMove:
    return TeamMove.objects.create(
        organization_id=company.organization_id,
        company=company,
        kind=kind,
        reason=reason,
        actor=actor if getattr(actor, "pk", None) else None,
        created_at=now,
        member_count=len(members),
        **places,
    )


def _link(company: Company, location: Location) -> CompanyLocation:
    if location.organization_id != company.organization_id:
        raise ValidationError(_("That location belongs to another organization."))
    link = (
        CompanyLocation.objects.select_for_update()
        .filter(company=company, location=location, ended_at__isnull=True)
        .first()
    )
    if link is None:
        raise ValidationError(
            _("%(company)s is not a customer at %(location)s.")
            % {"company": company.name, "location": location.name}
        )
    return link


def _locked(queryset) -> list[Member]:
    return list(queryset.select_for_update(of=("self",)).order_by("pk"))


def _last_entry_id(ids) -> int:
    """The newest history entry about these members: an undo puts back only
    those with nothing newer."""
    return AuditEntry.objects.filter(member_id__in=ids).aggregate(last=Max("pk"))["last"] or 0


def _tell(move: TeamMove, verb: str, *, actor, via: str, after: dict, reason: str) -> None:
    """The one entry about the company (its timeline; the admins' notice)."""
    log.record(
        verb=verb,
        via=via,
        actor=actor,
        organization=move.organization_id,
        subject=move.company,
        after={
            "team_move_id": move.pk,
            "company_id": move.company_id,
            "from_location_id": move.from_location_id,
            "to_location_id": move.to_location_id,
        }
        | after,
        reason=reason,
    )


# ---------------------------------------------------------------- moving out


def _withdraw_open_requests(ids, *, actor, via: str, now) -> None:
    """``member_change_status`` withdraws an open request for approval
    (R8.2) when the status changes some other way: the same, for all."""
    requests = list(
        StatusRequest.objects.filter(
            member_id__in=ids, decision=StatusRequest.Decision.PENDING
        ).select_for_update()
    )
    if not requests:
        return
    reason = "The status changed to Former before an admin decided."
    StatusRequest.objects.filter(pk__in=[r.pk for r in requests]).update(
        decision=StatusRequest.Decision.WITHDRAWN,
        decided_by=actor,
        decided_at=now,
        decision_reason=reason,
    )
    log.record_each(
        verb=Verb.APPROVAL_WITHDRAWN,
        via=via,
        actor=actor,
        reason=reason,
        changes=[
            {
                "subject": request,
                "member": request.member_id,
                "before": {"decision": StatusRequest.Decision.PENDING},
                "after": {
                    "decision": StatusRequest.Decision.WITHDRAWN,
                    "status": MemberStatus.FORMER,
                },
            }
            for request in requests
        ],
    )


def _end_memberships(memberships, end_date: datetime.date) -> tuple[dict, list, list, list]:
    """End each membership on ``end_date`` (cancel one starting after it).
    Returns (previous end dates by id, cancelled ones described, the ended
    ones, the cancelled ones)."""
    ended, cancelled = [], []
    for membership in memberships:
        if membership.start_date > end_date:
            cancelled.append(membership)
        elif membership.end_date is None or membership.end_date > end_date:
            ended.append(membership)
    previous = {str(m.pk): m.end_date.isoformat() if m.end_date else None for m in ended}
    described = [_described(m) | {"membership_id": m.pk} for m in cancelled]
    if ended:
        Membership.objects.filter(pk__in=[m.pk for m in ended]).update(
            end_date=end_date, updated_at=timezone.now()
        )
    if cancelled:
        Membership.objects.filter(pk__in=[m.pk for m in cancelled]).delete()
    return previous, described, ended, cancelled


def _record_company_memberships(company, ended, cancelled, end_date, *, actor, via) -> None:
    """The company's memberships ended: one entry each, as ``membership_end``
    writes (its holders are sent again, integrations/reactions.py)."""
    changes = [
        {
            "subject": m,
            "before": {
                "end_date": m.end_date.isoformat() if m.end_date else None,
                "company_id": company.pk,
            },
            "after": {"end_date": end_date.isoformat(), "company_id": company.pk},
        }
        for m in ended
        if m.company_id is not None
    ] + [
        {
            "subject": None,
            "before": _described(m) | {"membership_id": m.pk},
            "after": {"cancelled": True, "company_id": company.pk},
        }
        for m in cancelled
        if m.company_id is not None
    ]
    log.record_each(
        verb=Verb.MEMBERSHIP_ENDED,
        via=via,
        actor=actor,
        organization=company.organization_id,
        changes=changes,
    )


@transaction.atomic
def move_out(
    *,
    company: Company,
    location: Location,
    end_date: datetime.date,
    reason: str,
    actor,
    via: str = Via.ADMIN,
) -> TeamMove:
    """End ``company`` at ``location``: see the module's docstring."""
    company = Company.objects.select_for_update().get(pk=company.pk)
    link = _link(company, location)
    members = _locked(moving_out(company, location))
    ids = [m.pk for m in members]
    _refuse(move_out_refusals(Member.objects.filter(pk__in=ids), actor=actor))
    now = timezone.now()
    reason = (reason or "").strip()[:500] or _("Moved out of %(location)s") % {
        "location": location.name
    }

    # Memberships: the company's at the location, and each member's.
    memberships = list(
        Membership.objects.select_for_update()
        .filter(Q(company=company, plan__location=location) | Q(member_id__in=ids))
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=end_date))
        .order_by("pk")
    )
    previous_ends, cancelled, ended, cancelled_rows = _end_memberships(memberships, end_date)
    of_member: dict[int, list[int]] = {}
    for m in [*ended, *cancelled_rows]:
        if m.member_id is not None:
            of_member.setdefault(m.member_id, []).append(m.pk)

    # Admin roles of the people moving out are suspended, as on Remove.
    suspended = []
    for member in Member.objects.filter(pk__in=ids).filter(holds_admin_role()):
        role = admin_role_of(member)
        if role is not None and role.suspended_at is None:
            _suspend_admin_role(member, actor)
            suspended.append(member.pk)

    Member.objects.filter(pk__in=ids).update(
        status=MemberStatus.FORMER, portal_access=PortalAccess.NONE, updated_at=now
    )
    Invitation.objects.filter(
        member_id__in=ids, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    _withdraw_open_requests(ids, actor=actor, via=via, now=now)
    link.ended_at = now
    link.save(update_fields=["ended_at"])

    move = _new_move(
        company, TeamMove.Kind.MOVE_OUT, members, actor=actor, reason=reason, now=now,
        from_location=location, end_date=end_date,
    )  # fmt: skip
    _record_company_memberships(company, ended, cancelled_rows, end_date, actor=actor, via=via)
    log.record_each(
        verb=Verb.MEMBER_STATUS_CHANGED,
        via=via,
        actor=actor,
        reason=reason,
        changes=[
            {
                "subject": member,
                "before": {"status": member.status}
                | (
                    {"portal_access": member.portal_access}
                    if member.portal_access != PortalAccess.NONE
                    else {}
                ),
                "after": {
                    "status": MemberStatus.FORMER,
                    "company_id": company.pk,
                    "team_move_id": move.pk,
                }
                | (
                    {"portal_access": PortalAccess.NONE}
                    if member.portal_access != PortalAccess.NONE
                    else {}
                )
                | ({"memberships_ended": of_member[member.pk]} if member.pk in of_member else {}),
            }
            for member in members
            if member.status != MemberStatus.FORMER or member.portal_access != PortalAccess.NONE
        ],
    )
    _tell(
        move,
        Verb.TEAM_MOVED_OUT,
        actor=actor,
        via=via,
        after={"members": len(members), "end_date": end_date.isoformat()},
        reason=reason,
    )
    move.snapshot = {
        "moved_at": now.isoformat(),
        "last_entry_id": _last_entry_id(ids),
        "members": {
            str(m.pk): {
                "status": m.status,
                "portal_access": m.portal_access,
                "admin_role_suspended": m.pk in suspended,
            }
            for m in members
        },
        "memberships": previous_ends,
        "cancelled": cancelled,
        "link_id": link.pk,
    }
    move.save(update_fields=["snapshot"])
    for user_id in {m.user_id for m in members if m.user_id is not None}:
        # Their member portal here closed: logged out if nothing else is
        # left to them (issue 10), once the move is committed.
        transaction.on_commit(partial(end_sessions_if_no_access_left, user_id))
    return move


# ------------------------------------------------------------ moving a team


@transaction.atomic
def move_team(
    *,
    company: Company,
    from_location: Location,
    to_location: Location,
    actor,
    reason: str = "",
    via: str = Via.ADMIN,
    over_seat_cap: bool = False,
) -> TeamMove:
    """Everyone of ``company`` at ``from_location`` moves to ``to_location``
    (R4.7's transfer, for everyone): see the module's docstring."""
    company = Company.objects.select_for_update().get(pk=company.pk)
    from_link = _link(company, from_location)
    if to_location.organization_id != company.organization_id:
        raise ValidationError({"to_location": _("That location belongs to another organization.")})
    if to_location.pk == from_location.pk:
        raise ValidationError(
            {"to_location": _("The team is at %(location)s already.") % {"location": to_location}}
        )
    if to_location.is_archived:
        raise ValidationError({"to_location": ARCHIVED_LOCATION % {"name": to_location.name}})
    if company.is_archived:
        raise ValidationError(
            _("%(company)s is archived: it takes no new members.") % {"company": company.name}
        )
    members = _locked(moving_team(company, from_location))
    ids = [m.pk for m in members]
    _refuse(move_team_refusals(Member.objects.filter(pk__in=ids)))
    if not members:
        raise ValidationError(
            _("Nobody of %(company)s is at %(location)s.")
            % {"company": company.name, "location": from_location.name}
        )
    now = timezone.now()
    reason = (reason or "").strip()[:500] or _("Moved to %(location)s") % {
        "location": to_location.name
    }

    # The company is a customer at the new location (before anyone is there:
    # the composite foreign key), its link to the old one ends.
    to_link = (
        CompanyLocation.objects.select_for_update()
        .filter(company=company, location=to_location)
        .first()
    )
    to_link_was = "held"
    if to_link is None:
        to_link = CompanyLocation.objects.create(
            organization_id=company.organization_id, company=company, location=to_location
        )
        to_link_was = "none"
    elif to_link.ended_at is not None:
        to_link.ended_at = None
        to_link.save(update_fields=["ended_at"])
        to_link_was = "ended"
    active = sum(1 for member in members if member.status == MemberStatus.ACTIVE)
    _fit_seats(company, to_location, active, actor=actor, via=via, over_seat_cap=over_seat_cap)

    # Contacts linked to the old location are linked to the new one.
    links = list(
        ContactLocation.objects.select_for_update().filter(company=company, location=from_location)
    )
    already = set(
        ContactLocation.objects.filter(
            company=company, location=to_location, member_id__in=[c.member_id for c in links]
        ).values_list("member_id", flat=True)
    )
    moved_links = [c.pk for c in links if c.member_id not in already]
    dropped_links = [c.member_id for c in links if c.member_id in already]
    ContactLocation.objects.filter(pk__in=moved_links).update(location=to_location)
    ContactLocation.objects.filter(
        company=company, location=from_location, member_id__in=dropped_links
    ).delete()

    Member.objects.filter(pk__in=ids).update(location=to_location, updated_at=now)
    from_link.ended_at = now
    from_link.save(update_fields=["ended_at"])
    move = _new_move(
        company, TeamMove.Kind.MOVE_TEAM, members, actor=actor, reason=reason, now=now,
        from_location=from_location, to_location=to_location,
    )  # fmt: skip
    _transferred(members, move, from_location.pk, to_location.pk, actor=actor, via=via,
                 reason=reason, now=now)  # fmt: skip
    _tell(move, Verb.TEAM_MOVED, actor=actor, via=via, after={"members": len(members)},
          reason=reason)  # fmt: skip
    move.snapshot = {
        "moved_at": now.isoformat(),
        "last_entry_id": _last_entry_id(ids),
        "members": {str(m.pk): {"location_id": from_location.pk} for m in members},
        "link_id": from_link.pk,
        "to_link_was": to_link_was,
        "moved_links": moved_links,
        "dropped_links": dropped_links,
    }
    move.save(update_fields=["snapshot"])
    return move


def _transferred(members, move, from_id, to_id, *, actor, via, reason, now, undone=False):
    """What R4.7's transfer leaves for each member moved (or moved back by an
    undo): a ``LocationTransfer`` and a history entry, all in two inserts."""
    LocationTransfer.objects.bulk_create(
        LocationTransfer(
            organization_id=move.organization_id,
            member=member,
            from_location_id=from_id,
            to_location_id=to_id,
            actor=actor if getattr(actor, "pk", None) else None,
            created_at=now,
        )
        for member in members
    )
    after = {"company_id": move.company_id, "team_move_id": move.pk}
    if undone:
        after["undone"] = True
    log.record_each(
        verb=Verb.MEMBER_TRANSFERRED,
        via=via,
        actor=actor,
        reason=reason,
        changes=[
            {
                "subject": member,
                "before": {"location_id": from_id, "company_id": move.company_id},
                "after": {"location_id": to_id, **after},
            }
            for member in members
        ],
    )


# -------------------------------------------------------------------- undo


def _undo_refusal(move: TeamMove, now=None) -> str | None:
    if move.undone_at is not None:
        return _("This move was undone already.")
    if not move.may_be_undone(now):
        return _("A move can be undone for %(days)s days; this one is older.") % {
            "days": TeamMove.UNDO_DAYS
        }
    return None


@transaction.atomic
def undo_move(
    *, move: TeamMove, actor, via: str = Via.ADMIN, over_seat_cap: bool = False
) -> TeamMove:
    """Put back each member the move changed and nothing changed since
    (``restored_count`` says how many; the others stay as they are now)."""
    move = (
        TeamMove.objects.select_for_update(of=("self",))
        .select_related("company", "from_location", "to_location")
        .get(pk=move.pk)
    )
    refusal = _undo_refusal(move)
    if refusal:
        raise ValidationError(refusal)
    list(
        Member.objects.select_for_update()
        .filter(pk__in=[int(pk) for pk in move.snapshot.get("members", {})])
        .order_by("pk")
        .values("pk")
    )
    restored, _skipped = unchanged_since(move)
    if move.kind == TeamMove.Kind.MOVE_OUT:
        was = move.snapshot["members"]
        active = sum(1 for pk in restored if was[str(pk)]["status"] == MemberStatus.ACTIVE)
    else:
        active = Member.objects.filter(pk__in=restored, status=MemberStatus.ACTIVE).count()
    _fit_seats(
        move.company, move.from_location, active, actor=actor, via=via, over_seat_cap=over_seat_cap
    )
    now = timezone.now()
    reason = _("Undone: %(reason)s") % {"reason": move.reason}
    if move.kind == TeamMove.Kind.MOVE_OUT:
        _undo_move_out(move, restored, actor=actor, via=via, now=now, reason=reason)
    else:
        _undo_move_team(move, restored, actor=actor, via=via, now=now, reason=reason)
    move.undone_at = now
    move.undone_by = actor if getattr(actor, "pk", None) else None
    move.restored_count = len(restored)
    move.save(update_fields=["undone_at", "undone_by", "restored_count"])
    _tell(
        move,
        Verb.TEAM_MOVE_UNDONE,
        actor=actor,
        via=via,
        after={"members": len(restored), "kind": move.kind},
        reason=reason,
    )
    return move


def _undo_move_out(move: TeamMove, restored: list[int], *, actor, via, now, reason) -> None:
    snapshot = move.snapshot
    members = {m.pk: m for m in Member.objects.filter(pk__in=restored).select_related("company")}
    CompanyLocation.objects.filter(pk=snapshot["link_id"]).update(ended_at=None)
    # Each back to the status and portal access they had (a pending
    # invitation's link died with the move: invite them again).
    groups: dict[tuple[str, str], list[int]] = {}
    for pk in restored:
        was = snapshot["members"][str(pk)]
        groups.setdefault((was["status"], was["portal_access"]), []).append(pk)
    for (status, portal_access), pks in groups.items():
        Member.objects.filter(pk__in=pks).update(
            status=status, portal_access=portal_access, updated_at=now
        )
        for pk in pks:
            members[pk].status, members[pk].portal_access = status, portal_access
    for pk in restored:
        if snapshot["members"][str(pk)].get("admin_role_suspended"):
            _restore_admin_role(members[pk], actor)

    # Memberships the move ended and nothing changed since: their old end.
    wanted = snapshot.get("memberships", {})
    back = list(
        Membership.objects.select_for_update()
        .filter(pk__in=[int(pk) for pk in wanted], end_date=move.end_date)
        .filter(Q(member_id__in=restored) | Q(member__isnull=True))
    )
    for membership in back:
        previous = wanted[str(membership.pk)]
        membership.end_date = datetime.date.fromisoformat(previous) if previous else None
        membership.updated_at = now
    Membership.objects.bulk_update(back, ["end_date", "updated_at"])
    recreated = [
        Membership(
            organization_id=move.organization_id,
            plan_id=row["plan_id"],
            member_id=row["member_id"],
            company_id=row["company_id"] if row["member_id"] is None else None,
            start_date=datetime.date.fromisoformat(row["start_date"]),
            end_date=datetime.date.fromisoformat(row["end_date"]) if row["end_date"] else None,
            seats=row["seats"],
        )
        for row in snapshot.get("cancelled", [])
        if row["member_id"] is None or row["member_id"] in members
    ]
    recreated = Membership.objects.bulk_create(recreated)
    of_company = [m for m in [*back, *recreated] if m.company_id is not None]
    log.record_each(
        verb=Verb.MEMBERSHIP_CHANGED,
        via=via,
        actor=actor,
        organization=move.organization_id,
        reason=reason,
        changes=[
            {
                "subject": m,
                "before": {"end_date": move.end_date.isoformat(), "company_id": m.company_id},
                "after": {
                    "end_date": m.end_date.isoformat() if m.end_date else None,
                    "company_id": m.company_id,
                },
            }
            for m in of_company
        ],
    )
    log.record_each(
        verb=Verb.MEMBER_STATUS_CHANGED,
        via=via,
        actor=actor,
        reason=reason,
        changes=[
            {
                "subject": members[pk],
                "before": {"status": MemberStatus.FORMER}
                | (
                    {"portal_access": PortalAccess.NONE}
                    if members[pk].portal_access != PortalAccess.NONE
                    else {}
                ),
                "after": {
                    "status": members[pk].status,
                    "company_id": move.company_id,
                    "team_move_id": move.pk,
                    "undone": True,
                }
                | (
                    {"portal_access": members[pk].portal_access}
                    if members[pk].portal_access != PortalAccess.NONE
                    else {}
                ),
            }
            for pk in restored
            if members[pk].status != MemberStatus.FORMER
            or members[pk].portal_access != PortalAccess.NONE
        ],
    )


def _undo_move_team(move: TeamMove, restored: list[int], *, actor, via, now, reason) -> None:
    snapshot = move.snapshot
    company = move.company
    CompanyLocation.objects.filter(pk=snapshot["link_id"]).update(ended_at=None)
    members = list(Member.objects.filter(pk__in=restored))
    Member.objects.filter(pk__in=restored).update(location=move.from_location, updated_at=now)
    # The contacts' links go back where they were.
    ContactLocation.objects.filter(
        pk__in=snapshot.get("moved_links", []), location=move.to_location
    ).update(location=move.from_location)
    ContactLocation.objects.bulk_create(
        [
            ContactLocation(
                organization_id=move.organization_id,
                company=company,
                member_id=member_id,
                location=move.from_location,
            )
            for member_id in snapshot.get("dropped_links", [])
            if Member.objects.filter(pk=member_id, company=company).exists()
        ],
        ignore_conflicts=True,
    )
    # The new location's link, when the move made it and nothing is there now.
    still_there = (
        Member.objects.filter(company=company, location=move.to_location).exists()
        or ContactLocation.objects.filter(company=company, location=move.to_location).exists()
    )
    if not still_there and snapshot.get("to_link_was") == "none":
        CompanyLocation.objects.filter(company=company, location=move.to_location).delete()
    elif not still_there and snapshot.get("to_link_was") == "ended":
        CompanyLocation.objects.filter(company=company, location=move.to_location).update(
            ended_at=now
        )
    _transferred(members, move, move.to_location_id, move.from_location_id, actor=actor, via=via,
                 reason=reason, now=now, undone=True)  # fmt: skip
