"""The integration pipeline's rows (R3).

- ``Connection``: one remote system an organization pushes members to.
- ``OutboxEvent``: "this member changed", written in the same transaction as
  the change (R3.2). ``processed_at`` is set once it has been fanned out.
- ``Delivery``: one event to one connection, with its own retry state (R3.3).
- ``RemoteAddress``: an email address a connection may still hold something
  of a member under (R3.3, R5.3).

``member_ref`` (the member's id, kept even after the member row is gone) is
what per-member ordering and the "remove the old email" logic key on.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.crypto import decrypt_json, encrypt_json
from organizations.models import Organization, TimeStamped
from outbox.models import OutboxItem
from tenancy.scoping import tenant_manager

from .vendors import kind_choices, registry


class Connection(TimeStamped):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="integration_connections"
    )
    # Which vendor (integrations/vendors/). Its choices are the registry's,
    # read when needed; no CHECK constraint lists them, since a vendor is
    # added without a migration. A kind whose vendor left the code fails its
    # deliveries with "unknown integration kind" (permanent, in the log).
    kind = models.CharField(max_length=16, choices=kind_choices)
    name = models.CharField(max_length=100)
    base_url = models.URLField(
        gettext_lazy("API address"),
        max_length=500,
        help_text=gettext_lazy("Leave as is unless the system is self-hosted."),
    )
    # Fernet token of a JSON dict; never rendered, never logged (R3.5).
    credentials_encrypted = models.TextField(blank=True, editable=False)
    enabled = models.BooleanField(default=True)
    # Why the pipeline switched it off (a webhook receiver's 410 Gone), shown
    # on the connection until an admin switches it on again.
    switched_off_at = models.DateTimeField(null=True, blank=True)
    switched_off_reason = models.CharField(max_length=300, blank=True)
    # The remote answered 429: nothing goes to it before then (every
    # delivery of the connection waits, none loses an attempt by it).
    paused_until = models.DateTimeField(null=True, blank=True)
    # At most this many requests per this many seconds; empty: the vendor's
    # default (integrations/vendors/*/__init__.py, ``rate_limit``).
    rate_limit_requests = models.PositiveIntegerField(null=True, blank=True)
    rate_limit_seconds = models.PositiveIntegerField(null=True, blank=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="connection_name_per_org"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def credentials(self) -> dict:
        return decrypt_json(self.credentials_encrypted)

    def set_credentials(self, values: dict) -> None:
        """Encrypt ``values`` onto this instance; the caller saves."""
        self.credentials_encrypted = encrypt_json(values)

    def credential_hints(self) -> dict[str, str]:
        """What the admin may see of each credential: the last four characters."""
        hints = {}
        for key, value in self.credentials.items():
            value = str(value)
            if not self.is_secret(key):
                hints[key] = value
            else:
                hints[key] = "••••" + value[-4:] if len(value) > 8 else "••••"
        return hints

    @property
    def rate_limit(self) -> tuple[int, float] | None:
        """(requests, seconds): the connection's own limit, else its vendor's."""
        if self.rate_limit_requests and self.rate_limit_seconds:
            return self.rate_limit_requests, float(self.rate_limit_seconds)
        if not getattr(settings, "INTEGRATIONS_VENDOR_RATE_LIMITS", True):
            return None
        vendor = registry.find(self.kind)
        return vendor.rate_limit if vendor else None

    def is_secret(self, key: str) -> bool:
        """Whether a stored credential is secret; everything is, for a kind
        whose vendor is gone from the code."""
        vendor = registry.find(self.kind)
        return vendor is None or vendor.is_secret(key)


class OutboxEvent(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox_events",
    )
    member_ref = models.BigIntegerField(
        db_index=True, help_text=gettext_lazy("The member's id, kept forever.")
    )
    event = models.CharField(max_length=40)
    # Counts this member's events (1, 2, 3 …) in the order they were
    # recorded, under the member's row lock: a receiver that gets an older
    # event after a newer one (a retry) can tell, whatever the arrival order.
    sequence = models.PositiveBigIntegerField()
    # The member as it was when the event was recorded: what the log shows,
    # and what a delivery falls back to once the member row is gone.
    payload = models.JSONField(default=dict)
    # Set by a resync: deliver to this connection only.
    connection = models.ForeignKey(
        Connection, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member_ref", "sequence"], name="outbox_sequence_per_member"
            ),
        ]
        indexes = [
            models.Index(
                fields=["member_ref", "id"],
                name="outbox_unprocessed_member",
                condition=Q(processed_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.event} member {self.member_ref}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("Pending")
    IN_FLIGHT = "in_flight", gettext_lazy("Sending")
    SUCCEEDED = "succeeded", gettext_lazy("Delivered")
    FAILED = "failed", gettext_lazy("Failed, will retry")
    DEAD = "dead", gettext_lazy("Dead (gave up)")
    SKIPPED = "skipped", gettext_lazy("Skipped")


#: A delivery in one of these states still has to happen; later deliveries
#: for the same member and connection wait for it.
UNFINISHED = (DeliveryStatus.PENDING, DeliveryStatus.IN_FLIGHT, DeliveryStatus.FAILED)
CLAIMABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


#: Delivery statuses in the badge colours of member statuses.
BADGES = {
    DeliveryStatus.SUCCEEDED: "active",
    DeliveryStatus.DEAD: "contact",
    DeliveryStatus.FAILED: "pending",
}


class Delivery(OutboxItem):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="deliveries")
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    member_ref = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=DeliveryStatus, default=DeliveryStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    # Attempts, lease, last error and the broker hand-off: OutboxItem's
    # columns (the outbox kind "integration_delivery"). Never null here: the
    # delivery log and its index sort by it.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    # When an attempt last failed, whatever came after: the connection's health
    # counts deliveries that failed in the last hour, even ones that got through
    # on a later try.
    last_failed_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = gettext_lazy("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["event", "connection"], name="one_delivery_per_event"),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["connection", "member_ref", "event"], name="delivery_member_order"
            ),
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_unfinished_due",
                condition=Q(status__in=["pending", "failed", "in_flight"]),
            ),
            models.Index(fields=["connection", "status"], name="delivery_connection_status"),
            # The dashboard's integration health (selectors.integration_health):
            # a connection's failures in the last hour, and the organization's
            # dead deliveries. Without them, two million deliveries took it
            # 154 ms of SQL on every visit; with them, 2 ms (docs/directory.md).
            models.Index(
                fields=["connection", "last_failed_at"],
                name="delivery_failed_at",
                condition=Q(last_failed_at__isnull=False),
            ),
            models.Index(fields=["organization"], name="delivery_dead", condition=Q(status="dead")),
        ]

    def __str__(self):
        return f"Delivery #{self.pk} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        # Stable across every retry of this delivery, unique across deliveries.
        return f"delivery-{self.pk}"

    @property
    def badge(self) -> str:
        """The badge colour the delivery log shows its status in."""
        return BADGES.get(self.status, "")

    @property
    def waits_for_an_attempt(self) -> bool:
        return self.status in CLAIMABLE

    @property
    def can_retry(self) -> bool:
        return self.status in (DeliveryStatus.FAILED, DeliveryStatus.DEAD)


class RemoteAddress(models.Model):
    """An address an attempt sent a member under, to one connection: that
    system may hold a contact, a door-access user or a print account under
    it. Written before the attempt sends, so an attempt whose answer was
    lost is remembered as well as one that succeeded, whichever delivery
    made it. Deleted only once that system confirmed nothing of the member
    is left under it: access revoked, contact moved or erased. The member's
    current address stays (it is what they hold there now).

    Personal data: an account deletion erases every address at each system
    and then the row (R5.3)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="remote_addresses"
    )
    member_ref = models.BigIntegerField()
    email = models.CharField(max_length=254)
    first_sent_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(default=timezone.now)

    objects = tenant_manager()

    class Meta:
        ordering = ["-last_sent_at", "-id"]
        constraints = [
            # Remotes match email case-insensitively: one row per address.
            models.UniqueConstraint(
                "connection", "member_ref", Lower("email"), name="remote_address_once"
            ),
        ]

    def __str__(self):
        return f"{self.email} at connection {self.connection_id} (member {self.member_ref})"
