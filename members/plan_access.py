"""What a member's plans give at the doors and printers (issue 13, item 3).

The status decides first: only active members get anything (R3.1). Then
the plans: a member on at least one running membership (their own, or
their company's) gets door access only if one of those plans gives it,
and printing likewise. A member on no running membership keeps what the
status alone gave before plans carried these switches, so an operator who
does not record memberships sees no change.

Read for many members at once as annotations (the integration snapshots
load members this way); ``plan_access`` answers for one.
"""

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from .models import Member, Membership


def _running(on=None):
    """Running memberships of the outer member or of its company."""
    return Membership.objects.active(on).filter(
        Q(member=OuterRef("pk")) | Q(company_id=OuterRef("company_id"))
    )


def with_plan_access(queryset: QuerySet, on=None) -> QuerySet:
    """``queryset`` of members with ``plan_door_access`` and
    ``plan_printing_access``: what their plans allow, whatever their status."""
    running = _running(on)

    def allowed(switch: str):
        return ExpressionWrapper(
            ~Exists(running) | Exists(running.filter(**{f"plan__{switch}": True})),
            output_field=BooleanField(),
        )

    return queryset.annotate(
        plan_door_access=allowed("gives_door_access"),
        plan_printing_access=allowed("gives_printing_access"),
    )


def plan_access(member: Member, on=None) -> tuple[bool, bool]:
    """(door, printing) the member's plans allow."""
    row = (
        with_plan_access(Member.objects.filter(pk=member.pk), on)
        .values_list("plan_door_access", "plan_printing_access")
        .get()
    )
    return bool(row[0]), bool(row[1])
