"""Actions on admin notifications: read, confirm, revert (R2.7)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import log
from audit.models import Verb, Via
from members.actions.status import member_change_status
from members.models import Member, StatusChange
from members.policy import read_only_refusal
from organizations.permissions import can_manage_location

from .models import Notification
from .unread import forget_unread

Resolution = Notification.Resolution


def _same_event(notification: Notification):
    """Every admin got their own copy of the event; these are all of them."""
    return Notification.objects.filter(
        organization_id=notification.organization_id,
        kind=notification.kind,
        member_id=notification.member_id,
        status_change_id=notification.status_change_id,
    )


def _resolve(notification: Notification, *, actor, resolution: str) -> int:
    now = timezone.now()
    copies = _same_event(notification).filter(resolution=Resolution.OPEN)
    copies.filter(read_at__isnull=True).update(read_at=now)
    forget_unread(notification.organization_id)
    resolved = copies.update(resolution=resolution, resolved_by=actor, resolved_at=now)
    log.record(
        verb=Verb.NOTIFICATION_RESOLVED,
        via=Via.ADMIN,
        actor=actor,
        organization=notification.organization_id,
        subject=notification,
        member=notification.member_id,
        before={"resolution": Resolution.OPEN},
        after={"resolution": resolution, "copies": resolved},
    )
    return resolved


def _lock_open(notification: Notification) -> Notification:
    # Locking the copies serialises two admins clicking at the same moment:
    # the second sees the first one's resolution and is told so.
    copies = list(_same_event(notification).select_for_update().order_by("pk"))
    current = next(n for n in copies if n.pk == notification.pk)
    resolved = next((n for n in copies if n.resolution), None)
    if resolved is not None:
        who = resolved.resolved_by.email if resolved.resolved_by else "another admin"
        raise ValidationError(
            _("This change was already %(resolution)s by %(who)s.")
            % {"resolution": resolved.get_resolution_display().lower(), "who": who}
        )
    return current


@transaction.atomic
def notification_confirm(*, notification: Notification, actor) -> None:
    """The admin agrees with the change: close it for every admin."""
    _lock_open(notification)
    _resolve(notification, actor=actor, resolution=Resolution.CONFIRMED)


@transaction.atomic
def notification_revert(*, notification: Notification, actor) -> StatusChange:
    """Undo the status change the notification is about, through the same
    action as any other change, so the revert has its own history row and
    reaches the integrations; then close it for every admin."""
    _lock_open(notification)
    change = notification.status_change
    if change is None:
        raise ValidationError(_("There is no status change to revert here."))
    member = Member.objects.select_for_update().select_related("location").get(pk=change.member_id)
    refusal = read_only_refusal(member)
    if refusal:
        raise ValidationError(refusal)
    if not can_manage_location(actor, member.location):
        raise ValidationError(
            _(
                "%(member)s is now at %(location)s, which you do not manage: "
                "an admin there can change their status."
            )
            % {"member": member, "location": member.location.name}
        )
    if member.status != change.to_status:
        raise ValidationError(
            _(
                "%(member)s is now %(status)s: the status changed again after"
                " this notice, so reverting it would undo a later change. "
                "Change the status from the member's page instead."
            )
            % {"member": member, "status": member.get_status_display()}
        )
    by = change.actor.email if change.actor else "the member portal"
    when = timezone.localtime(change.created_at).strftime("%-d %b %Y %H:%M")
    revert = member_change_status(
        member=member,
        status=change.from_status,
        actor=actor,
        via=Via.ADMIN,
        reason=_("Reverted the change to %(to_status)s made by %(by)s on %(when)s.")
        % {"to_status": change.get_to_status_display(), "by": by, "when": when},
    )
    _resolve(notification, actor=actor, resolution=Resolution.REVERTED)
    return revert


@transaction.atomic
def notifications_mark_read(*, recipient, organization, pks=None) -> int:
    unread = Notification.objects.filter(
        recipient=recipient, organization=organization, read_at__isnull=True
    )
    if pks is not None:
        unread = unread.filter(pk__in=pks)
    forget_unread(organization.pk)
    return unread.update(read_at=timezone.now())
