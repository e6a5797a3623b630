"""Demo data for `make run`: two operators, their locations, companies and people.

Idempotent: running it again finds what is there and adds nothing twice.
"""

import datetime

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled
from guardian.shortcuts import assign_perm

from accounts.emails import mark_proven
from accounts.models import User
from audit.models import Via
from companies.actions import company_create, company_update
from companies.models import Company
from members.actions.records import member_create, member_link_user
from members.actions.roles import company_set_manager, company_set_roles, contact_set_locations
from members.actions.status import member_change_status
from members.models import Member, Membership, MemberStatus, Plan
from organizations.models import Location, Organization, OrganizationAdmin
from organizations.permissions import MANAGE_CUSTOMERS, MANAGE_SETTINGS

PASSWORD = "demo-pass-2026"

# (status, has an active membership) by position in a demo team: the first
# two become contact and billing person; the third shows a teammate whose
# status contact persons may not change.
DEMO_STATES = [
    (MemberStatus.ACTIVE, False),
    (MemberStatus.ACTIVE, False),
    (MemberStatus.ACTIVE, True),
    (MemberStatus.CONTACT, False),
]
INDIVIDUAL_STATES = [(MemberStatus.CONTACT, False), (MemberStatus.FORMER, False)]

ORGANIZATIONS = [
    {
        "name": "Northwind Workspaces",
        "slug": "northwind",
        "locations": [
            ("Harbour Street", "harbour"),
            ("Old Mill", "old-mill"),
            ("Station Hub", "station"),
        ],
        "companies": [
            (
                "Acme Robotics",
                "harbour",
                ["Ada Lovelace", "Brian Kernighan", "Carla Diaz", "Dev Patel"],
            ),
            ("Blue Fern Studio", "harbour", ["Erin Cho", "Felix Wong", "Grace Hopper"]),
            ("Copperleaf Legal", "old-mill", ["Hana Sato", "Ivan Petrov", "Jade Moreau"]),
            ("Driftwood Games", "station", ["Kofi Mensah", "Lena Fischer"]),
        ],
        "individuals": [("Mia Rossi", "harbour"), ("Noah Smith", "old-mill")],
        # A company at a second location: its manager there is linked to
        # that location only (seed 004), and sees that team in My team.
        "second_locations": [("Acme Robotics", "old-mill", ["Omar Haddad", "Priya Nair"])],
    },
    {
        "name": "Southgate Coworking",
        "slug": "southgate",
        "locations": [("Riverside", "riverside"), ("Market Square", "market")],
        "companies": [
            ("Evergreen Analytics", "riverside", ["Olga Ivanova", "Pablo Ruiz", "Quinn Taylor"]),
            ("Foxglove Media", "market", ["Rosa Lima", "Sam Okafor"]),
        ],
        "individuals": [("Tara Nolan", "riverside"), ("Uma Grant", "market")],
    },
]


class Command(BaseCommand):
    help = "Create demo organizations, locations, companies and members, and print the logins."

    # Builds several organizations' data: no single tenant to scope to.
    @scopes_disabled()
    @transaction.atomic
    def handle(self, *args, **options):
        logins = []
        for spec in ORGANIZATIONS:
            logins += self._organization(spec)
        self.stdout.write(
            self.style.SUCCESS("Demo data is ready. Log in at http://127.0.0.1:8000/")
        )
        self.stdout.write(f"Every demo login uses the password: {PASSWORD}")
        for email, what in logins:
            self.stdout.write(f"  {email:<36} {what}")

    def _user(self, email):
        user, created = User.objects.get_or_create(email=email)
        if created:
            user.set_password(PASSWORD)
            user.save()
        # Email verification is mandatory: the demo logins' addresses count as
        # proven, so their password works at once (as after a login by code).
        mark_proven(user, email)
        return user

    def _organization(self, spec):
        org, _ = Organization.objects.get_or_create(
            slug=spec["slug"], defaults={"name": spec["name"], "contacts_manage_team": True}
        )
        locations = {}
        for name, slug in spec["locations"]:
            locations[slug], _ = Location.objects.get_or_create(
                organization=org, slug=slug, defaults={"name": name}
            )
        domain = f"{org.slug}.test"
        owner = self._user(f"owner@{domain}")
        OrganizationAdmin.objects.get_or_create(
            organization=org, user=owner, defaults={"is_owner": True}
        )
        first_location = next(iter(locations.values()))
        manager = self._user(f"admin@{domain}")
        OrganizationAdmin.objects.get_or_create(organization=org, user=manager)
        assign_perm(MANAGE_CUSTOMERS, manager, first_location)
        assign_perm(MANAGE_SETTINGS, manager, first_location)
        logins = [
            (owner.email, f"owner of {org.name} (admin portal, every location)"),
            (manager.email, f"admin of {org.name}, {first_location.name} only"),
        ]

        plan, _ = Plan.objects.get_or_create(
            organization=org, name="Hot desk", defaults={"price": 250}
        )
        for company_name, location_slug, people in spec["companies"]:
            company = Company.objects.filter(organization=org, name=company_name).first()
            if company is None:
                company = company_create(
                    organization=org, location=locations[location_slug], name=company_name
                )
            team = [
                self._member(org, locations[location_slug], company, name, DEMO_STATES[i % 4])
                for i, name in enumerate(people)
            ]
            if company.contact_person_id is None:
                company_set_roles(company=company, contact_person=team[0], billing_person=team[1])
            logins.append((team[0].email, f"contact person of {company_name}"))
            logins.append((team[1].email, f"billing person of {company_name}"))
        for company_name, location_slug, people in spec.get("second_locations", []):
            logins += self._second_location(org, locations, company_name, location_slug, people)
        for i, (name, location_slug) in enumerate(spec["individuals"]):
            self._member(org, locations[location_slug], None, name, INDIVIDUAL_STATES[i])
        return logins

    def _second_location(self, org, locations, company_name, location_slug, people):
        company = Company.objects.get(organization=org, name=company_name)
        place = locations[location_slug]
        if not company.locations.filter(pk=place.pk).exists():
            company_update(company=company, locations=[*company.locations.all(), place])
        team = [
            self._member(org, place, company, name, (MemberStatus.ACTIVE, False)) for name in people
        ]
        company_set_manager(company=company, member=team[0], is_manager=True)
        contact_set_locations(company=company, member=team[0], locations=[place])
        return [(team[0].email, f"manager of {company_name} at {place.name} only")]

    def _member(self, org, location, company, full_name, state):
        first, last = full_name.split(" ", 1)
        email = f"{first.lower()}.{last.lower()}@{org.slug}.test"
        member = Member.objects.filter(organization=org, email=email).first()
        if member:
            return member
        member = member_create(
            organization=org,
            location=location,
            company=company,
            first_name=first,
            last_name=last,
            email=email,
            via=Via.SYSTEM,  # demo data: nobody added it
        )
        status, with_membership = state
        if status == MemberStatus.ACTIVE:
            member_link_user(member=member, user=self._user(email))
        else:
            member_change_status(member=member, status=status, via=Via.SYSTEM, reason="Demo data")
        if with_membership:
            Membership.objects.create(
                organization=org,
                plan=Plan.objects.get(organization=org, name="Hot desk"),
                member=member,
                start_date=timezone.localdate() - datetime.timedelta(days=30),
            )
        return member
