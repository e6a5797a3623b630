import datetime

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AuditEntry, Verb, Via
from organizations.models import Location, Organization, TimeStamped
from outbox import timing
from outbox.models import OutboxItem
from tenancy.scoping import RefusedQuerySet, tenant_manager


class MemberStatus(models.TextChoices):
    ACTIVE = "active", gettext_lazy("Active")
    CONTACT = "contact", gettext_lazy("Contact")
    FORMER = "former", gettext_lazy("Former")


class PortalAccess(models.TextChoices):
    NONE = "none", gettext_lazy("No access")
    PENDING = "pending", gettext_lazy("Pending")
    ACTIVE = "active", gettext_lazy("Active")
    DEACTIVATED = "deactivated", gettext_lazy("Deactivated")


class Member(TimeStamped):
    """The business record of a person (seed 002). May exist with no login."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=gettext_lazy("home location"),
    )
    company = models.ForeignKey(
        "companies.Company",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    is_manager = models.BooleanField(
        gettext_lazy("company manager"),
        default=False,
        help_text=gettext_lazy("Manages the company's details with its contacts."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)

    status = models.CharField(max_length=10, choices=MemberStatus, default=MemberStatus.ACTIVE)
    portal_access = models.CharField(max_length=12, choices=PortalAccess, default=PortalAccess.NONE)

    billing_name = models.CharField(gettext_lazy("Legal business name"), max_length=200, blank=True)
    billing_address = models.TextField(blank=True)
    tax_id = models.CharField(gettext_lazy("Tax ID"), max_length=60, blank=True)
    internal_notes = models.TextField(blank=True)

    # Invitations and personal data (R4, R5). Set only by members/invitations.py
    # and members/personal.py.
    invited_at = models.DateTimeField(null=True, blank=True)
    first_login_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Until this is set, an invited person carries “New”."),
    )
    photo = models.FileField(upload_to="member-photos/", blank=True)
    # None follows the organization's default (R5.2).
    show_email = models.BooleanField(
        gettext_lazy("show my email to other members"), null=True, blank=True
    )
    show_phone = models.BooleanField(
        gettext_lazy("show my phone to other members"), null=True, blank=True
    )
    account_deleted_at = models.DateTimeField(null=True, blank=True)

    # Who added the record, and through which door (R2.6: the history starts
    # here). Set only by member_create and mass_invite. SET_NULL: a deleted
    # account leaves "Deleted user", not a hole in the record.
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    added_via = models.CharField(max_length=10, choices=Via, blank=True, editable=False)

    objects = tenant_manager()

    class Meta:
        ordering = ["first_name", "last_name", "id"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                Lower("email"),
                condition=~Q(email=""),
                name="member_email_unique_per_org",
            ),
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=Q(user__isnull=False),
                name="one_member_per_user_per_org",
            ),
            models.CheckConstraint(
                condition=Q(is_manager=False) | Q(company__isnull=False),
                name="manager_has_company",
            ),
            models.CheckConstraint(
                condition=Q(status__in=MemberStatus.values), name="member_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(portal_access__in=PortalAccess.values), name="portal_access_valid"
            ),
            # Targets of composite foreign keys (see organizations/db.py).
            models.UniqueConstraint(fields=["id", "organization"], name="member_id_org"),
            models.UniqueConstraint(fields=["id", "company"], name="member_id_company"),
        ]
        indexes = [
            models.Index(fields=["organization", "location", "status"]),
            # The directory's default sort within a tab, and its "added"
            # sort: the index hands out the first page, and any keyset
            # page, without sorting 100,000 rows (docs/customers-directory.md).
            models.Index(
                fields=["organization", "status", "first_name", "last_name", "id"],
                name="member_directory_name",
            ),
            models.Index(
                fields=["organization", "status", "created_at", "id"],
                name="member_directory_added",
            ),
            models.Index(
                fields=["organization", "status", "email", "id"],
                name="member_directory_email",
            ),
            # The Contacts and Former tab lists two statuses: an index led
            # by the status cannot hand out both in name order, these can.
            *(
                models.Index(
                    fields=["organization", *keys, "id"],
                    condition=Q(status__in=[MemberStatus.CONTACT, MemberStatus.FORMER]),
                    name=f"member_contacts_{name}",
                )
                for name, keys in (
                    ("name", ["first_name", "last_name"]),
                    ("added", ["created_at"]),
                    ("email", ["email"]),
                )
            ),
            # A company's team in name order (My team, the company page, the
            # directory's company filter).
            models.Index(
                fields=["company", "first_name", "last_name", "id"], name="member_team_name"
            ),
            # The directory's "Manager" role and "New" filters: few rows each.
            models.Index(
                fields=["organization"], condition=Q(is_manager=True), name="member_managers"
            ),
            models.Index(
                fields=["organization", "invited_at"],
                condition=Q(invited_at__isnull=False),
                name="member_invited",
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def status_changes(self):
        """This member's status history, newest first (R2.6)."""
        return StatusChange.objects.filter(member=self)

    @cached_property
    def status_history(self) -> list:
        """What members/status_history.html lists; the selectors prefetch it
        (``history_prefetches``) for pages that show many members."""
        return list(self.status_changes.select_related("actor"))

    @property
    def is_new(self) -> bool:
        return self.new_by(self.invited_at, self.first_login_at)

    @staticmethod
    def new_by(invited_at, first_login_at) -> bool:
        """Invited and not logged in yet (the "New" label of R4.4), for a
        member read as values (the export) as well as for one loaded."""
        return invited_at is not None and first_login_at is None

    @property
    def personal_data_locked(self) -> bool:
        """Once a login is linked, only its owner edits name, phone, photo (R5.1)."""
        return self.user_id is not None

    # What templates ask about a member, named for the rule rather than the
    # stored string (issue 11, item 6).

    @property
    def is_read_only(self) -> bool:
        """Deactivated: only Activate is offered (R4.6); members/policy.py
        ``read_only_refusal`` says why to whoever tries."""
        return self.portal_access == PortalAccess.DEACTIVATED

    @property
    def invitation_pending(self) -> bool:
        return self.portal_access == PortalAccess.PENDING

    @property
    def has_no_portal_access(self) -> bool:
        return self.portal_access == PortalAccess.NONE

    @property
    def may_be_deactivated(self) -> bool:
        return self.portal_access in (PortalAccess.ACTIVE, PortalAccess.PENDING)

    @property
    def is_former(self) -> bool:
        return self.status == MemberStatus.FORMER

    @property
    def portal_closed_by_status(self) -> bool:
        """Access accepted, but only active members use the portal (R2.7)."""
        return self.portal_access == PortalAccess.ACTIVE and self.status != MemberStatus.ACTIVE

    @property
    def can_use_portal(self) -> bool:
        """Only active members with accepted, non-deactivated access get in (R2.7, R4.6)."""
        return (
            self.user_id is not None
            and self.status == MemberStatus.ACTIVE
            and self.portal_access == PortalAccess.ACTIVE
        )


