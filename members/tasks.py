"""Background work for invitations and portal access. Tasks take ids, load
fresh rows and call the actions in members/invitation_emails.py and members/actions/access.py."""

from celery import shared_task

from outbox import engine, timing

from . import approval_emails
from .actions.access import members_auto_former
from .invitation_emails import (
    KIND,
    SEND_CHUNK,
    InvitationSendFailed,
    invitations_send,
    invitations_send_reminders,
    owed,
)
from .models import Invitation, StatusRequest


@shared_task(**timing.task_limits(KIND))
def send_invitations(invitation_ids: list[int]) -> int:
    """Mail up to one chunk of owed invitations (members/invitation_emails.py).

    Each row is claimed before it is mailed and marked sent after, so a
    redelivered or overlapping run does not mail it twice. When the mail
    server fails, what went out is recorded and the engine schedules the
    rest with backoff (outbox/timing.py) until their attempts run out.
    """
    try:
        return invitations_send(invitation_ids)
    except InvitationSendFailed:
        return 0  # the engine has scheduled the retry


@shared_task(acks_late=True, ignore_result=True, **timing.task_limits(approval_emails.KIND))
def send_approval_decision_email(status_request_id: int) -> bool:
    """Tell a contact person what an admin decided (members/approval_emails.py)."""
    return approval_emails.decision_email_send(status_request_id)


@shared_task(soft_time_limit=300, time_limit=360)
def send_invitation_reminders() -> int:
    return invitations_send_reminders()


@shared_task(soft_time_limit=300, time_limit=360)
def set_former_when_membership_ended() -> int:
    return members_auto_former()


def _token_withdrawn(now) -> dict:
    # A failed send delivered no token: the row keeps none.
    return {"token_hash": None, "expires_at": None}


def register() -> None:
    engine.register(
        engine.Kind(
            name=KIND,
            model=Invitation,
            task=send_invitations,
            batch=SEND_CHUNK,
            owed=lambda now: owed(),
            failed=_token_withdrawn,
            dead=_token_withdrawn,
        )
    )
    engine.register(
        engine.Kind(
            name=approval_emails.KIND,
            model=StatusRequest,
            task=send_approval_decision_email,
            owed=lambda now: approval_emails.owed(),
        )
    )
