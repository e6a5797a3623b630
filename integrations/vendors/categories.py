"""How a change reaches a system, by what the system does with a member.

The pipeline (``integrations/services.py``) builds the vendor's client and hands
the vendor's category an :class:`Attempt`: the member now, the event being
delivered, and the addresses the system may hold the member under. The category
decides what to send; the client how to say it to that vendor.

- :data:`CRM`: one contact per member, moved when the email changes, deleted
  with the person's account (R5.3).
- :data:`ACCESS`: doors or printing, only ever granted to active members and
  taken back under every earlier address first.
- :data:`WEBHOOK`: each event itself, in order, with the member's current
  state beside it.

CRM and access systems are sent the member's *current* state (a late retry
never pushes a stale status); the webhook is sent what the event recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any, ClassVar, Protocol

from integrations.http.base import Person
from integrations.http.errors import DeliveryError, ReceiverGone

#: The status remotes are told for a member who is gone (or an address they left).
REMOVED = "removed"

NO_EMAIL = "The member has no email address, which this system needs."


class Attempt(Protocol):
    """One delivery attempt, as the pipeline offers it to a category."""

    #: The member now ("removed" once the record is gone or the event removes them).
    person: Person
    #: The same on every retry of this delivery; remotes drop repeats by it.
    idempotency_key: str
    #: What happened ("member.status_changed" …), its number among the member's
    #: events, and the status before it (status changes only).
    event: str
    sequence: int
    previous: dict[str, Any] | None

    def recorded_person(self) -> Person:
        """The member as the event recorded them."""

    def earlier_addresses(self) -> list[str]:
        """Every other address this system may hold the member under, most
        recently sent first. An address another member has now is theirs and
        is not listed."""

    def remember(self, email: str) -> None:
        """Note that ``email`` is about to be sent (kept should the answer be lost)."""

    def release(self, emails: Iterable[str]) -> None:
        """The system confirmed nothing of the member is left under these."""

    def account_deleted(self) -> bool:
        """The person deleted their account (R5.3)."""

    def switch_off(self, reason: str) -> None:
        """Switch the connection off and tell the organization's admins why."""


class CrmClient(Protocol):
    def push(
        self, person: Person, *, idempotency_key: str, previous_emails: Sequence[str] = ()
    ) -> list[str]:
        """Upsert; returns the previous addresses another contact still holds."""

    def erase(self, email: str, *, idempotency_key: str) -> None: ...


class BatchCrmClient(CrmClient, Protocol):
    """A CRM whose API upserts many contacts by email in one call (HubSpot)."""

    #: Contacts per call.
    batch_size: int

    def push_many(self, people: Sequence[tuple[Person, str]]) -> dict[str, DeliveryError]:
        """Upsert (person, idempotency key) pairs; the errors of those that failed, by key."""


class AccessClient(Protocol):
    def push(self, person: Person, *, idempotency_key: str) -> None:
        """Converge: access if the person is active, none otherwise."""


class EventClient(Protocol):
    def push(
        self,
        person: Person,
        *,
        idempotency_key: str,
        event_type: str,
        extra: dict[str, Any] | None = None,
    ) -> None: ...