class StatusChangeManager(type(tenant_manager())):
    """The audit log's tenant manager, narrowed to status changes."""

    organization_path = "organization"

    def get_queryset(self):
        queryset = super().get_queryset()
        if isinstance(queryset, RefusedQuerySet):
            return queryset  # refuses every read already; none() still works
        return queryset.filter(verb=Verb.MEMBER_STATUS_CHANGED)


class StatusChange(AuditEntry):
    """A status change (R2.6): the audit log's ``member.status_changed``
    entries, read as the member's status history. Written only by
    ``member_change_status``."""

    objects = StatusChangeManager()

    class Meta:
        proxy = True
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"

    @classmethod
    def of(cls, entry: AuditEntry) -> "StatusChange":
        """The entry an action just wrote, read as a status change (no query)."""
        change = cls(**{f.attname: getattr(entry, f.attname) for f in entry._meta.concrete_fields})
        change._state.adding, change._state.db = False, entry._state.db
        if "actor" in entry._state.fields_cache:
            change.actor = entry.actor
        return change

    @property
    def from_status(self) -> str:
        return self.before.get("status", "")

    @property
    def to_status(self) -> str:
        return self.after.get("status", "")

    def get_from_status_display(self) -> str:
        return _status_label(self.from_status)

    def get_to_status_display(self) -> str:
        return _status_label(self.to_status)

    def __str__(self):
        return f"{self.member_id}: {self.from_status} → {self.to_status}"


