"""Background work for invitations and portal access. Tasks take ids, load
fresh rows and call the actions in members/invitation_emails.py and members/actions/access.py."""

from celery import shared_task


@shared_task(bind=True, max_retries=5, soft_time_limit=120, time_limit=180)
def send_invitations(self, invitation_ids: list[int]) -> int:
    """Mail up to one chunk of owed invitations (members/invitation_emails.py).

    Each row is claimed before it is mailed and marked sent after, so a
    redelivered or overlapping run does not mail it twice. When the mail
    server fails, what went out is recorded and the rest is retried with
    the rows' backoff (1, 2, 4, 8, 16 minutes: ``retry_delay``); after that
    the beat sweep keeps trying, on the same schedule, until the row's
    attempts run out.
    """
    from .invitation_emails import InvitationSendFailed, invitations_send

    try:
        return invitations_send(invitation_ids)
    except InvitationSendFailed as failed:
        raise self.retry(exc=failed, countdown=failed.retry_in) from failed


@shared_task(soft_time_limit=60, time_limit=90)
def send_unsent_invitations() -> int:
    """Beat: queue invitation emails whose task never ran or gave up."""
    from .invitation_emails import invitations_send_unsent

    return invitations_send_unsent()


@shared_task(soft_time_limit=300, time_limit=360)
def send_invitation_reminders() -> int:
    from .invitation_emails import invitations_send_reminders

    return invitations_send_reminders()


@shared_task(soft_time_limit=300, time_limit=360)
def set_former_when_membership_ended() -> int:
    from .actions.access import members_auto_former

    return members_auto_former()
