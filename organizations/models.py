from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from tenancy.scoping import tenant_manager

from .colours import validate_hex_colour
from .time_zones import validate_time_zone


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Organization(TimeStamped):
    """One operator: the tenant. Everything else belongs to exactly one."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(
        unique=True, help_text=gettext_lazy("Appears in every URL: /o/<slug>/…")
    )

    # Settings (R2.1, R4.3, R4.7). Off by default: each one hands power to
    # someone other than the operator's admins, so the operator opts in.
    contacts_manage_team = models.BooleanField(
        gettext_lazy("Allow contact persons to manage their company's member directory"),
        default=False,
        help_text=gettext_lazy(
            "Contact persons, billing persons and managers can add their company's "
            "members and change their status from the member portal."
        ),
    )
    # Only read by members/policy.py (approval_needed): with it on, a member a
    # contact person adds as Active, or moves to Active, waits for an admin
    # (R8.2) before any invitation, door or printing access.
    contact_additions_need_approval = models.BooleanField(
        gettext_lazy("New members added by contact persons need an admin's approval"),
        default=False,
        help_text=gettext_lazy(
            "Off: they are active at once (invitation, door and printing access). On: "
            "a member a contact person adds as Active, or moves from Contact or Former to "
            "Active, waits as “Awaiting approval” until an admin of the location approves."
        ),
    )
    invitation_reminders = models.BooleanField(
        gettext_lazy("Send an invitation reminder after 3 days"), default=False
    )
    auto_former_on_membership_end = models.BooleanField(
        gettext_lazy("Set members to Former when their membership ends"), default=False
    )
    # Privacy defaults (R5.2): what members see of each other; each user may
    # override them on their account page.
    members_see_email = models.BooleanField(
        gettext_lazy("Members see each other's email by default"), default=True
    )
    members_see_phone = models.BooleanField(
        gettext_lazy("Members see each other's phone by default"), default=False
    )

    # The operator's brand on both portals and every email
    # (organizations/branding.py); the logo is stored re-encoded
    # (organizations/logo_files.py) and served by config's logo view.
    logo = models.ImageField(upload_to="organization-logos/", blank=True)
    accent_colour = models.CharField(
        gettext_lazy("Accent colour"),
        max_length=7,
        blank=True,
        validators=[validate_hex_colour],
        help_text=gettext_lazy(
            "Buttons, links and the focus ring, as #rrggbb. Text on it is white or "
            "black, whichever reads; as link text it is darkened where it would be too light."
        ),
    )

    # Language and time zone (issue 16): what a person sees unless their own
    # account says otherwise, and where a location does not say otherwise.
    language = models.CharField(
        gettext_lazy("Default language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        db_default="en",
    )
    time_zone = models.CharField(
        gettext_lazy("Default time zone"),
        max_length=64,
        default="UTC",
        db_default="UTC",
        validators=[validate_time_zone],
        help_text=gettext_lazy(
            "An IANA name such as Europe/Berlin; each location may set its own."
        ),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class LocationQuerySet(models.QuerySet):
    def open(self):
        """Locations new rows may point at: not archived."""
        return self.filter(archived_at__isnull=True)


class Location(TimeStamped):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="locations"
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField()
    address = models.CharField(max_length=300, blank=True)
    # Blank: the organization's default time zone.
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        default="",
        db_default="",
        validators=[validate_time_zone],
        help_text=gettext_lazy(
            "An IANA name such as Europe/Berlin; blank uses the organization's."
        ),
    )
    # What an active member here gets from the connected door-access and
    # printing systems (integrations/snapshots.py sends them with the
    # member). Blank: the connection's own group, if it names one.
    door_group = models.CharField(
        gettext_lazy("Door-access group"),
        max_length=100,
        blank=True,
        help_text=gettext_lazy(
            "The door-access system's group whose doors active members here may open "
            "(a Kisi group ID). Blank uses the group set on the connection."
        ),
    )
    printing_group = models.CharField(
        gettext_lazy("Printing group"),
        max_length=100,
        blank=True,
        help_text=gettext_lazy(
            "The printing system's group active members here are put in (a PaperCut "
            "group name). Blank puts them in none; they may still print."
        ),
    )
    # Archived: kept for the records that point at it, offered for nothing new.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = tenant_manager(LocationQuerySet)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("manage_customers", "Manage customers (companies and members)"),
            ("manage_settings", "Manage settings"),
            # Invite admins and change, suspend or remove their roles at this
            # location (organizations/permissions.py admin_change_refusal).
            ("manage_admins", "Manage admins"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="location_slug_per_org"),
            # Target of the composite foreign keys that keep rows pointing at
            # a location inside their own organization.
            models.UniqueConstraint(fields=["id", "organization"], name="location_id_org"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class LocationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Location, on_delete=models.CASCADE)


class LocationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Location, on_delete=models.CASCADE)


class OrganizationAdminQuerySet(models.QuerySet):
    def active(self):
        """Roles that give access: a suspended one does not."""
        return self.filter(suspended_at__isnull=True)


class OrganizationAdmin(TimeStamped):
    """A user who works in an organization's admin portal.

    What they may do at each location is held as guardian object permissions
    on Location; owners may do everything everywhere.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="admins")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="admin_roles"
    )
    is_owner = models.BooleanField(default=False)
    # Set while the role is suspended, from the admins page or with the
    # person's member record here (deactivated or removed, members/access.py):
    # the role is kept, but gives no access, so restoring it (or activating
    # the record) gives it back as it was (R4.6).
    suspended_at = models.DateTimeField(null=True, blank=True)
    # The member record this role was invited with (the invite form's
    # Administrator switch): until the invitation is accepted that record
    # has no login, and this is what ties the role to it. Never matched by
    # email: any record may carry anyone's address.
    invited_member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = tenant_manager(OrganizationAdminQuerySet)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_admin_role_per_org"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.organization}"