def _status_label(value: str) -> str:
    return MemberStatus(value).label if value in MemberStatus.values else value


class BillingPeriod(models.TextChoices):
    MONTHLY = "monthly", gettext_lazy("Monthly")
    YEARLY = "yearly", gettext_lazy("Yearly")


class PlanQuerySet(models.QuerySet):
    def open(self):
        """Plans new memberships may be on: not archived."""
        return self.filter(archived_at__isnull=True)


class Plan(TimeStamped):
    """What a location sells (issue 13, item 3): a price per billing period,
    and whether its members get door and printing access
    (``members/access_rules.py``)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="plans")
    # Null only for plans made before plans belonged to a location: offered
    # at every location.
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="plans"
    )
    name = models.CharField(max_length=200)
    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=gettext_lazy("Per billing period, in the currency you bill in."),
    )
    billing_period = models.CharField(
        max_length=10, choices=BillingPeriod, default=BillingPeriod.MONTHLY
    )
    gives_door_access = models.BooleanField(
        gettext_lazy("Gives door access"),
        default=True,
        help_text=gettext_lazy("Active members on this plan get the location's door-access group."),
    )
    gives_printing_access = models.BooleanField(
        gettext_lazy("Gives printing access"),
        default=True,
        help_text=gettext_lazy("Active members on this plan may print."),
    )
    # Archived: its memberships run on; no new ones.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = tenant_manager(PlanQuerySet)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["id", "organization"], name="plan_id_org"),
            models.CheckConstraint(condition=Q(price__gte=0), name="plan_price_not_negative"),
            models.CheckConstraint(
                condition=Q(billing_period__in=BillingPeriod.values),
                name="plan_billing_period_valid",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class MembershipQuerySet(models.QuerySet):
    def active(self, on=None):
        """Memberships whose period covers ``on`` (today by default)."""
        on = on or timezone.localdate()
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=on), start_date__lte=on)


class Membership(TimeStamped):
    """A member's or a company's subscription to a plan."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="memberships")
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    company = models.ForeignKey(
        "companies.Company",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    start_date = models.DateField()
    # The last day it runs; None runs on.
    end_date = models.DateField(null=True, blank=True)
    # A company's membership: how many of its members it covers (issue 14
    # caps active members with it). None: not counted.
    seats = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])

    objects = tenant_manager(MembershipQuerySet)

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, company__isnull=True)
                | Q(member__isnull=True, company__isnull=False),
                name="membership_has_one_holder",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(seats__isnull=True) | Q(seats__gte=1), name="membership_seats_positive"
            ),
        ]

    def __str__(self):
        return f"{self.plan} ({self.start_date}–{self.end_date or '…'})"

    @property
    def holder(self):
        return self.member if self.member_id else self.company

    def is_active(self, on=None) -> bool:
        """The period covers ``on`` (today by default): MembershipQuerySet.active, for one row."""
        on = on or timezone.localdate()
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)

    @property
    def has_ended(self) -> bool:
        return self.end_date is not None and self.end_date < timezone.localdate()

    @property
    def is_coming(self) -> bool:
        return self.start_date > timezone.localdate()


