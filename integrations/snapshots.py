"""A member as the remote systems see it: one flat, JSON-safe dict.

Used twice: stored on the outbox event when a change is recorded (the log,
and the fallback once the member row is gone), and loaded fresh when a
delivery is sent, so a late retry never pushes a stale status.
"""

from dataclasses import replace

from django.db.models import Exists, OuterRef

from members.models import Member, MemberStatus, StatusRequest

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
}


#: What remotes are told of a member a contact person asked to make Active
#: while an admin has not decided yet (R8.2): the CRM shows it; door and
#: printing grant nothing to it (only "active" gets access).
AWAITING_APPROVAL = "awaiting_approval"


def member_snapshots(queryset) -> dict[int, dict]:
    """Snapshots of every member in ``queryset``, keyed by id, in one query."""
    awaiting = StatusRequest.objects.filter(
        member=OuterRef("pk"), decision=StatusRequest.Decision.PENDING
    )
    rows = queryset.annotate(awaiting_approval=Exists(awaiting)).values(
        *_FIELDS.values(), "awaiting_approval"
    )
    return {row["id"]: _snapshot(row) for row in rows}


def _snapshot(row: dict) -> dict:
    snapshot = {key: row[column] or "" for key, column in _FIELDS.items()} | {
        "member_id": row["id"]
    }
    if row["awaiting_approval"] and snapshot["status"] != MemberStatus.ACTIVE:
        snapshot["status"] = AWAITING_APPROVAL
    return snapshot


def member_snapshot(member_id: int) -> dict | None:
    return member_snapshots(Member.objects.filter(pk=member_id)).get(member_id)


def person_from_snapshot(snapshot: dict, *, status: str | None = None) -> Person:
    person = Person(**{key: snapshot.get(key, "") for key in _FIELDS})
    return replace(person, status=status) if status else person