class Category:
    """What a kind of system does with a member; one instance per category."""

    name: ClassVar[str]

    def push(self, client: Any, attempt: Attempt) -> str | None:
        """Send; return a note when there was nothing to send (the delivery is skipped)."""
        raise NotImplementedError

    def plan(self, client: Any, attempts: Sequence[Attempt]) -> list[list[Attempt]]:
        """How a batch of attempts (one per member) goes out: parts of one go
        through :meth:`push`, longer ones through :meth:`push_batch`."""
        return [[attempt] for attempt in attempts]

    def push_batch(
        self, client: Any, attempts: Sequence[Attempt]
    ) -> dict[Attempt, str | None | DeliveryError]:
        """Send several in one call; each attempt's note or error. Raises
        :class:`DeliveryError` when the call as a whole failed."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class KeyedByEmail(Category):
    """Systems that hold the member under their email address, so every
    address sent is remembered before it is sent: should the remote act and
    the answer be lost, what it holds is still known (R3.3)."""

    def push(self, client: Any, attempt: Attempt) -> str | None:
        earlier = attempt.earlier_addresses()
        if attempt.person.email:
            attempt.remember(attempt.person.email)
        return self.converge(client, attempt, earlier)

    def converge(self, client: Any, attempt: Attempt, earlier: list[str]) -> str | None:
        raise NotImplementedError


class Crm(KeyedByEmail):
    """A CRM keeps one contact per member: a changed email moves that contact
    (from whichever earlier address holds it) instead of creating a second
    one, and a deleted account deletes it under every address sent there
    (R5.3: the person asked for their data to go, and the CRM holds a copy)."""

    name = "crm"

    def converge(self, client: CrmClient, attempt: Attempt, earlier: list[str]) -> str | None:
        person, key = attempt.person, attempt.idempotency_key
        if person.email:
            kept = client.push(person, idempotency_key=key, previous_emails=earlier)
            # A duplicate contact the client could not merge stays remembered:
            # tried again each time, and erased with the rest.
            attempt.release([email for email in earlier if email not in (kept or ())])
            return None
        if attempt.account_deleted():
            if not earlier:
                return "The person deleted their account before anything was sent here."
            for index, email in enumerate(earlier):
                suffix = "" if index == 0 else f"-{index}"
                client.erase(email, idempotency_key=f"{key}{suffix}")
                attempt.release([email])
            return None
        return NO_EMAIL

    def plan(self, client: Any, attempts: Sequence[Attempt]) -> list[list[Attempt]]:
        """Members whose address has not changed go in batch upserts where the
        client has them; a move, an erase or a missing email one by one."""
        size = getattr(client, "batch_size", 0)
        if size < 2:
            return super().plan(client, attempts)
        plain = [a for a in attempts if a.person.email and not a.earlier_addresses()]
        alone = [[a] for a in attempts if a not in plain]
        return [list(plain[i : i + size]) for i in range(0, len(plain), size)] + alone

    def push_batch(
        self, client: BatchCrmClient, attempts: Sequence[Attempt]
    ) -> dict[Attempt, str | None | DeliveryError]:
        for attempt in attempts:
            attempt.remember(attempt.person.email)
        errors = client.push_many([(a.person, a.idempotency_key) for a in attempts])
        return {a: errors.get(a.idempotency_key) for a in attempts}


class Access(KeyedByEmail):
    """Door and print accounts are keyed by email: whatever an earlier
    address holds goes before anything is granted to the current one."""

    name = "access"

    def converge(self, client: AccessClient, attempt: Attempt, earlier: list[str]) -> str | None:
        person = _leaving_previous_groups(attempt.person, attempt.previous)
        key = attempt.idempotency_key
        for index, email in enumerate(earlier):
            suffix = "-previous" if index == 0 else f"-previous-{index}"
            client.push(replace(person, email=email, status=REMOVED), idempotency_key=key + suffix)
            attempt.release([email])
        if not person.email:
            if earlier:
                # Not the address itself: after an account deletion the log
                # must not keep what the person asked us to erase.
                return NO_EMAIL + " Access under the previous address was removed."
            return NO_EMAIL
        client.push(person, idempotency_key=key)
        return None


def _leaving_previous_groups(person: Person, previous: dict[str, Any] | None) -> Person:
    """A location whose group changed sends its members with the old one in
    ``previous``: access there is taken back like another location's."""
    door, printing = (previous or {}).get("door_group"), (previous or {}).get("printing_group")
    if not door and not printing:
        return person
    return replace(
        person,
        other_door_groups=(*person.other_door_groups, *([door] if door else [])),
        other_printing_groups=(*person.other_printing_groups, *([printing] if printing else [])),
    )


class Webhook(Category):
    """A receiver is told each change (Former, then Active), not the latest
    state twice; it holds no addresses of ours, so nothing is remembered."""

    name = "webhook"

    def push(self, client: EventClient, attempt: Attempt) -> str | None:
        extra: dict[str, Any] = {"sequence": attempt.sequence, "current": attempt.person.to_dict()}
        if attempt.previous:
            extra["previous"] = attempt.previous
        try:
            client.push(
                attempt.recorded_person(),
                idempotency_key=attempt.idempotency_key,
                event_type=attempt.event,
                extra=extra,
            )
        except ReceiverGone:
            attempt.switch_off(
                "The receiver answered 410 Gone: it no longer accepts these events. "
                "Changes wait here; switch the connection on once the receiver is back."
            )
            raise
        return None


CRM = Crm()
ACCESS = Access()
WEBHOOK = Webhook()