class Invitation(OutboxItem):
    """One "Get started" link (R4.2). Only a hash of its token is stored.

    A row is written in the inviting transaction with no token: it is the
    durable "an invitation email is owed" marker. The sending task issues
    the token (``token_hash``, ``expires_at``) when it claims the row,
    mails it, then sets ``sent_at`` and only then revokes the member's
    earlier links, so a person is never left without a working link. Rows
    the task never got (broker down, worker killed) are swept from beat.

    A link is good for 24 hours from sending, once. ``reminded_at`` marks
    the row written as the 3-day reminder (R4.3).
    """

    LIFETIME_HOURS = 24
    #: After this many failed sends the row is dead (outbox/timing.py); the
    #: admin sees "email failed" and may resend.
    MAX_SEND_ATTEMPTS = timing.policy(timing.INVITATION_EMAIL).max_attempts

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="invitations")
    # Null until the sending task issues the link.
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    # Claim, lease, attempts and retry time: OutboxItem's columns, kept by
    # the outbox engine (kind "invitation_email", members/invitation_emails.py).
    sent_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["member", "created_at"]),
            # The sweep's question: which emails are still owed?
            models.Index(
                fields=["created_at"],
                condition=Q(sent_at__isnull=True, revoked_at__isnull=True, used_at__isnull=True),
                name="invitation_unsent",
            ),
        ]

    def __str__(self):
        return f"Invitation for {self.member} ({self.created_at:%Y-%m-%d %H:%M})"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.token_hash is not None
            and self.expires_at is not None
            and self.used_at is None
            and self.revoked_at is None
            and self.expires_at > now
        )

    @property
    def send_failed(self) -> bool:
        return self.sent_at is None and self.attempts >= self.MAX_SEND_ATTEMPTS

    @property
    def state(self) -> str:
        """One line for the admin portal."""
        if self.used_at:
            return _("Used %(when)s") % {"when": _when(self.used_at)}
        if self.revoked_at:
            return _("Replaced or withdrawn %(when)s") % {"when": _when(self.revoked_at)}
        if self.send_failed:
            return _("The email could not be sent; check the address and resend")
        if self.sent_at is None:
            return _("Email being sent")
        if self.is_usable():
            return _("Valid until %(when)s") % {"when": _when(self.expires_at)}
        return _("Expired %(when)s") % {"when": _when(self.expires_at)}


def _when(moment) -> str:
    """A time in the reader's zone, written the way their language writes it."""
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


class JoinRequest(models.Model):
    """Someone asked to join a location from its public page (R4.5)."""

    class State(models.TextChoices):
        PENDING = "pending", gettext_lazy("Waiting for an admin")
        APPROVED = "approved", gettext_lazy("Approved")
        REJECTED = "rejected", gettext_lazy("Rejected")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="join_requests")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    company_name = models.CharField(max_length=200, blank=True)
    message = models.TextField(blank=True, max_length=2000)
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.first_name} {self.last_name} → {self.location}".strip()

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()


class Attachment(models.Model):
    """A file an admin keeps on a member's record, e.g. an ID scan (R5.1)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = tenant_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name


class LocationTransfer(models.Model):
    """A member moved to another location of the organization (R4.7)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="transfers")
    from_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    to_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    company_cleared = models.CharField(
        max_length=200,
        blank=True,
        help_text=gettext_lazy("The company left behind at the old location."),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = tenant_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.member}: {self.from_location} → {self.to_location}"


