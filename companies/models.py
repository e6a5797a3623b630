from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from organizations.models import Location, Organization, TimeStamped
from tenancy.scoping import tenant_manager

#: The object permission a contact person, billing person or manager holds
#: on their company while team management is on (R2.2); members/team_access.py
#: decides who holds it.
MANAGE_TEAM = "companies.manage_team"
MANAGE_TEAM_CODENAME = "manage_team"
#: Which of guardian's rows on companies are that permission.
MANAGE_TEAM_GRANTS = Q(
    permission__content_type__app_label="companies", permission__codename=MANAGE_TEAM_CODENAME
)


class Company(TimeStamped):
    """A customer company at one or more locations (R6.5).

    Its contact person and billing person are members of it; managers are
    members with ``Member.is_manager``. Each member is at one of the
    company's locations (``CompanyLocation``). Who may manage the team from
    the member portal is held as the ``manage_team`` object permission; a
    role holder linked to specific locations (``ContactLocation``) manages
    the team there only.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    locations = models.ManyToManyField(
        Location, through="CompanyLocation", related_name="companies", blank=True
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    contact_person = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    billing_person = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    billing_name = models.CharField(gettext_lazy("Legal business name"), max_length=200, blank=True)
    billing_address = models.TextField(blank=True)
    tax_id = models.CharField(gettext_lazy("Tax ID"), max_length=60, blank=True)
    internal_notes = models.TextField(blank=True)
    #: Set when an admin archives the company: hidden from default lists,
    #: it takes no new members (companies/actions.py company_archive).
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager()

    class Meta:
        verbose_name_plural = gettext_lazy("companies")
        ordering = ["name"]
        permissions = [("manage_team", "Manage the company's member directory")]
        constraints = [
            models.UniqueConstraint(fields=["id", "organization"], name="company_id_org"),
        ]
        # The Companies tab's sort (keyset pages, docs/customers-directory.md).
        indexes = [
            models.Index(fields=["organization", "name", "id"], name="company_directory_name")
        ]

    def __str__(self):
        return self.name

    def roles_of(self, member) -> list[str]:
        """The roles a member holds in this company, as people read them.

        Who manages the team is decided here (R2.2): whoever holds one of
        these roles (``holds_team_role``; ``TEAM_ROLE_HOLDER`` says the same
        to the database)."""
        if member is None or member.company_id != self.pk:
            return []
        roles = []
        if member.pk == self.contact_person_id:
            roles.append(_("Contact person"))
        if member.pk == self.billing_person_id:
            roles.append(_("Billing person"))
        if member.is_manager:
            roles.append(_("Manager"))
        return roles

    def holds_team_role(self, member) -> bool:
        return bool(self.roles_of(member))

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class CompanyLocation(models.Model):
    """A company is a customer at this location. Its members' home location
    is one of these (a composite foreign key from members.Member on
    PostgreSQL; the actions check it everywhere)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="company_locations")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    #: Issue 14: how many of the company's members may be Active here, when
    #: none of its current memberships at this location carries seats (those
    #: take precedence: members/seats.py). None: no cap.
    seats = models.PositiveIntegerField(
        gettext_lazy("Active member seats"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=gettext_lazy(
            "Empty: no cap. A current company membership at this location with seats "
            "takes precedence."
        ),
    )
    #: The company moved out of the location (members/actions/moves.py):
    #: it takes no new members there; its Former members keep pointing at
    #: the row (the composite foreign key), and undoing the move clears it.
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["location__name", "pk"]
        constraints = [
            # Also the target of the composite foreign keys from members
            # and contact links (members 0014, companies 0008).
            models.UniqueConstraint(fields=["company", "location"], name="company_location_once"),
            models.CheckConstraint(
                condition=Q(seats__isnull=True) | Q(seats__gte=1),
                name="company_location_seats_positive",
            ),
        ]

    def __str__(self):
        return f"{self.company_id} @ {self.location_id}"


class ContactLocation(models.Model):
    """Seed 004, "Link to Specific Properties": a contact person, billing
    person or manager linked to these locations of their company sees and
    manages the team there only. Without any row they are linked to the
    whole company. Set by ``members.actions.roles.contact_set_locations``."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="contact_locations"
    )
    # PROTECT: a link that vanished would widen the person's reach to the
    # whole company.
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")

    objects = tenant_manager()

    class Meta:
        ordering = ["location__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["member", "location"], name="contact_location_once"),
        ]

    def __str__(self):
        return f"{self.member_id} @ {self.location_id}"


#: ``Company.roles_of`` as a filter on members (of a company): contact
#: person, billing person or manager.
TEAM_ROLE_HOLDER = (
    Q(is_manager=True)
    | Q(pk=F("company__contact_person_id"))
    | Q(pk=F("company__billing_person_id"))
)


class CompanyUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Company, on_delete=models.CASCADE)


class CompanyGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Company, on_delete=models.CASCADE)
