"""Memberships: add, change, end (issue 13, item 3; R2.3, R4.7).

A membership is a member's or a company's, on a plan offered at the
holder's location (``members.space_policy.plans_offered``). Each action
records its entry; the connected systems hear of the holders again
(integrations/reactions.py), since a plan decides door and printing access
(members/plan_access.py).

"End now" makes yesterday the last day: an active membership is one whose
period covers today, so one that ends today still runs today. A membership
that has not run a day yet (starting today or later) is cancelled instead:
deleted, with its entry keeping what it was.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import log
from audit.models import Verb, Via
from members.actions.access import member_remove_from_location, members_whose_membership_ended
from members.models import Member, Membership, Plan
from members.space_policy import plan_refusal

MEMBERSHIP_FIELDS = ("plan_id", "start_date", "end_date", "seats")


def _described(membership: Membership) -> dict:
    return {
        "plan_id": membership.plan_id,
        "start_date": membership.start_date.isoformat() if membership.start_date else None,
        "end_date": membership.end_date.isoformat() if membership.end_date else None,
        "seats": membership.seats,
        "member_id": membership.member_id,
        "company_id": membership.company_id,
    }


def _check(membership: Membership, holder) -> None:
    """Every rule, each message at its field."""
    errors: dict[str, list[str]] = {}
    refusal = plan_refusal(membership.plan, holder)
    if refusal:
        errors.setdefault("plan", []).append(refusal)
    if (
        membership.end_date
        and membership.start_date
        and membership.end_date < membership.start_date
    ):
        errors.setdefault("end_date", []).append(_("The end date is before the start date."))
    if membership.seats is not None:
        if membership.member_id is not None:
            errors.setdefault("seats", []).append(
                _("Seats are counted on a company's membership; a member's covers one person.")
            )
        elif membership.seats < 1:
            errors.setdefault("seats", []).append(_("At least one seat, or leave it empty."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def membership_create(
    *,
    plan: Plan,
    start_date: datetime.date,
    actor,
    member: Member | None = None,
    company=None,
    end_date: datetime.date | None = None,
    seats: int | None = None,
    via: str = Via.ADMIN,
) -> Membership:
    if (member is None) == (company is None):
        raise ValidationError(_("A membership is a member's or a company's."))
    holder = member or company
    membership = Membership(
        organization_id=holder.organization_id,
        plan=plan,
        member=member,
        company=company,
        start_date=start_date,
        end_date=end_date,
        seats=seats,
    )
    _check(membership, holder)
    membership.save()
    log.record(
        verb=Verb.MEMBERSHIP_CREATED,
        via=via,
        actor=actor,
        subject=membership,
        member=member,
        after=_described(membership),
    )
    return membership


def _locked(membership: Membership) -> Membership:
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("plan", "plan__location", "member", "company")
        .get(pk=membership.pk)
    )


def _refuse_ended(membership: Membership) -> None:
    if membership.has_ended:
        raise ValidationError(
            _("This membership ended on %(date)s; add a new one instead.")
            % {"date": membership.end_date.isoformat()}
        )


@transaction.atomic
def membership_change(
    *,
    membership: Membership,
    actor,
    plan: Plan | None = None,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    seats: int | None = None,
    via: str = Via.ADMIN,
) -> dict:
    """Change the plan, period or seats of a membership that has not ended.
    ``end_date`` and ``seats`` are set as given (None: open-ended, not
    counted). Returns what changed."""
    membership = _locked(membership)
    _refuse_ended(membership)
    before = _described(membership)
    if plan is not None:
        membership.plan = plan
    if start_date is not None:
        membership.start_date = start_date
    membership.end_date = end_date
    membership.seats = seats
    if membership.plan_id == before["plan_id"]:
        # Keeping the plan it is on is allowed even once archived.
        _check_without_plan(membership)
    else:
        _check(membership, membership.holder)
    after = _described(membership)
    changed = [key for key in MEMBERSHIP_FIELDS if before[key] != after[key]]
    if not changed:
        return {}
    membership.save()
    log.record(
        verb=Verb.MEMBERSHIP_CHANGED,
        via=via,
        actor=actor,
        subject=membership,
        member=membership.member,
        before={key: before[key] for key in changed} | {"company_id": membership.company_id},
        after={key: after[key] for key in changed} | {"company_id": membership.company_id},
    )
    _auto_former(membership, actor)
    return {key: (before[key], after[key]) for key in changed}


def _check_without_plan(membership: Membership) -> None:
    try:
        _check(membership, membership.holder)
    except ValidationError as invalid:
        errors = {k: v for k, v in invalid.message_dict.items() if k != "plan"}
        if errors:
            raise ValidationError(errors) from None


@transaction.atomic
def membership_end(
    *,
    membership: Membership,
    actor,
    on: datetime.date | None = None,
    via: str = Via.ADMIN,
) -> Membership | None:
    """End the membership: its last day ``on``, or now (see the module's
    docstring). Returns the membership, or None when it was cancelled.

    Ending one now, with the organization's automatic Former on, sets a
    member left without any running or coming membership to Former at
    once, through the same removal the nightly task uses (R4.7)."""
    membership = _locked(membership)
    _refuse_ended(membership)
    today = timezone.localdate()
    before = _described(membership)
    if on is None and membership.start_date >= today:
        membership_id = membership.pk
        membership.delete()
        log.record(
            verb=Verb.MEMBERSHIP_ENDED,
            via=via,
            actor=actor,
            organization=membership.organization_id,
            subject=None,
            member=membership.member,
            before=before | {"membership_id": membership_id},
            after={"cancelled": True, "company_id": membership.company_id},
        )
        _auto_former(membership, actor)
        return None
    last_day = on if on is not None else today - datetime.timedelta(days=1)
    if last_day < membership.start_date:
        raise ValidationError(
            {
                "end_date": _("The membership starts on %(date)s; it cannot end before that.")
                % {"date": membership.start_date.isoformat()}
            }
        )
    membership.end_date = last_day
    membership.save(update_fields=["end_date", "updated_at"])
    log.record(
        verb=Verb.MEMBERSHIP_ENDED,
        via=via,
        actor=actor,
        subject=membership,
        member=membership.member,
        before={"end_date": before["end_date"], "company_id": membership.company_id},
        after={"end_date": last_day.isoformat(), "company_id": membership.company_id},
    )
    _auto_former(membership, actor)
    return membership


def _auto_former(membership: Membership, actor) -> None:
    """R4.7 at once, for a member whose last membership just stopped running."""
    if membership.member_id is None:
        return
    ended = members_whose_membership_ended().filter(pk=membership.member_id)
    for member in ended:
        member_remove_from_location(
            member=member, actor=None, via=Via.SYSTEM, reason=_("Membership ended")
        )