class StatusRequest(OutboxItem):
    """A contact person asked for a member to become Active, and the
    organization wants an admin to approve it first (R8.2,
    ``Organization.contact_additions_need_approval``).

    Until decided the member stays as they were (one a contact person added
    is kept as Contact): no invitation, no door or printing access; the
    connected systems are told "awaiting_approval" (integrations/snapshots.py).
    Written only by members/actions/approvals.py, and withdrawn by
    ``member_change_status`` when the status changes some other way.

    The decision is emailed to whoever asked: the OutboxItem columns carry
    that email (outbox kind "approval_decision_email", members/approval_emails.py).
    """

    class Kind(models.TextChoices):
        ADDED = "added", gettext_lazy("Added as a new member")
        STATUS = "status", gettext_lazy("Status change")

    class Decision(models.TextChoices):
        PENDING = "", gettext_lazy("Awaiting approval")
        APPROVED = "approved", gettext_lazy("Approved")
        REJECTED = "rejected", gettext_lazy("Rejected")
        WITHDRAWN = "withdrawn", gettext_lazy("Withdrawn")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="status_requests")
    kind = models.CharField(max_length=10, choices=Kind)
    #: The status when asked: approving moves from it, and only from it.
    from_status = models.CharField(max_length=10, choices=MemberStatus)
    to_status = models.CharField(max_length=10, choices=MemberStatus)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(gettext_lazy("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    decision = models.CharField(max_length=10, choices=Decision, blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(gettext_lazy("reason"), max_length=500, blank=True)
    #: The email telling ``requested_by`` the decision went out (outbox).
    decision_emailed_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One open question per member: a second one waits for the first.
            models.UniqueConstraint(
                fields=["member"], condition=Q(decision=""), name="one_open_status_request"
            ),
            models.CheckConstraint(
                condition=Q(decision__in=["", "approved", "rejected", "withdrawn"]),
                name="status_request_decision_valid",
            ),
        ]
        indexes = [
            # The admins' queue: what is open, oldest first.
            models.Index(
                fields=["organization", "created_at"],
                condition=Q(decision=""),
                name="status_request_open",
            ),
        ]

    def __str__(self):
        return (
            f"{self.member_id}: {self.from_status} → {self.to_status} ({self.decision or 'open'})"
        )

    @property
    def is_open(self) -> bool:
        return self.decision == self.Decision.PENDING

    @property
    def invites_on_approval(self) -> bool:
        """Added as Active by a contact person: approving also invites (R2.8)."""
        return self.kind == self.Kind.ADDED

    def get_from_status_display(self) -> str:
        return _status_label(self.from_status)

    def get_to_status_display(self) -> str:
        return _status_label(self.to_status)


class TeamMove(models.Model):
    """A company's whole team at a location changed in one action (issue
    14, item 3): moved out (everyone Former, portal access ended,
    memberships ended on a date) or moved to another location (R4.7's
    transfer, for everyone).

    ``snapshot`` keeps what each member and membership was before, and
    ``members.actions.moves.undo_move`` puts back, within ``UNDO_DAYS``,
    those that nothing else changed since. Written only by that module.
    """

    class Kind(models.TextChoices):
        MOVE_OUT = "move_out", gettext_lazy("Moved out")
        MOVE_TEAM = "move_team", gettext_lazy("Team moved to another location")

    #: How long a move can be undone.
    UNDO_DAYS = 30

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="team_moves"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    from_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    to_location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: Moving out: the last day of the memberships ended.
    end_date = models.DateField(null=True, blank=True)
    reason = models.CharField(gettext_lazy("reason"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    member_count = models.PositiveIntegerField(default=0)
    #: {"members": {id: {...before..., "moved_at": iso}}, "memberships":
    #: {...}, "cancelled": [...], "links": {...}}: see members/actions/moves.py.
    snapshot = models.JSONField(default=dict, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: How many members the undo put back (the others had changed since).
    restored_count = models.PositiveIntegerField(null=True, blank=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["company", "-created_at"], name="team_move_company")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.company_id} @ {self.from_location_id}"

    @property
    def undo_until(self):
        return self.created_at + datetime.timedelta(days=self.UNDO_DAYS)

    def may_be_undone(self, now=None) -> bool:
        return self.undone_at is None and (now or timezone.now()) < self.undo_until
