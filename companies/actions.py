"""Actions that change companies. Who holds which role is in
members/actions/roles.py: it changes members too."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit import log
from audit.models import Verb, Via
from organizations.models import Location, Organization

from .models import Company


@transaction.atomic
def company_create(
    *,
    organization: Organization,
    location: Location,
    name: str,
    email: str = "",
    actor=None,
    via: str = Via.ADMIN,
) -> Company:
    if location.organization_id != organization.pk:
        raise ValidationError({"location": _("That location belongs to another organization.")})
    company = Company.objects.create(
        organization=organization, location=location, name=name.strip(), email=email
    )
    log.record(
        verb=Verb.COMPANY_CREATED,
        via=via,
        actor=actor,
        subject=company,
        after={"name": company.name, "location_id": location.pk},
    )
    return company
