"""Actions that change companies: their creation, who holds which role, and
the team management their contact persons do from the member portal (R2)."""

from django.core.exceptions import ValidationError
from django.db import transaction

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
