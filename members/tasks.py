"""Background work for invitations and portal access. Tasks take ids, load
fresh rows and call the actions in members/invitations.py and members/access.py."""

from celery import shared_task


@shared_task(max_retries=3, default_retry_delay=60, soft_time_limit=120, time_limit=180)
def send_invitations(member_ids: list[int], invited_by_id: int | None = None) -> int:
    """Issue and mail "Get started" links for up to one chunk of members.

    Not acks_late: a redelivered run would mail a second link (which
    revokes the first), harmless but confusing; a lost run is visible as a
    pending member the admin can resend to.
    """
    from .invitations import send_invitation_emails

    return send_invitation_emails(member_ids, invited_by_id=invited_by_id)


@shared_task(soft_time_limit=300, time_limit=360)
def send_invitation_reminders() -> int:
    from .invitations import invitations_send_reminders

    return invitations_send_reminders()


@shared_task(soft_time_limit=300, time_limit=360)
def set_former_when_membership_ended() -> int:
    from .access import members_auto_former

    return members_auto_former()
