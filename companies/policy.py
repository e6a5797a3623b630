"""Where a company takes members, and who may change it as a whole (issue
13, item 2). The one place these rules live: the actions check them
inside their transaction, the forms and pages show their messages.

- A member of a company is at one of the company's locations (the
  composite foreign key ``member_at_company_location`` says the same to
  PostgreSQL).
- An archived company takes no new members, nor does a company at a
  location it moved out of (members/actions/moves.py).
- An admin changes the company itself (details, locations, roles, links,
  archiving) only while holding "manage customers" at every location of
  it: a change there reaches the team at every location. An admin at some
  of its locations manages the members there, one by one.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organizations.models import Location
from organizations.permissions import admin_locations

from .models import Company, CompanyLocation


def location_ids_of(company: Company, *, moved_out: bool = False) -> set[int]:
    """The company's locations (from a prefetch when there is one); those it
    moved out of (``CompanyLocation.ended_at``) only with ``moved_out``."""
    cache = getattr(company, "_prefetched_objects_cache", {})
    if "company_locations" in cache:
        return {
            row.location_id
            for row in cache["company_locations"]
            if moved_out or row.ended_at is None
        }
    rows = CompanyLocation.objects.filter(company_id=company.pk)
    if not moved_out:
        rows = rows.filter(ended_at__isnull=True)
    return set(rows.values_list("location_id", flat=True))


def new_member_refusal(company: Company | None, location: Location | None) -> str | None:
    """Why nobody may join ``company`` at ``location`` now (None: they may)."""
    if company is None:
        return None
    if company.is_archived:
        return _("%(company)s is archived: it takes no new members.") % {"company": company.name}
    if location is None or location.pk not in location_ids_of(company):
        return _("%(company)s is not a customer at %(location)s.") % {
            "company": company.name,
            "location": getattr(location, "name", "—"),
        }
    return None


def may_change_company(user, company: Company, *, mine: set[int] | None = None) -> bool:
    """Holds "manage customers" at every location of ``company`` (``mine``:
    the admin's locations, when the caller has read them already)."""
    # Where it moved out of too: its Former members are still there.
    ids = location_ids_of(company, moved_out=True)
    if mine is None:
        mine = set(
            admin_locations(user, company.organization)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
    return bool(ids) and ids <= mine


NOT_ALL_LOCATIONS = gettext_lazy(
    "Only an admin who manages customers at every location of this company can change it."
)
