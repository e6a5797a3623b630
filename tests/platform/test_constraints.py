"""Each database constraint rejects the row it exists to reject."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from members.models import Member, Membership
from tests import factories as f

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="composite foreign keys exist on PostgreSQL only"
)


def rejected(fn):
    """Run ``fn`` in a savepoint and check every deferred constraint at once."""
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()
        connection.check_constraints()


def test_member_email_is_unique_per_organization_ignoring_case():
    member = f.MemberFactory(email="sam@example.test")
    rejected(lambda: f.MemberFactory(location=member.location, email="SAM@example.test"))


def test_same_email_may_exist_in_two_organizations():
    f.MemberFactory(email="sam@example.test")
    f.MemberFactory(email="sam@example.test")  # another organization: fine
    assert Member.objects.filter(email="sam@example.test").count() == 2


def test_members_without_email_do_not_collide():
    member = f.MemberFactory(email="")
    f.MemberFactory(location=member.location, email="")


def test_one_user_is_linked_to_one_member_per_organization():
    member = f.PortalMemberFactory()
    rejected(lambda: f.MemberFactory(location=member.location, user=member.user))


def test_a_user_may_be_linked_to_members_of_two_organizations():
    member = f.PortalMemberFactory()
    f.MemberFactory(user=member.user)


def test_a_manager_needs_a_company():
    rejected(lambda: f.MemberFactory(is_manager=True, company=None))


def test_status_and_portal_access_are_known_values():
    rejected(lambda: f.MemberFactory(status="vip"))
    rejected(lambda: f.MemberFactory(portal_access="maybe"))


@postgres_only
def test_member_company_must_be_in_the_members_organization():
    company = f.CompanyFactory()
    rejected(lambda: f.MemberFactory(company=company))  # member's location: another org


@postgres_only
def test_member_location_must_be_in_the_members_organization():
    location = f.LocationFactory()
    rejected(lambda: f.MemberFactory(organization=f.OrganizationFactory(), location=location))


@postgres_only
def test_contact_person_must_belong_to_the_company():
    place = f.LocationFactory()
    company = f.CompanyFactory(location=place)
    outsider = f.MemberFactory(location=place)  # same org, no company

    def make_contact():
        company.contact_person = outsider
        company.save()

    rejected(make_contact)


@postgres_only
def test_billing_person_must_belong_to_the_company():
    place = f.LocationFactory()
    company = f.CompanyFactory(location=place)
    other = f.CompanyFactory(location=place)
    someone_else = f.MemberFactory(location=place, company=other)

    def make_billing():
        company.billing_person = someone_else
        company.save()

    rejected(make_billing)


@postgres_only
def test_company_location_must_be_in_the_companys_organization():
    rejected(lambda: f.CompanyFactory(organization=f.OrganizationFactory()))


@postgres_only
def test_a_companys_member_works_at_one_of_its_locations():
    place = f.LocationFactory()
    company = f.CompanyFactory(location=place)
    elsewhere = f.LocationFactory(organization=place.organization)
    f.MemberFactory(location=place, company=company)
    rejected(lambda: f.MemberFactory(location=elsewhere, company=company))


@postgres_only
def test_a_contact_is_linked_only_to_their_companys_locations():
    from companies.models import ContactLocation

    place = f.LocationFactory()
    company = f.CompanyFactory(location=place)
    elsewhere = f.LocationFactory(organization=place.organization)
    member = f.MemberFactory(location=place, company=company)
    outsider = f.MemberFactory(location=place)

    def link(who, where):
        return lambda: ContactLocation.objects.create(
            organization=place.organization, company=company, member=who, location=where
        )

    link(member, place)()
    rejected(link(member, elsewhere))
    rejected(link(outsider, place))


@postgres_only
def test_membership_plan_must_be_in_the_memberships_organization():
    member = f.MemberFactory()
    rejected(lambda: f.MembershipFactory(member=member, plan=f.PlanFactory()))


def test_membership_has_exactly_one_holder():
    member = f.MemberFactory()
    company = f.CompanyFactory(location=member.location)
    rejected(lambda: f.MembershipFactory(member=member, company=company))
    rejected(lambda: f.MembershipFactory(member=None, organization=member.organization))


def test_membership_cannot_end_before_it_starts():
    today = timezone.localdate()
    rejected(
        lambda: f.MembershipFactory(start_date=today, end_date=today - datetime.timedelta(days=1))
    )


def test_location_slug_is_unique_per_organization():
    location = f.LocationFactory(slug="harbour")
    rejected(lambda: f.LocationFactory(organization=location.organization, slug="harbour"))


def test_one_admin_role_per_user_and_organization():
    role = f.OrganizationAdminFactory()
    rejected(lambda: f.OrganizationAdminFactory(organization=role.organization, user=role.user))


def test_user_email_is_unique_ignoring_case():
    f.UserFactory(email="ada@example.test")
    rejected(lambda: f.UserFactory(email="Ada@Example.test"))


def test_active_membership_is_a_query_on_the_period(time_machine):
    # The last second of a month: "today" here and in the query is one day.
    time_machine.move_to(
        datetime.datetime(2027, 2, 28, 23, 59, 59, tzinfo=datetime.UTC), tick=False
    )
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    current = f.MembershipFactory(start_date=today - day, end_date=today)
    open_ended = f.MembershipFactory(start_date=today, end_date=None)
    f.MembershipFactory(start_date=today - 10 * day, end_date=today - day)  # ended
    f.MembershipFactory(start_date=today + day)  # not started
    assert set(Membership.objects.active()) == {current, open_ended}
