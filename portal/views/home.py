"""The member portal's home page: the member, their company and its people."""

from django.db.models import prefetch_related_objects
from django.shortcuts import render
from django.utils.translation import gettext as _

from members.privacy import visible_contact
from members.selectors import history_prefetches, memberships_of

from ..decorators import portal_view


@portal_view
def home(request):
    member = request.member
    # R2.6: the member's own status history, with people named as the
    # member portal names them (no admin email addresses).
    prefetch_related_objects(
        [member],
        *history_prefetches(organization=request.organization, names=True),
        "company__contact_person",
        "company__billing_person",
    )
    return render(
        request,
        "portal/home.html",
        {
            "member": member,
            "company_people": _company_people(member),
            "memberships": list(memberships_of(member)),
        },
    )


def _company_people(member) -> list[tuple[str, dict]]:
    """The company's contact and billing person as this member may see them
    (R5.2: each person's privacy choice, or the organization's default)."""
    company = member.company
    if company is None:
        return []
    people = []
    for role, person in (
        (_("Contact person"), company.contact_person),
        (_("Billing person"), company.billing_person),
    ):
        if person is not None:
            person.organization = member.organization  # no query per person
            person.company = company
            people.append((role, visible_contact(member, person)))
    return people
