"""A member as the remote systems see it: one flat, JSON-safe dict.

Used twice: stored on the outbox event when a change is recorded (the log,
and the fallback once the member row is gone), and loaded fresh when a
delivery is sent, so a late retry never pushes a stale status.
"""

from dataclasses import replace

from django.db.models import Exists, OuterRef

from members.models import Member, MemberStatus, StatusRequest
from members.plan_access import with_plan_access
from organizations.models import Location

from .http import Person

_FIELDS = {
    "member_id": "id",
    "email": "email",
    "first_name": "first_name",
    "last_name": "last_name",
    "phone": "phone",
    "company": "company__name",
    "status": "status",
    "location": "location__name",
    "organization": "organization__name",
    "door_group": "location__door_group",
    "printing_group": "location__printing_group",
}
#: Booleans, kept as they are (not turned into "").
_FLAGS = {"door_access": "plan_door_access", "printing_access": "plan_printing_access"}
_GROUP_LISTS = {"door_group": "other_door_groups", "printing_group": "other_printing_groups"}


#: What remotes are told of a member a contact person asked to make Active
#: while an admin has not decided yet (R8.2): the CRM shows it; door and
#: printing grant nothing to it (only "active" gets access).
AWAITING_APPROVAL = "awaiting_approval"


def member_snapshots(queryset) -> dict[int, dict]:
    """Snapshots of every member in ``queryset``, keyed by id: one query, and
    one more for the groups their organizations' locations name."""
    awaiting = StatusRequest.objects.filter(
        member=OuterRef("pk"), decision=StatusRequest.Decision.PENDING
    )
    rows = list(
        with_plan_access(queryset)
        .annotate(awaiting_approval=Exists(awaiting))
        .values(*_FIELDS.values(), "organization_id", *_FLAGS.values(), "awaiting_approval")
    )
    groups = _groups_by_organization({row["organization_id"] for row in rows})
    snapshots = {}
    for row in rows:
        snapshot = {key: row[column] or "" for key, column in _FIELDS.items()}
        snapshot |= {key: bool(row[column]) for key, column in _FLAGS.items()}
        for group, others in _GROUP_LISTS.items():
            named = {location[group] for location in groups.get(row["organization_id"], ())}
            snapshot[others] = sorted(named - {"", snapshot[group]})
        if row["awaiting_approval"] and snapshot["status"] != MemberStatus.ACTIVE:
            snapshot["status"] = AWAITING_APPROVAL
        snapshots[row["id"]] = snapshot | {"member_id": row["id"]}
    return snapshots


def _groups_by_organization(organization_ids) -> dict[int, list[dict]]:
    """The groups every location (archived ones too) of these organizations names."""
    if not organization_ids:
        return {}
    by_organization: dict[int, list[dict]] = {}
    for row in (
        Location.objects.filter(organization_id__in=organization_ids)
        .exclude(door_group="", printing_group="")
        .values("organization_id", *_GROUP_LISTS)
    ):
        by_organization.setdefault(row["organization_id"], []).append(row)
    return by_organization


def member_snapshot(member_id: int) -> dict | None:
    return member_snapshots(Member.objects.filter(pk=member_id)).get(member_id)


def person_from_snapshot(snapshot: dict, *, status: str | None = None) -> Person:
    """An event recorded before locations and plans carried access has no
    such keys: the Person's defaults (the status alone decides) apply."""
    values = {key: snapshot.get(key, "") for key in _FIELDS}
    values |= {key: bool(snapshot[key]) for key in _FLAGS if key in snapshot}
    values |= {key: tuple(snapshot[key]) for key in _GROUP_LISTS.values() if key in snapshot}
    person = Person(**values)
    return replace(person, status=status) if status else person
