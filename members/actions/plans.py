"""Plans: create, edit, archive (issue 13, item 3).

A plan belongs to one location. Who may change it: whoever manages that
location's settings (``members.space_policy.can_manage_plan``; the views
ask it).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import log
from audit.models import Verb, Via
from members.models import Plan

#: What an admin sets on a plan. The location is chosen once: memberships
#: on the plan were sold there.
PLAN_FIELDS = ("name", "price", "billing_period", "gives_door_access", "gives_printing_access")


def _json(value):
    return str(value) if not isinstance(value, (bool, int, str, type(None))) else value


def _checked(plan: Plan) -> None:
    plan.full_clean(exclude=["organization", "location"], validate_unique=False)


@transaction.atomic
def plan_create(*, organization, location, actor, via: str = Via.ADMIN, **values) -> Plan:
    if location is None or location.organization_id != organization.pk:
        raise ValidationError({"location": _("Choose one of your locations.")})
    if location.is_archived:
        raise ValidationError({"location": _("%(name)s is archived.") % {"name": location.name}})
    plan = Plan(organization=organization, location=location, **values)
    _checked(plan)
    plan.save()
    log.record(
        verb=Verb.PLAN_CREATED,
        via=via,
        actor=actor,
        subject=plan,
        after={"location_id": location.pk, **{f: _json(getattr(plan, f)) for f in PLAN_FIELDS}},
    )
    return plan


def _refuse_archived(plan: Plan) -> None:
    if plan.is_archived:
        raise ValidationError(
            _("The plan %(name)s is archived: it cannot be changed.") % {"name": plan.name}
        )


@transaction.atomic
def plan_update(*, plan: Plan, actor, via: str = Via.ADMIN, **values) -> dict:
    """Change what ``values`` holds of PLAN_FIELDS; returns what changed. A
    changed door or printing switch reaches the connected systems for
    everyone on the plan (integrations/reactions.py)."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    _refuse_archived(plan)
    before = {f: getattr(plan, f) for f in PLAN_FIELDS}
    for field in PLAN_FIELDS:
        if field in values:
            setattr(plan, field, values[field])
    _checked(plan)
    changed = [f for f in PLAN_FIELDS if before[f] != getattr(plan, f)]
    if not changed:
        return {}
    plan.save()
    log.record(
        verb=Verb.PLAN_UPDATED,
        via=via,
        actor=actor,
        subject=plan,
        before={f: _json(before[f]) for f in changed},
        after={f: _json(getattr(plan, f)) for f in changed},
    )
    return {f: (before[f], getattr(plan, f)) for f in changed}


@transaction.atomic
def plan_archive(*, plan: Plan, actor, via: str = Via.ADMIN) -> Plan:
    """No new memberships on it; the ones running keep running."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    _refuse_archived(plan)
    plan.archived_at = timezone.now()
    plan.save(update_fields=["archived_at", "updated_at"])
    log.record(
        verb=Verb.PLAN_ARCHIVED,
        via=via,
        actor=actor,
        subject=plan,
        before={"archived": False},
        after={"archived": True},
    )
    return plan
