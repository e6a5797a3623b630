"""The audit log: one row per change an action made (issue 11, item 4).

Written by the actions themselves (``audit.log.record``), in the
transaction of the change, not by database triggers: see
docs/architecture.md for why. Upper floors react to the rows
(``audit.log.recorded``): integrations queue what connected systems must
hear, notifications tell admins, members keep team access in step.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

from tenancy.scoping import tenant_manager


class Via(models.TextChoices):
    """Through which door a change came in."""

    PORTAL = "portal", gettext_lazy("Member portal")
    ADMIN = "admin", gettext_lazy("Admin portal")
    SUPPORT = "support", gettext_lazy("Django admin")
    PUBLIC = "public", gettext_lazy("Public form")
    API = "api", gettext_lazy("API")
    SYSTEM = "system", gettext_lazy("System")


class Verb(models.TextChoices):
    MEMBER_CREATED = "member.created", gettext_lazy("Member added")
    MEMBER_UPDATED = "member.updated", gettext_lazy("Details changed")
    MEMBER_ADMIN_DETAILS_CHANGED = (
        "member.admin_details_changed",
        gettext_lazy("Billing or notes changed"),
    )
    MEMBER_STATUS_CHANGED = "member.status_changed", gettext_lazy("Status changed")
    MEMBER_PORTAL_ACCESS_CHANGED = (
        "member.portal_access_changed",
        gettext_lazy("Portal access changed"),
    )
    MEMBER_LOGIN_LINKED = "member.login_linked", gettext_lazy("Login linked")
    MEMBER_LEFT_LOCATION = "member.left_location", gettext_lazy("Removed from the location")
    MEMBER_TRANSFERRED = "member.transferred", gettext_lazy("Moved to another location")
    MEMBER_REMOVED = "member.removed", gettext_lazy("Removed")
    MEMBER_ERASED = "member.erased", gettext_lazy("Account deleted")
    MEMBER_RESYNCED = "member.resynced", gettext_lazy("Sent again to connected systems")
    MEMBER_PHOTO_CHANGED = "member.photo_changed", gettext_lazy("Photo changed")
    MEMBER_PRIVACY_CHANGED = "member.privacy_changed", gettext_lazy("Privacy changed")
    LANGUAGE_CHANGED = "account.language_changed", gettext_lazy("Language changed")
    ATTACHMENT_ADDED = "attachment.added", gettext_lazy("File attached")
    ATTACHMENT_DELETED = "attachment.deleted", gettext_lazy("File deleted")
    INVITATION_SENT = "invitation.sent", gettext_lazy("Invited")
    INVITATION_RESENT = "invitation.resent", gettext_lazy("Invitation sent again")
    INVITATION_ACCEPTED = "invitation.accepted", gettext_lazy("Invitation accepted")
    INVITATION_REVOKED = "invitation.revoked", gettext_lazy("Invitation withdrawn")
    JOIN_REQUEST_SUBMITTED = "join_request.submitted", gettext_lazy("Asked to join")
    JOIN_REQUEST_APPROVED = "join_request.approved", gettext_lazy("Request to join approved")
    JOIN_REQUEST_REJECTED = "join_request.rejected", gettext_lazy("Request to join rejected")
    COMPANY_CREATED = "company.created", gettext_lazy("Company created")
    COMPANY_ROLE_CHANGED = "company.role_changed", gettext_lazy("Company roles changed")
    COMPANY_UPDATED = "company.updated", gettext_lazy("Company details changed")
    COMPANY_ARCHIVED = "company.archived", gettext_lazy("Company archived or restored")
    CONTACT_LOCATIONS_CHANGED = (
        "company.contact_locations_changed",
        gettext_lazy("Contact linked to locations"),
    )
    TEAM_MEMBER_ADDED = "team.member_added", gettext_lazy("Added by the contact person")
    APPROVAL_REQUESTED = "approval.requested", gettext_lazy("Awaiting an admin's approval")
    APPROVAL_APPROVED = "approval.approved", gettext_lazy("Approved by an admin")
    APPROVAL_REJECTED = "approval.rejected", gettext_lazy("Rejected by an admin")
    APPROVAL_WITHDRAWN = "approval.withdrawn", gettext_lazy("Request for approval withdrawn")
    ADMIN_PERMISSIONS_CHANGED = "admin.permissions_changed", gettext_lazy("Admin role changed")
    ADMIN_SUSPENDED = "admin.suspended", gettext_lazy("Admin role suspended")
    ADMIN_REMOVED = "admin.removed", gettext_lazy("Admin role removed")
    ORGANIZATION_SETTINGS_CHANGED = (
        "organization.settings_changed",
        gettext_lazy("Settings changed"),
    )
    ORGANIZATION_BRAND_CHANGED = (
        "organization.brand_changed",
        gettext_lazy("Name, logo or colour changed"),
    )
    CONNECTION_CREATED = "connection.created", gettext_lazy("Connection added")
    CONNECTION_UPDATED = "connection.updated", gettext_lazy("Connection changed")
    CONNECTION_DELETED = "connection.deleted", gettext_lazy("Connection removed")
    CONNECTION_RESYNCED = "connection.resynced", gettext_lazy("Every member sent again")
    CONNECTION_SWITCHED_OFF = (
        "connection.switched_off",
        gettext_lazy("Connection switched off by its remote"),
    )
    DELIVERY_RETRIED = "delivery.retried", gettext_lazy("Delivery retried")
    EXPORT_CREATED = "export.created", gettext_lazy("Export created")
    NOTIFICATION_RESOLVED = "notification.resolved", gettext_lazy("Notice confirmed or reverted")
    LOCATION_CREATED = "location.created", gettext_lazy("Location created")
    LOCATION_UPDATED = "location.updated", gettext_lazy("Location changed")
    LOCATION_ARCHIVED = "location.archived", gettext_lazy("Location archived")
    PLAN_CREATED = "plan.created", gettext_lazy("Plan created")
    PLAN_UPDATED = "plan.updated", gettext_lazy("Plan changed")
    PLAN_ARCHIVED = "plan.archived", gettext_lazy("Plan archived")
    MEMBERSHIP_CREATED = "membership.created", gettext_lazy("Membership added")
    MEMBERSHIP_CHANGED = "membership.changed", gettext_lazy("Membership changed")
    MEMBERSHIP_ENDED = "membership.ended", gettext_lazy("Membership ended")
    SEAT_CAP_OVERRIDDEN = "company.seat_cap_overridden", gettext_lazy("Went over the seat cap")
    COMPANY_SEATS_CHANGED = "company.seats_changed", gettext_lazy("Seat cap changed")
    TEAM_MOVED_OUT = "team.moved_out", gettext_lazy("Company moved out of a location")
    TEAM_MOVED = "team.moved", gettext_lazy("Team moved to another location")
    TEAM_MOVE_UNDONE = "team.move_undone", gettext_lazy("Move undone")


class AuditEntry(models.Model):
    # By name: the log is the bottom of the layers and imports no app.
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    #: None: the system did it (a task, a sweep, a migration).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: Who, in words, as it was when they acted: the log still says "an
    #: admin" after that login is deleted. Blanked when the actor erases
    #: their own account (personal data), like every other trace of them.
    actor_label = models.CharField(max_length=300, blank=True)
    subject_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.BigIntegerField(null=True, blank=True)
    #: The member the change concerns, for their history (R6.3). Named, not
    #: imported, and without a database constraint: the log outlives the
    #: record (a deleted member's entries stay, found by this id), and the
    #: audit code never reaches up into members.
    member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="audit_entries",
    )
    verb = models.CharField(max_length=40, choices=Verb)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    via = models.CharField(max_length=10, choices=Via)
    reason = models.CharField(max_length=500, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = tenant_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        indexes = [
            models.Index(fields=["member", "-created_at"], name="audit_member_history"),
            models.Index(fields=["organization", "-created_at"], name="audit_org_timeline"),
            models.Index(fields=["subject_type", "subject_id"], name="audit_subject"),
        ]
        verbose_name_plural = gettext_lazy("audit entries")

    def __str__(self):
        return f"{self.verb} {self.subject_id} ({self.via})"

    # Django's own get_FOO_display hashes every choice's lazy label, each a
    # translation, on every call: a list of 15 entries made 1,200 of them
    # (a fifth of the dashboard). The enum finds the value directly.
    def get_verb_display(self):
        return _label(Verb, self.verb)

    def get_via_display(self):
        return _label(Via, self.via)


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:  # a verb an older release wrote
        return value
