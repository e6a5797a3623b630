"""Writing the audit log, and letting upper floors react to it.

``record`` is called by an action inside its own transaction; the row
commits with the change or not at all. ``recorded`` is sent right after
the rows are written, still inside that transaction: a receiver's writes
(an outbox event, a notice to admins, team access) share the change's fate,
and a receiver that raises undoes the change. Receivers filter on the verb;
the table of verbs and reactions is in docs/architecture.md.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.dispatch import Signal

from .context import request_id
from .models import AuditEntry

#: Sent with ``entries`` (a list of saved AuditEntry rows, one verb each
#: call) inside the transaction that wrote them.
recorded = Signal()

#: Keys of ``before``/``after`` that hold what a person told us about
#: themselves: blanked when they erase their account (R5.3).
PERSONAL_KEYS = frozenset(
    {"email", "first_name", "last_name", "full_name", "name", "phone", "message", "company_name"}
)


def _write(entries) -> list[AuditEntry]:
    """The one place rows reach the table (tests make it fail)."""
    entries = list(entries)
    if len(entries) == 1:
        entries[0].save()
        return entries
    return AuditEntry.objects.bulk_create(entries)


def _label(actor) -> str:
    return getattr(actor, "email", "") if actor is not None else ""


def _entry(*, verb, actor, via, organization, subject, member, before, after, reason):
    organization_id = getattr(organization, "pk", organization)
    if organization_id is None and subject is not None:
        organization_id = getattr(subject, "organization_id", None)
    member_id = getattr(member, "pk", member)
    if member_id is None and subject is not None and subject._meta.label == "members.Member":
        member_id = subject.pk
    return AuditEntry(
        organization_id=organization_id,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_label(actor),
        subject_type=(
            ContentType.objects.get_for_model(subject, for_concrete_model=False)
            if subject is not None
            else None
        ),
        subject_id=getattr(subject, "pk", None),
        member_id=member_id,
        verb=verb,
        before=before or {},
        after=after or {},
        via=via,
        reason=(reason or "")[:500],
        request_id=request_id.get() if request_id.get() != "-" else "",
    )


def record(
    *,
    verb: str,
    via: str,
    actor=None,
    organization=None,
    subject=None,
    member=None,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEntry:
    """Write one entry and run the reactions to it, in the caller's
    transaction. ``member`` defaults to ``subject`` when that is a Member;
    ``organization`` to the subject's."""
    with transaction.atomic(savepoint=False):
        entry = _entry(
            verb=verb,
            actor=actor,
            via=via,
            organization=organization,
            subject=subject,
            member=member,
            before=before,
            after=after,
            reason=reason,
        )
        _write([entry])
        recorded.send(sender=AuditEntry, entries=[entry])
    return entry


def record_many(*, verb: str, via: str, actor=None, subjects, organization=None, reason=""):
    """One entry per subject (mass invite, a batch of suspended roles):
    one INSERT and one round of reactions for all of them."""
    return record_each(
        verb=verb,
        via=via,
        actor=actor,
        changes=[{"subject": subject} for subject in subjects],
        organization=organization,
        reason=reason,
    )


def record_each(*, verb: str, via: str, actor=None, changes, organization=None, reason=""):
    """One entry per change, each with its own ``before``/``after`` (a
    whole team's status changes in one move): ``changes`` holds dicts with
    ``subject``, ``before``, ``after`` and optionally ``member``; one INSERT
    and one round of reactions, as ``record_many``."""
    changes = list(changes)
    if not changes:
        return []
    with transaction.atomic(savepoint=False):
        entries = _write(
            _entry(
                verb=verb,
                actor=actor,
                via=via,
                organization=organization,
                subject=change.get("subject"),
                member=change.get("member"),
                before=change.get("before"),
                after=change.get("after"),
                reason=reason,
            )
            for change in changes
        )
        recorded.send(sender=AuditEntry, entries=entries)
    return entries


def reaction(*verbs: str):
    """Connect ``function(entries)`` to ``recorded`` for these verbs only.

    Registered from an app's ``ready()``; the function sees only the
    entries of its verbs, and is not called when there are none."""
    wanted = frozenset(verbs)

    def connect(function):
        def receiver(sender, entries, **kwargs):
            mine = [entry for entry in entries if entry.verb in wanted]
            if mine:
                function(mine)

        receiver.__name__ = function.__name__
        recorded.connect(
            receiver, weak=False, dispatch_uid=f"{function.__module__}.{function.__name__}"
        )
        return function

    return connect
