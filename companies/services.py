"""Actions that change companies: their creation and who holds which role."""

from django.core.exceptions import ValidationError
from django.db import transaction

from members.models import Member
from organizations.models import Location, Organization

from .models import Company


@transaction.atomic
def company_create(
    *, organization: Organization, location: Location, name: str, email: str = ""
) -> Company:
    if location.organization_id != organization.pk:
        raise ValidationError({"location": "That location belongs to another organization."})
    return Company.objects.create(
        organization=organization, location=location, name=name.strip(), email=email
    )


@transaction.atomic
def company_set_roles(
    *,
    company: Company,
    contact_person: Member | None,
    billing_person: Member | None,
) -> Company:
    """Make these members the company's contact and billing person."""
    for field, member in (("contact_person", contact_person), ("billing_person", billing_person)):
        if member is not None and member.company_id != company.pk:
            raise ValidationError({field: f"{member} is not a member of {company}."})
    company.contact_person = contact_person
    company.billing_person = billing_person
    company.save(update_fields=["contact_person", "billing_person", "updated_at"])
    return company
