from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from organizations.models import Location, Organization
from outbox.models import OutboxItem
from tenancy.scoping import tenant_manager


class Notification(OutboxItem):
    """An in-app notice to one admin (R2.7, R5.3), with an unread state.

    ``status_change`` links the notice to the change an admin may confirm
    or revert in one click.
    """

    class Kind(models.TextChoices):
        STATUS_CHANGED = (
            "status_changed",
            gettext_lazy("Contact person changed the status of a company member"),
        )
        MEMBER_ADDED = "member_added", gettext_lazy("Contact person added a new company member")
        ACCOUNT_DELETED = "account_deleted", gettext_lazy("A user deleted their account")
        JOIN_REQUEST = "join_request", gettext_lazy("New request to join")
        CONNECTION_OFF = "connection_off", gettext_lazy("An integration was switched off")
        APPROVAL = "approval", gettext_lazy("A member added by a contact person awaits approval")
        TEAM_MOVED = "team_moved", gettext_lazy("A company's team moved or moved out")

    class Resolution(models.TextChoices):
        OPEN = "", gettext_lazy("Open")
        CONFIRMED = "confirmed", gettext_lazy("Confirmed")
        REVERTED = "reverted", gettext_lazy("Reverted")
        # An approval notice (R8.2) closes with the request's decision.
        APPROVED = "approved", gettext_lazy("Approved")
        REJECTED = "rejected", gettext_lazy("Rejected")
        WITHDRAWN = "withdrawn", gettext_lazy("Withdrawn")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind)
    message = models.CharField(max_length=500)
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: The request a JOIN_REQUEST notice is about: erasure finds the notice
    #: by it, not by its wording (issue 11, item 7).
    join_request = models.ForeignKey(
        "members.JoinRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: The request an APPROVAL notice asks about: Approve and Reject act on it.
    status_request = models.ForeignKey(
        "members.StatusRequest",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    status_change = models.ForeignKey(
        "members.StatusChange", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    resolution = models.CharField(max_length=10, choices=Resolution, blank=True, default="")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # The email, sent at least once by the outbox engine (kind
    # "notification_email", notifications/tasks.py): the OutboxItem columns
    # hold its claim, attempts and last error; emailed once the mail server
    # took it.
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = tenant_manager()

    class Meta:
        # Moved from adminportal (issue 11): the table kept its name.
        db_table = "adminportal_notification"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "organization", "read_at"],
                name="adminportal_recipie_cc030f_idx",
            )
        ]

    def __str__(self):
        return self.message
